import assert from "node:assert/strict";
import { after, before, describe, test } from "node:test";
import { obisByCode, obisByKey } from "../../src/domain/obis-code.ts";
import type { SeriesPoint } from "../../src/storage/ports.ts";
import { msOf, pgInstant } from "../../src/storage/postgres/pg-instant.ts";
import type { PgClient } from "../../src/storage/postgres/pg-pool.ts";
import { inReadSnapshot } from "../../src/storage/postgres/read-snapshot.ts";
import { seriesOf } from "../../src/storage/postgres/record-series-query.ts";
import { PgHourlyRollup } from "../../src/storage/postgres/rollup.ts";
import { rollupCoverage } from "../../src/storage/postgres/rollup-coverage.ts";
import { PostgresBackend, type Value } from "./rollup-backends.ts";

const HOUR = 3_600_000;
const MINUTE = 60_000;
const START = Date.parse("2026-03-10T10:00:00Z");
const ENERGY = obisByCode("1-0:1.8.0")?.key ?? 0;
const POWER = obisByCode("1-0:1.7.0")?.key ?? 0;
const VOLTAGE = obisByCode("1-0:32.7.0")?.key ?? 0;
/** A bucket of whole ms that is no whole number of seconds, and an edge of one just after START. */
const ODD_BUCKET = 1_234;
const oddEdge = Math.ceil(START / ODD_BUCKET) * ODD_BUCKET + ODD_BUCKET;

/**
 * The series as the hub merged it in JS before it was aggregated in SQL (one row per rollup hour and
 * per raw bucket part, added up in the order read): what the SQL aggregation must equal to the bit.
 */
async function mergedInJs(
  client: PgClient,
  key: number,
  from: number,
  to: number,
  bucketMs: number,
  wanted: readonly number[] | undefined,
): Promise<Map<string, SeriesPoint[]>> {
  type Part = {
    obis: number;
    b: number;
    min: number;
    max: number;
    sum: number;
    count: number;
    last_ts: number;
    last: number;
  };
  const buckets = new Map<string, Part>();
  const add = (row: Part) => {
    const id = `${row.obis}:${row.b}`;
    const acc = buckets.get(id);
    if (!acc) return void buckets.set(id, { ...row });
    acc.min = Math.min(acc.min, row.min);
    acc.max = Math.max(acc.max, row.max);
    acc.sum += row.sum;
    acc.count += row.count;
    if (row.last_ts > acc.last_ts) Object.assign(acc, { last_ts: row.last_ts, last: row.last });
  };
  const filter = wanted ? [...wanted] : null;
  const bucket = (column: string) => `floor(extract(epoch from ${column}) * 1000 / $2)::float8`;
  const { rolled, raw } =
    bucketMs % HOUR === 0 ? await rollupCoverage(client, key, from, to) : { rolled: [], raw: [[from, to]] };
  for (const [start, end] of rolled) {
    const rows = await client.query<Part>(
      `SELECT obis_key AS obis, ${bucket("hour")} AS b, min, max, sum, count, ${msOf("last_ts")} AS last_ts,
         last_value AS last FROM aiida_rollup_hour WHERE data_source_key = $1 AND hour >= $3 AND hour < $4
         AND ($5::smallint[] IS NULL OR obis_key = ANY($5)) ORDER BY hour, obis_key`,
      [key, bucketMs, pgInstant(start), pgInstant(end), filter],
    );
    for (const row of rows.rows) add(row);
  }
  for (const [a, b] of raw) {
    const rows = await client.query<Part>(
      `SELECT g.obis, g.b, g.min, g.max, g.sum, g.count, ${msOf("g.last_ts")} AS last_ts, v.value AS last
       FROM (SELECT obis_key AS obis, ${bucket("ts")} AS b, min(value) AS min, max(value) AS max,
               sum(value ORDER BY ts) AS sum, count(*) AS count, max(ts) AS last_ts
             FROM aiida_record_value WHERE data_source_key = $1 AND ts >= $3 AND ts <= $4
               AND ($5::smallint[] IS NULL OR obis_key = ANY($5)) GROUP BY 1, 2) g
       JOIN aiida_record_value v ON v.data_source_key = $1 AND v.ts = g.last_ts AND v.obis_key = g.obis`,
      [key, bucketMs, pgInstant(a), pgInstant(b), filter],
    );
    for (const row of rows.rows) add(row);
  }
  const result = new Map<string, SeriesPoint[]>();
  const sorted = [...buckets.values()].sort((x, y) => x.obis - y.obis || x.b - y.b);
  for (const p of sorted) {
    const code = obisByKey(p.obis)?.code ?? assert.fail(`unknown OBIS key ${p.obis}`);
    const points = result.get(code) ?? [];
    points.push({
      t: p.b * bucketMs,
      min: p.min,
      avg: p.sum / p.count,
      max: p.max,
      last: p.last,
      count: p.count,
    });
    result.set(code, points);
  }
  return result;
}

/** Values that do not add up exactly in floating point: a sum's order shows in its last bits. */
function awkwardValues(from: number, to: number, stepMs: number, obisKey: number, seed: number): Value[] {
  const values: Value[] = [];
  let state = seed;
  for (let ts = from; ts < to; ts += stepMs) {
    state = (state * 1_103_515_245 + 12_345) % 2 ** 31;
    const magnitude = [1e6, 1, 1e-6][state % 3] ?? 1;
    values.push([ts, obisKey, ((state / 2 ** 31) * 10 - 5) * magnitude]);
  }
  return values;
}

describe("PostgreSQL series aggregated per bucket in SQL", () => {
  const backend = new PostgresBackend();
  let key = 0;
  before(async () => {
    await backend.start();
    key = (await backend.addDataSources(["meter"])).get("meter") ?? assert.fail("no key");
  });
  after(() => backend.stop());

  const compare = async (label: string) => {
    const ranges: [number, number][] = [
      [START, START + 12 * HOUR],
      [START + 17 * MINUTE + 123, START + 11 * HOUR + 7 * MINUTE],
      [START - 5 * HOUR, START + 3 * HOUR - 1],
    ];
    const buckets = [HOUR, 2 * HOUR, 3 * HOUR, 15 * MINUTE, 7 * HOUR, ODD_BUCKET];
    const filters = [undefined, [POWER], [VOLTAGE, ENERGY], [-1]];
    let compared = 0;
    for (const [from, to] of ranges) {
      for (const bucketMs of buckets) {
        for (const wanted of filters) {
          await inReadSnapshot(backend.pool, async (client) => {
            const inSql = await seriesOf(client, key, from, to, bucketMs, wanted);
            const inJs = await mergedInJs(client, key, from, to, bucketMs, wanted);
            const where = `${label}: ${new Date(from).toISOString()}…${new Date(to).toISOString()} by ${bucketMs} ms, ${wanted}`;
            assert.deepEqual(inSql, inJs, where);
            if (wanted === undefined) assert.ok(inSql.size >= 2, `${where}: some series`);
            compared++;
          });
        }
      }
    }
    assert.equal(compared, ranges.length * buckets.length * filters.length);
  };

  test("equals the JS merge to the last bit: raw only, rolled up with a raw tail, with dirty hours", async () => {
    const rollup = new PgHourlyRollup(backend.pool);
    await backend.writeValues(key, [
      ...awkwardValues(START, START + 12 * HOUR, 47_000, ENERGY, 7),
      ...awkwardValues(START + 13_000, START + 12 * HOUR, 61_000, POWER, 11),
      ...awkwardValues(START + 3 * HOUR, START + 4 * HOUR, 600_000, VOLTAGE, 13),
      // On edges of ODD_BUCKET buckets, at instants with a fraction of a second: each starts its bucket.
      ...Array.from({ length: 9 }, (_, i): Value => [oddEdge + i * 4_001 * ODD_BUCKET, VOLTAGE, i]),
    ]);
    await compare("before any rollup (all raw)");
    // Rolled up through START + 8 h: the hours after read raw.
    for (let i = 0; i < 100 && (await rollup.step(START + 8 * HOUR + 15 * MINUTE)).worked; i++);
    const watermark = await backend.pool.query<{ upto: number }>(
      `SELECT ${msOf("rolled_up_to")} AS upto FROM aiida_rollup_state WHERE data_source_key = $1`,
      [key],
    );
    assert.equal(watermark.rows[0]?.upto, START + 8 * HOUR);
    await compare("rolled up to 8 h");
    // Late values in two neighbouring hours and one further on: those hours read raw.
    await backend.writeValues(key, [
      [START + 2 * HOUR + 5 * MINUTE + 1, ENERGY, 1e9 + 0.1],
      [START + 3 * HOUR + 59 * MINUTE, VOLTAGE, 231.7],
      [START + 6 * HOUR + 30 * MINUTE + 7, POWER, -3.3e-7],
    ]);
    const dirty = await backend.pool.query<{ n: number }>("SELECT count(*) AS n FROM aiida_rollup_dirty");
    assert.equal(dirty.rows[0]?.n, 3, "three dirty hours");
    await compare("with dirty hours");
  });

  test("puts an instant where float seconds lose the ms (year 9892) into its own bucket", async () => {
    const ts = 250_000_000_000_010; // in float seconds × 1000: …009.97
    await backend.writeValues(key, [[ts, VOLTAGE, 42]]);
    const series = await inReadSnapshot(backend.pool, (client) =>
      seriesOf(client, key, ts - 1000, ts + 1000, 10, [VOLTAGE]),
    );
    assert.deepEqual(
      series,
      new Map([["1-0:32.7.0", [{ t: ts, min: 42, avg: 42, max: 42, last: 42, count: 1 }]]]),
    );
  });
});
