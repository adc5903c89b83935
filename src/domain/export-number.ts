import { decimalText } from "./decimal-text.ts";

/**
 * Significant digits an exported value keeps: more than any meter resolves (a 9-digit kWh register with 3
 * decimals), fewer than the 15–17 at which sums of binary fractions show their noise.
 */
export const EXPORT_SIGNIFICANT_DIGITS = 12;

/**
 * A measured value as plain decimal text for files people open in spreadsheets: rounded to 12 significant
 * digits, then the shortest text that reads back as that rounded number, never with an exponent:
 * 235.85000000000002 → "235.85", 0.1 + 0.2 → "0.3", 1e-7 → "0.0000001".
 */
export function exportNumber(value: number): string {
  const shortest = String(value);
  // At most 12 characters without an exponent: at most 12 digits, so rounding would give the same text.
  if (shortest.length <= EXPORT_SIGNIFICANT_DIGITS && !shortest.includes("e")) return shortest;
  return decimalText(Number(value.toPrecision(EXPORT_SIGNIFICANT_DIGITS)));
}
