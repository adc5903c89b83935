import type { Asset } from "./data-source.ts";

/**
 * What a data source measures in the household: the grid connection, a solar (PV) inverter, a battery, or
 * a consumer. Its quantities get plain names from it ("Grid import" for a grid meter's 1-0:1.7.0).
 */
export const DATA_SOURCE_ROLES = [
  "GRID_METER",
  "PV_INVERTER",
  "BATTERY",
  "HEAT_PUMP",
  "EV_CHARGER",
  "OTHER_CONSUMER",
] as const;
export type DataSourceRole = (typeof DATA_SOURCE_ROLES)[number];

/**
 * The role a data source gets when none is given: the connection agreement point is the grid meter; the other
 * assets do not say which device they measure, so they count as a consumer until the user says otherwise.
 */
export const ASSET_DEFAULT_ROLES: Readonly<Record<Asset, DataSourceRole>> = {
  "CONNECTION-AGREEMENT-POINT": "GRID_METER",
  "CONTROLLABLE-UNIT": "OTHER_CONSUMER",
  "DEDICATED-MEASUREMENT-DEVICE": "OTHER_CONSUMER",
  SUBMETER: "OTHER_CONSUMER",
};

/** The role of a new data source of this asset when the user chose none. */
export function defaultRoleOf(asset: Asset): DataSourceRole {
  return ASSET_DEFAULT_ROLES[asset];
}
