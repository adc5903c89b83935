import type { Messages } from "./en.ts";

/** The UI's German messages. */
export const de: Messages = {
  "language.label": "Sprache",
  "header.dataSources": "Datenquellen",
  "header.permissions": "Freigaben",
  "header.changePassword": "Passwort ändern",
  "header.logOut": "Abmelden",
  "header.caCertificate": "CA-Zertifikat",
  "header.mainNavigation": "Hauptmenü",
  "contact.lost": "Keine Verbindung zum Hub",
  "contact.lostSince":
    " seit {time}. Diese Seite zeigt den Stand von davor, er kann veraltet sein; die Verbindung wird selbst wieder aufgebaut.",
  "time.never": "nie",
  "time.secondsAgo": "vor {n} s",
  "time.minutesAgo": "vor {n} min",
  "time.hoursAgo": "vor {n} h",
  "time.daysAgo": "vor {n} d",
};
