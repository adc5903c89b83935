/** A placeholder the publisher overwrites with each message's own timestamp (same length as toISOString()). */
const TS_PLACEHOLDER = "2000-01-01T00:00:00.000Z";

/** CIM quantity types a household meter typically sends, with plausible values. */
const QUANTITIES: ReadonlyArray<readonly [type: string, value: number]> = [
  ["0", 18234.517], // TOTAL_ACTIVE_ENERGY_CONSUMED_KWH
  ["2", 1.384], // INSTANTANEOUS_ACTIVE_POWER_CONSUMPTION_KW
  ["4", 231.4], // INSTANTANEOUS_VOLTAGE_V_IN_PHASE_L1
  ["5", 229.8], // INSTANTANEOUS_VOLTAGE_V_IN_PHASE_L2
  ["6", 230.6], // INSTANTANEOUS_VOLTAGE_V_IN_PHASE_L3
  ["7", 2.91], // INSTANTANEOUS_CURRENT_A_IN_PHASE_L1
];

/** A clean CIM v1.12 TimeSeries message (no feedback expected) and where its timestamp characters are. */
export interface CimMessage {
  readonly payload: Buffer;
  readonly tsOffset: number;
}

/** The message device number `index` sends: 2–6 quantities (by index), about 300 bytes. */
export function cimMessage(sourceId: string, index: number): CimMessage {
  const count = 2 + (index % 5);
  const json = JSON.stringify({
    version: "1.0",
    "registeredResource.mRID": { value: sourceId, codingScheme: "NAT" },
    "dateAndOrTime.dateTime": TS_PLACEHOLDER,
    // Quality is optional (AS_PROVIDED); the first quantity states it, as the reference devices do.
    Quantity: QUANTITIES.slice(0, count).map(([type, quantity], i) =>
      i === 0 ? { quantity, type, quality: "AS_PROVIDED" } : { quantity, type },
    ),
  });
  const payload = Buffer.from(json, "utf8");
  return { payload, tsOffset: payload.indexOf(TS_PLACEHOLDER) };
}

/** The timestamp characters of a message delivered to a subscriber (raw brokers' publish→deliver). */
export function timestampOf(payload: Buffer, tsOffset: number): string {
  return payload.toString("latin1", tsOffset, tsOffset + 24);
}
