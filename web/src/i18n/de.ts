import type { Messages } from "./en.ts";

/** The UI's German messages. */
export const de: Messages = {
  "role.GRID_METER": "Netzanschlusszähler",
  "role.PV_INVERTER": "Photovoltaik-Wechselrichter",
  "role.BATTERY": "Batteriespeicher",
  "role.HEAT_PUMP": "Wärmepumpe",
  "role.EV_CHARGER": "E-Auto-Ladestation",
  "role.OTHER_CONSUMER": "Anderer Verbraucher",
  "role.hint":
    "Was das Gerät misst. Daraus bekommen die Messgrößen verständliche Namen, etwa Netzbezug für 1-0:1.7.0.",
  "flow.gridImport": "Netzbezug",
  "flow.feedIn": "Einspeisung",
  "flow.solarProduction": "Solarerzeugung",
  "flow.batteryCharge": "Batterieladung",
  "flow.batteryDischarge": "Batterieentladung",
  "flow.heatPumpConsumption": "Verbrauch der Wärmepumpe",
  "flow.evChargerConsumption": "Verbrauch der Ladestation",
  "flow.consumption": "Verbrauch",
  "quantity.inPhase": "{name} in Phase {phase}",
  "quantity.total": "{name} (Zählerstand)",
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
