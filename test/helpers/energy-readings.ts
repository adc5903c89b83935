import assert from "node:assert/strict";
import type { MqttClient } from "mqtt";
import { parseLocalInstant } from "../../src/platform/calendar-intervals.ts";
import type { DeviceCredentials } from "./hub-harness.ts";

/** The zone the energy tests' calendar follows: it springs forward on 29 March 2026. */
export const VIENNA = "Europe/Vienna";
/** Fifteen minutes in milliseconds: the grid meter's reading interval. */
export const QUARTER = 15 * 60_000;

/** The instant a local Vienna time ("2026-03-29T03:00") names. */
export const local = (text: string) => parseLocalInstant(text, VIENNA) ?? assert.fail(`bad time ${text}`);

/** One reading: its time and its `[CIM type, value]` quantities. */
export interface Reading {
  readonly ts: number;
  readonly quantities: ReadonlyArray<[type: string, value: number]>;
}

/** Publishes one CIM message per reading at QoS 1, 50 at a time; resolves once all are acknowledged (stored). */
export async function publishAll(device: MqttClient, creds: DeviceCredentials, readings: readonly Reading[]) {
  const payload = ({ ts, quantities }: Reading) =>
    JSON.stringify({
      "dateAndOrTime.dateTime": new Date(ts).toISOString(),
      Quantity: quantities.map(([type, quantity]) => ({ quantity, type })),
    });
  for (let first = 0; first < readings.length; first += 50) {
    await Promise.all(
      readings.slice(first, first + 50).map((r) => device.publishAsync(creds.topic, payload(r), { qos: 1 })),
    );
  }
}

/**
 * kWh per quarter hour by the local day of the reading that closes it (00:00 opens its day): 1 kW on
 * the 28th, 2 kW on the 29th (23 hours long), 0.5 kW from the 30th.
 */
function importRate(ts: number): number {
  if (ts < local("2026-03-29T00:00")) return 0.25;
  if (ts < local("2026-03-30T00:00")) return 0.5;
  return 0.125;
}

/** Feed-in of 1 kW from 10:00 to 14:00 local each day: 0.25 kWh in each of the 16 quarters. */
function exportRate(ts: number): number {
  const hhmm = new Intl.DateTimeFormat("en-GB", {
    timeZone: VIENNA,
    hour: "2-digit",
    minute: "2-digit",
  }).format(ts);
  return hhmm > "10:00" && hhmm <= "14:00" ? 0.25 : 0;
}

/**
 * A grid meter's two totals every quarter hour from 27 March 23:45 to 31 March 00:00, Vienna time: import
 * from 4,200 kWh (24 kWh on the 28th, 46 on the 29th, 12 on the 30th), feed-in from 1,000 (4 kWh a day).
 */
export function gridMeterReadings(): Reading[] {
  const readings: Reading[] = [];
  let imported = 4200;
  let exported = 1000;
  for (let ts = local("2026-03-27T23:45"); ts <= local("2026-03-31T00:00"); ts += QUARTER) {
    if (readings.length > 0) {
      imported += importRate(ts);
      exported += exportRate(ts);
    }
    readings.push({
      ts,
      quantities: [
        ["0", imported], // TOTAL_ACTIVE_ENERGY_CONSUMED_KWH → 1-0:1.8.0
        ["1", exported], // TOTAL_ACTIVE_ENERGY_PRODUCED_KWH → 1-0:2.8.0
      ],
    });
  }
  return readings;
}
