import assert from "node:assert/strict";
import { after, before, describe, it } from "node:test";
import type { PgPool } from "../../src/storage/postgres/pg-pool.ts";
import { addPgSource, openPostgresRecords } from "./record-backends.ts";
import { accepted, obis, refused, report } from "./record-outcomes.ts";

const NOW = Date.parse("2026-06-15T12:00:00Z");
const ENERGY = obis("1-0:1.8.0");
const POWER = obis("1-0:1.7.0");
const A = "00000000-0000-4000-8000-0000000000c1";
const B = "00000000-0000-4000-8000-0000000000c2";
const C = "00000000-0000-4000-8000-0000000000c3";

/** Counts the transactions a pool lends a connection for (pool.query passes a callback, and is not one). */
function countCheckouts(pool: PgPool): { count: number } {
  const counter = { count: 0 };
  const connect = pool.connect.bind(pool) as (...args: unknown[]) => unknown;
  pool.connect = ((...args: unknown[]) => {
    if (args.length === 0) counter.count++;
    return connect(...args);
  }) as typeof pool.connect;
  return counter;
}

describe("PgRecordWriter: the usual batch in two round trips, any other handed to the step-by-step path", () => {
  let env: Awaited<ReturnType<typeof openPostgresRecords>>;
  let pipelined: { count: number };
  let stepByStep: { count: number };

  const counters = async (id: string) =>
    (
      await env.pool.query<{ m: number; r: number; v: number; vr: number }>(
        `SELECT messages_accepted AS m, messages_rejected AS r, values_accepted AS v, values_rejected AS vr
           FROM ingest_counter c JOIN data_source s ON s.key = c.data_source_key WHERE s.id = $1`,
        [id],
      )
    ).rows[0];

  before(async () => {
    env = await openPostgresRecords(NOW);
    for (const id of [A, B, C]) await addPgSource(env.pool, id);
    pipelined = countCheckouts(env.batches);
    stepByStep = countCheckouts(env.pool);
  });
  after(async () => {
    await env.writer.close();
    await env.pool.end();
    await env.db.drop();
  });

  it("stores a batch of new records with feedback in one pipelined transaction", async () => {
    await env.writer.write([
      accepted(A, NOW - 3000, [[ENERGY, 1]]),
      accepted(B, NOW - 3000, [[ENERGY, 1]]),
      accepted(C, NOW - 3000, [[ENERGY, 1]], { feedback: report(C, "first") }),
      refused(C, 2, report(C, "refused")),
    ]);
    assert.deepEqual([pipelined.count, stepByStep.count], [1, 0]);
    assert.deepEqual(await counters(C), { m: 1, r: 1, v: 1, vr: 2 });
    assert.deepEqual(
      (await env.records.feedback(C, 10)).map((f) => f.summary),
      ["refused", "first"],
    );
  });

  it("hands a batch with a redelivery back, and keeps nothing of its try", async () => {
    pipelined.count = 0;
    stepByStep.count = 0;
    await env.writer.write([
      // A redelivery that only adds a quantity: its insert conflicts with nothing, its record is not new.
      accepted(A, NOW - 3000, [[POWER, 7]], { feedback: report(A, "again") }),
      accepted(A, NOW - 2000, [[ENERGY, 2]]),
    ]);
    assert.deepEqual([pipelined.count, stepByStep.count], [1, 1], "tried pipelined, then step by step");
    assert.deepEqual(
      await counters(A),
      { m: 2, r: 0, v: 3, vr: 0 },
      "the redelivery counts its new value only",
    );
    assert.deepEqual(
      (await env.records.feedback(A, 10)).map((f) => f.summary),
      ["again"],
      "the report once, not once per try",
    );
    const [redelivered] = await env.records.query(A, { limit: 1, to: NOW - 3000 });
    assert.deepEqual(
      redelivered?.values.map((v) => [v.obis.code, v.value]),
      [
        [ENERGY.code, 1],
        [POWER.code, 7],
      ],
    );
  });

  it("hands a batch with a deleted data source back: the others are stored, the deleted one's are not", async () => {
    // B is deleted behind the writer's back: its key is still in the writer's cache.
    await env.pool.query("DELETE FROM data_source WHERE id = $1", [B]);
    pipelined.count = 0;
    stepByStep.count = 0;
    await env.writer.write([
      accepted(B, NOW - 1000, [[ENERGY, 3]], { feedback: report(B, "gone") }),
      accepted(C, NOW - 1000, [[ENERGY, 3]], { feedback: report(C, "second") }),
    ]);
    assert.deepEqual([pipelined.count, stepByStep.count], [1, 1], "tried pipelined, then step by step");
    assert.deepEqual(await counters(C), { m: 2, r: 1, v: 2, vr: 2 });
    assert.deepEqual(
      (await env.records.feedback(C, 10)).map((f) => f.summary),
      ["second", "refused", "first"],
    );
    const orphans = await env.pool.query<{ n: number }>(
      "SELECT count(*) AS n FROM aiida_record WHERE data_source_key NOT IN (SELECT key FROM data_source)",
    );
    assert.equal(orphans.rows[0]?.n, 1, "the deleted source's earlier record only, none of this batch");
  });
});
