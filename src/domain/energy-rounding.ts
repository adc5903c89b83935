/** kWh to the milliwatt-hour: no float noise such as 12.244999999999891 from a register's difference. */
export function roundKWh(value: number): number {
  return Math.round(value * 1e6) / 1e6;
}

/** A share (completeness, 0–1) to 1/10,000 of the interval: under 9 s of a day. */
export function roundShare(value: number): number {
  return Math.round(value * 1e4) / 1e4;
}
