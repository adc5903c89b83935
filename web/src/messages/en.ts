/**
 * English texts of the UI by message key: roles and the plain names of quantities so far. German and
 * French get files with the same keys; `{name}` in a text is filled in by `message()`.
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
} as const;

/** A key of the UI's messages. */
export type MessageKey = keyof typeof en;
