/**
 * A finite number as plain decimal text, never in exponent form: 1e-7 → "0.0000001", 1e21 →
 * "1000000000000000000000" (AIIDA writes BigDecimal text; an exponent there is a known annoyance).
 */
export function decimalText(value: number): string {
  if (!Number.isFinite(value)) throw new RangeError(`${value} is not a finite number`);
  if (value === 0) return "0"; // also for -0
  const text = String(value);
  const match = /^(-?)(\d)(?:\.(\d+))?e([+-]\d+)$/.exec(text);
  if (match === null) return text;
  const [, sign = "", lead = "", fraction = "", exponentText = "0"] = match;
  const digits = lead + fraction;
  // The decimal point sits after `point` digits of `digits` (may lie before the first or after the last).
  const point = 1 + Number(exponentText);
  if (point <= 0) return `${sign}0.${"0".repeat(-point)}${digits}`;
  if (point >= digits.length) return sign + digits + "0".repeat(point - digits.length);
  return `${sign}${digits.slice(0, point)}.${digits.slice(point)}`;
}
