import { waitFor } from "./wait-for.ts";

/** An hour ago, to the second: recent enough that no age warning adds a feedback report. */
const BASE = Math.floor(Date.now() / 1000) * 1000 - 3_600_000;

/** A valid CIM message whose only value is `value` (instantaneous power, 1-0:1.7.0) at its own second. */
export function reading(value: number): string {
  return JSON.stringify({
    "dateAndOrTime.dateTime": new Date(BASE + value * 1000).toISOString(),
    Quantity: [{ quantity: value, type: "2", quality: "AS_PROVIDED" }],
  });
}

/** A message the hub cannot parse at all: nothing is stored and a report with status "rejected" follows. */
export const UNPARSABLE = "{not json";

/** A message with one good and one unknown quantity type: the good value is kept, the report names $.Quantity[0].type. */
export function partialReading(value: number): string {
  return JSON.stringify({
    "dateAndOrTime.dateTime": new Date(BASE + value * 1000).toISOString(),
    Quantity: [
      { quantity: 1, type: "99" },
      { quantity: value, type: "2" },
    ],
  });
}

/** Reads a data source's stored values over REST. */
export type ApiGet = (path: string) => Promise<{ status: number; body: any }>;

/** Every stored value of 1-0:1.7.0, in ascending order (the REST API pages newest first). */
export async function storedValues(get: ApiGet, dataSourceId: string): Promise<number[]> {
  const res = await get(`/api/datasources/${dataSourceId}/records?limit=1000`);
  if (res.status !== 200) throw new Error(`reading records answered ${res.status}`);
  return (res.body.records as { values: { dataTag: string; value: number }[] }[])
    .flatMap((r) => r.values.filter((v) => v.dataTag === "1-0:1.7.0").map((v) => v.value))
    .sort((a, b) => a - b);
}

/** Waits until exactly `expected` are stored (QoS 0 has no acknowledgement to wait on). */
export async function waitForStored(
  get: ApiGet,
  dataSourceId: string,
  expected: readonly number[],
  timeoutMs = 10_000,
): Promise<void> {
  const want = [...expected].sort((a, b) => a - b);
  let last: number[] = [];
  try {
    await waitFor(
      async () => {
        last = await storedValues(get, dataSourceId);
        return last.length === want.length && last.every((v, i) => v === want[i]);
      },
      `values ${JSON.stringify(want)} stored`,
      timeoutMs,
    );
  } catch (err) {
    throw new Error(`${(err as Error).message}; stored: ${JSON.stringify(last)}`);
  }
}

/** How many messages the hub accounted for (stored or rejected) from a data source. */
export async function messagesSeen(get: ApiGet, dataSourceId: string): Promise<number> {
  const stats = (await get(`/api/datasources/${dataSourceId}`)).body.stats;
  return stats.messagesAccepted + stats.messagesRejected;
}
