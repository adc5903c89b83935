/**
 * The UI's English messages: the reference every other language file must match key for key
 * (a missing key is a compile error there). `{name}` marks a value put in; keys ending in `.one` /
 * `.other` (and any other plural category of a language) are chosen by count with `tn()`.
 */
export const en = {
  "role.GRID_METER": "Grid connection meter",
  "role.PV_INVERTER": "Solar (PV) inverter",
  "role.BATTERY": "Battery",
  "role.HEAT_PUMP": "Heat pump",
  "role.EV_CHARGER": "EV charger",
  "role.OTHER_CONSUMER": "Other consumer",
  "role.hint":
    "What the device measures. It gives the quantities plain names, such as Grid import for 1-0:1.7.0.",
  "flow.gridImport": "Grid import",
  "flow.feedIn": "Feed-in",
  "flow.solarProduction": "Solar production",
  "flow.batteryCharge": "Battery charge",
  "flow.batteryDischarge": "Battery discharge",
  "flow.heatPumpConsumption": "Heat pump consumption",
  "flow.evChargerConsumption": "EV charger consumption",
  "flow.consumption": "Consumption",
  "quantity.inPhase": "{name} in phase {phase}",
  "quantity.total": "{name} (total)",
  "common.loading": "Loading…",
  "header.overview": "Overview",
  "overview.title": "Overview",
  "overview.empty": "No data sources yet. Add the meters and devices of your home to see their power here.",
  "overview.addFirst": "Add your first data source",
  "overview.noPower": "No power reading yet",
  "overview.lastMessage": "Last message: {ago}",
  "household.title": "Your household",
  "household.now": "Right now",
  "household.today": "Today",
  "household.home": "Home consumption",
  "household.gridImport": "Grid import",
  "household.feedIn": "Feed-in",
  "household.solar": "Solar production",
  "household.batteryCharge": "Battery charge",
  "household.batteryDischarge": "Battery discharge",
  "household.selfConsumption": "Self-consumption",
  "household.autarky": "Autarky",
  "household.incomplete": "Some meters have not reported yet: the figures leave them out.",
  "language.label": "Language",
  "header.dataSources": "Data sources",
  "header.permissions": "Permissions",
  "header.changePassword": "Change password",
  "header.logOut": "Log out",
  "header.caCertificate": "CA certificate",
  "header.mainNavigation": "Main",
  "contact.lost": "Lost contact with the hub",
  "contact.lostSince":
    " since {time}. What this page shows is from before then and may be out of date; it reconnects by itself.",
  "time.never": "never",
  "time.secondsAgo": "{n} s ago",
  "time.minutesAgo": "{n} min ago",
  "time.hoursAgo": "{n} h ago",
  "time.daysAgo": "{n} d ago",
} as const;

/** A message's name. */
export type MessageKey = keyof typeof en;

/** A language's messages: every key of the English file, each a string. */
export type Messages = { readonly [K in MessageKey]: string };
