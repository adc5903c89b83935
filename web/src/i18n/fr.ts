import type { Messages } from "./en.ts";

/** The UI's French messages. */
export const fr: Messages = {
  "language.label": "Langue",
  "header.dataSources": "Sources de données",
  "header.permissions": "Autorisations",
  "header.changePassword": "Changer le mot de passe",
  "header.logOut": "Se déconnecter",
  "header.caCertificate": "Certificat CA",
  "header.mainNavigation": "Principal",
  "contact.lost": "Contact perdu avec le hub",
  "contact.lostSince":
    " depuis {time}. Ce que montre cette page date d'avant et peut être périmé ; la connexion se rétablit d'elle-même.",
  "time.never": "jamais",
  "time.secondsAgo": "il y a {n} s",
  "time.minutesAgo": "il y a {n} min",
  "time.hoursAgo": "il y a {n} h",
  "time.daysAgo": "il y a {n} j",
};
