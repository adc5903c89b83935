import { isDecimalText } from "../cim/decimal-text.ts";
import type { TimeSeriesQuantity } from "../cim/format-time-series.ts";
import { quantityTypeByObis } from "../domain/quantity-type.ts";
import { roundMeasurement } from "./meter-reading.ts";
import type { ValueMapping } from "./profile-schema.ts";

function cimTypeOf(obis: string): number {
  const type = quantityTypeByObis(obis);
  // The profile schema already refused such codes; reaching this is a programming error.
  if (type === undefined) throw new Error(`${obis} has no CIM quantity type`);
  return type.code;
}

/**
 * Turns one raw device number into its CIM quantities: scale, sign, magnitude, and for a split field
 * (obisWhenNegative) the positive side and the negative side, the idle side sent as 0; a positiveOnly
 * field is a split whose negative side is not sent, so it gets 0 then.
 */
export function mapValue(mapping: ValueMapping, raw: number): TimeSeriesQuantity[] {
  let value = raw * mapping.scale * mapping.sign;
  if (mapping.absolute) value = Math.abs(value);
  if (mapping.positiveOnly && value < 0) value = 0;
  const mainType = cimTypeOf(mapping.obis);
  if (mapping.obisWhenNegative === undefined) return [{ type: mainType, quantity: roundMeasurement(value) }];
  const negativeType = cimTypeOf(mapping.obisWhenNegative);
  return value >= 0
    ? [
        { type: mainType, quantity: roundMeasurement(value) },
        { type: negativeType, quantity: 0 },
      ]
    : [
        { type: mainType, quantity: 0 },
        { type: negativeType, quantity: roundMeasurement(-value) },
      ];
}

/**
 * A JSON value as a number: numbers, and strings that hold a decimal number (some readers quote them),
 * by the hub's own rule, so the publisher never sends what the hub would refuse ("0x5DC", "0b101", " 5");
 * else undefined.
 */
export function numericValue(value: unknown): number | undefined {
  if (typeof value === "number") return Number.isFinite(value) ? value : undefined;
  if (typeof value === "string" && isDecimalText(value)) {
    const parsed = Number(value);
    return Number.isFinite(parsed) ? parsed : undefined;
  }
  return undefined;
}

/** "1-0:1.7.0 (type 2, INSTANTANEOUS_ACTIVE_POWER_CONSUMPTION_KW)", for error messages. */
export function describeTarget(obis: string): string {
  const type = quantityTypeByObis(obis);
  return type === undefined ? obis : `${obis} (type ${type.code}, ${type.name})`;
}
