import assert from "node:assert/strict";
import { after, before, describe, test } from "node:test";
import { obisByCode } from "../../src/domain/obis-code.ts";
import { PgHourlyRollup } from "../../src/storage/postgres/rollup.ts";
import { shareRecordWriteLocks } from "../../src/storage/postgres/rollup-locks.ts";
import { HOUR_MS } from "../../src/storage/sqlite/hour-summary.ts";
import { waitFor } from "../helpers/wait-for.ts";
import { PostgresBackend, type Value } from "./rollup-backends.ts";

const HOUR_10 = Date.parse("2026-05-04T10:00:00Z");
const MINUTE = 60_000;
const IMPORT_TOTAL = obisByCode("1-0:1.8.0")?.key ?? 0;

describe("PostgreSQL hourly rollup with several hub instances", () => {
  const backend = new PostgresBackend();
  before(() => backend.start());
  after(() => backend.stop());

  test("instances stepping at once roll every data source up exactly as one instance does", async (t) => {
    const ids = Array.from({ length: 6 }, (_, i) => `meter-${i}`);
    const alone = await backend.open(t, ids);
    const values = (i: number): Value[] =>
      Array.from({ length: 3 * 24 * 4 }, (_, q) => [
        HOUR_10 + q * 15 * MINUTE + i,
        IMPORT_TOTAL,
        q * (i + 1),
      ]);
    for (const [i, id] of ids.entries()) await alone.write(id, values(i));
    const now = HOUR_10 + 4 * 24 * HOUR_MS;
    while ((await alone.step(now)).worked) {}
    const byOne = await Promise.all(ids.map((id) => alone.hours(id)));

    const many = await backend.open(t, ids);
    for (const [i, id] of ids.entries()) await many.write(id, values(i));
    const instances = Array.from({ length: 4 }, () => new PgHourlyRollup(backend.pool));
    const failing: [string, string][] = [];
    await Promise.all(
      instances.map(async (rollup) => {
        for (let step = await rollup.step(now); step.worked; step = await rollup.step(now)) {
          failing.push(...step.failing);
        }
      }),
    );
    assert.deepEqual(failing, []);
    assert.deepEqual(await Promise.all(ids.map((id) => many.hours(id))), byOne);
    assert.ok(
      byOne.every((hours) => hours.length === 3 * 24),
      "every hour of every source",
    );
  });

  test("a step waits for a writer still inserting values of its hours, and rolls them up", async (t) => {
    const hub = await backend.open(t, ["meter"]);
    await hub.write("meter", [[HOUR_10 + 5 * MINUTE, IMPORT_TOTAL, 1]]);
    const key = (await backend.pool.query<{ key: number }>("SELECT key FROM data_source")).rows[0]?.key ?? 0;
    const writer = await backend.pool.connect();
    t.after(() => writer.release());
    await writer.query("BEGIN");
    await shareRecordWriteLocks(writer, [key]);
    await writer.query(
      `INSERT INTO aiida_record (ts, received_at, data_source_key, ts_source, obis_keys, quantity_values, qualities)
       VALUES ($1, $1, $2, 1, ARRAY[$3::smallint], ARRAY[2::float8], ARRAY[0::smallint])`,
      [new Date(HOUR_10 + 30 * MINUTE), key, IMPORT_TOTAL],
    );
    const step = hub.step(HOUR_10 + 2 * HOUR_MS);
    await waitFor(async () => {
      const waiting = await backend.pool.query<{ n: number }>(
        "SELECT count(*) AS n FROM pg_locks WHERE locktype = 'advisory' AND NOT granted",
      );
      return (waiting.rows[0]?.n ?? 0) > 0;
    }, "the rollup step to wait for the writer's lock");
    await writer.query("COMMIT");
    assert.equal((await step).worked, true);
    const hour = (await hub.hours("meter")).find((h) => h.hour === HOUR_10);
    assert.deepEqual({ count: hour?.count, lastValue: hour?.lastValue }, { count: 2, lastValue: 2 });
  });
});
