// Grouped with commas, decimal dot, at most 6 decimals: float noise (0.30000000000000004) reads as 0.3.
const plain = new Intl.NumberFormat("en-US", { maximumFractionDigits: 6 });

/**
 * A number as a person reads it in a sentence: "2.5", "1,500", "-0.75". Ordinary magnitudes never get an
 * exponent; only values too small to show in 6 decimals or beyond 10^15 keep JavaScript's own form (1e-9).
 */
export function numberText(value: number): string {
  const size = Math.abs(value);
  if (value !== 0 && (size < 1e-6 || size >= 1e15)) return String(value);
  return plain.format(value);
}
