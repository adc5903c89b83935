import assert from "node:assert/strict";
import { after, afterEach, before, describe, it } from "node:test";
import pg from "pg";
import type { IngestOutcome } from "../../src/storage/ports.ts";
import { claimForRollup } from "../../src/storage/postgres/rollup-locks.ts";
import { addPgSource, openPostgresRecords } from "./record-backends.ts";
import { accepted, obis } from "./record-outcomes.ts";

const NOW = Date.parse("2026-06-15T12:00:00Z");
const ENERGY = obis("1-0:1.8.0");
const ID = "00000000-0000-4000-8000-0000000000a1";

/** Polls `condition` until it holds or `ms` have passed. */
async function until(condition: () => Promise<boolean>, ms = 10_000): Promise<void> {
  const deadline = Date.now() + ms;
  while (!(await condition())) {
    if (Date.now() > deadline) throw new Error("condition not met in time");
    await new Promise((resolve) => setImmediate(resolve));
  }
}

/** Sessions of the database that wait for an advisory lock (asked on a connection of the test's own). */
async function waitingOnAdvisory(observer: pg.Client): Promise<number> {
  const result = await observer.query<{ n: number }>(
    `SELECT count(*)::int AS n FROM pg_stat_activity
      WHERE datname = current_database() AND wait_event_type = 'Lock' AND wait_event = 'advisory'`,
  );
  return result.rows[0]?.n ?? 0;
}

describe("PgRecordWriter: writes queued behind the running transactions go together", () => {
  let env: Awaited<ReturnType<typeof openPostgresRecords>>;
  let key: number;
  /** Holds the data source's rollup lock, so that every batch transaction waits at its write lock. */
  let blocker: pg.Client;
  let observer: pg.Client;
  let transactions = 0;
  let ts = NOW - 3_600_000;

  const message = (options: { device?: boolean; at?: number } = {}): IngestOutcome => {
    ts += 1000;
    return accepted(ID, options.at ?? ts, [[ENERGY, ts]], { device: options.device ?? true });
  };

  before(async () => {
    env = await openPostgresRecords(NOW);
    await addPgSource(env.pool, ID);
    const row = await env.pool.query<{ key: number }>("SELECT key FROM data_source WHERE id = $1", [ID]);
    key = row.rows[0]?.key ?? -1;
    await env.writer.write([message()]); // the source's key is cached from here on: no query but the batches'
    const connect = env.batches.connect.bind(env.batches) as (...args: unknown[]) => unknown;
    // Every checkout of the batch connections is one batch transaction.
    env.batches.connect = ((...args: unknown[]) => {
      transactions++;
      return connect(...args);
    }) as typeof env.batches.connect;
    blocker = new pg.Client({ connectionString: env.db.url });
    await blocker.connect();
    observer = new pg.Client({ connectionString: env.db.url });
    await observer.connect();
  });
  // A case that failed while blocking must not leave the next one's writes queued behind the lock.
  afterEach(async () => {
    await blocker.query("ROLLBACK");
  });
  after(async () => {
    await blocker.end(); // ends its transaction too, should a case have failed while blocking
    await observer.end();
    await env.writer.close();
    await env.pool.end();
    await env.db.drop();
  });

  async function block(): Promise<void> {
    await blocker.query("BEGIN");
    assert.equal(await claimForRollup(blocker as unknown as pg.PoolClient, key), true);
  }

  it("runs three transactions at once and merges the seven writes that queued into one", async () => {
    await block();
    transactions = 0;
    const writes = Array.from({ length: 10 }, () => env.writer.write([message(), message()]));
    await until(async () => (await waitingOnAdvisory(observer)) === 3);
    assert.equal(transactions, 3);
    await blocker.query("COMMIT");
    await Promise.all(writes);
    assert.equal(transactions, 4);
    const stored = await env.pool.query<{ n: number }>("SELECT count(*) AS n FROM aiida_record");
    assert.equal(stored.rows[0]?.n, 21);
    const counters = await env.pool.query<{ m: number; v: number }>(
      "SELECT messages_accepted AS m, values_accepted AS v FROM ingest_counter WHERE data_source_key = $1",
      [key],
    );
    assert.deepEqual(counters.rows[0], { m: 21, v: 21 });
  });

  it("a write that fails a merged transaction fails alone: the writes merged with it commit", async () => {
    const taken = NOW - 1000;
    await env.writer.write([message({ device: false, at: taken })]);
    await block();
    const running = Array.from({ length: 3 }, () => env.writer.write([message()]));
    await until(async () => (await waitingOnAdvisory(observer)) === 3);
    const first = env.writer.write([message()]);
    const refused = env.writer.write([message(), message({ device: false, at: taken })]);
    const last = env.writer.write([message()]);
    await blocker.query("COMMIT");
    await Promise.all([...running, first, last]);
    await assert.rejects(refused, (err: Error & { code?: string; isolable?: boolean }) => {
      assert.equal(err.code, "AIIDA_RECEIPT_TIME_TAKEN");
      assert.equal(err.isolable, true);
      return true;
    });
    const stored = await env.pool.query<{ n: number }>("SELECT count(*) AS n FROM aiida_record");
    assert.equal(stored.rows[0]?.n, 21 + 1 + 3 + 2);
  });
});
