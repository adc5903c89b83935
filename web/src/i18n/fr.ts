import type { Messages } from "./en.ts";

/** The UI's French messages. */
export const fr: Messages = {
  "role.GRID_METER": "Compteur du point de raccordement",
  "role.PV_INVERTER": "Onduleur photovoltaïque",
  "role.BATTERY": "Batterie",
  "role.HEAT_PUMP": "Pompe à chaleur",
  "role.EV_CHARGER": "Borne de recharge",
  "role.OTHER_CONSUMER": "Autre consommateur",
  "role.hint":
    "Ce que mesure l'appareil. Les grandeurs reçoivent ainsi des noms clairs, comme Soutirage pour 1-0:1.7.0.",
  "flow.gridImport": "Soutirage",
  "flow.feedIn": "Injection",
  "flow.solarProduction": "Production solaire",
  "flow.batteryCharge": "Charge de la batterie",
  "flow.batteryDischarge": "Décharge de la batterie",
  "flow.heatPumpConsumption": "Consommation de la pompe à chaleur",
  "flow.evChargerConsumption": "Consommation de la borne",
  "flow.consumption": "Consommation",
  "quantity.inPhase": "{name} en phase {phase}",
  "quantity.total": "{name} (index)",
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
