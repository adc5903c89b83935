import { tValue } from "../i18n/i18n.ts";

/** An AIIDA asset (CONNECTION-AGREEMENT-POINT …) in the reader's words; AIIDA's name when there are none. */
export function assetName(asset: string): string {
  return tValue("asset", asset);
}
