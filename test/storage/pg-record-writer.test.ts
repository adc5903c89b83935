import assert from "node:assert/strict";
import { after, before, describe, it } from "node:test";
import { openPgPool } from "../../src/storage/postgres/pg-pool.ts";
import { dropMonthsBefore, existingMonths } from "../../src/storage/postgres/record-partitions.ts";
import { TEST_POSTGRES_URL } from "../helpers/postgres.ts";
import { addPgSource, openPostgresRecords } from "./record-backends.ts";
import { accepted, obis } from "./record-outcomes.ts";

const NOW = Date.parse("2026-06-15T12:00:00Z");
const ENERGY = obis("1-0:1.8.0");
const ID = "00000000-0000-4000-8000-000000000001";

describe("PgRecordWriter on PostgreSQL", () => {
  let pg: Awaited<ReturnType<typeof openPostgresRecords>>;
  before(async () => {
    pg = await openPostgresRecords(NOW);
    await addPgSource(pg.pool, ID);
  });
  after(async () => {
    await pg.writer.close();
    await pg.pool.end();
    await pg.db.drop();
  });

  it("makes this month's and the next month's partitions at open and on prepareMonthsAhead", async () => {
    const months = await existingMonths(pg.pool);
    assert.deepEqual(months.slice(-2), [
      Date.parse("2026-06-01T00:00:00Z"),
      Date.parse("2026-07-01T00:00:00Z"),
    ]);
    await pg.writer.prepareMonthsAhead(Date.parse("2026-07-31T23:00:00Z"));
    assert.ok((await existingMonths(pg.pool)).includes(Date.parse("2026-08-01T00:00:00Z")));
  });

  it("keeps timestamps exact to the ms, before 1970 too", async () => {
    for (const ts of [Date.parse("1969-12-31T23:59:59.999Z"), Date.parse("2026-06-15T11:59:59.001Z")]) {
      await pg.writer.write([accepted(ID, ts, [[ENERGY, 1]], { receivedAt: ts + 7 })]);
      const [record] = await pg.records.query(ID, { limit: 1, to: ts });
      assert.deepEqual([record?.timestamp, record?.receivedAt], [ts, ts + 7]);
    }
  });

  it("stores into a month whose partitions another instance dropped meanwhile", async () => {
    const april = Date.parse("2026-04-10T00:00:00Z");
    await pg.writer.write([accepted(ID, april, [[ENERGY, 1]])]);
    // Another instance's retention: this writer still believes April's partitions exist.
    const dropped = await dropMonthsBefore(pg.pool, Date.parse("2026-05-01T00:00:00Z"));
    assert.ok(dropped.months.includes(Date.parse("2026-04-01T00:00:00Z")));
    await pg.writer.write([accepted(ID, april + 1000, [[ENERGY, 2]])]);
    const [record] = await pg.records.query(ID, { limit: 1, from: april, to: april + 1000 });
    assert.equal(record?.timestamp, april + 1000);
  });

  it("finds the latest record with index scans only, newest partition first, within 5 ms", async () => {
    const start = Date.parse("2026-01-01T00:00:00Z");
    const outcomes = Array.from({ length: 6000 }, (_, i) =>
      accepted(ID, start + i * 40 * 60_000, [[ENERGY, i]]),
    );
    for (let i = 0; i < outcomes.length; i += 1000) await pg.writer.write(outcomes.slice(i, i + 1000));
    await pg.pool.query("ANALYZE");
    const plan = await pg.pool.query<{ "QUERY PLAN": string }>(
      `EXPLAIN SELECT ts FROM aiida_record WHERE data_source_key = (SELECT key FROM data_source WHERE id = $1)
       ORDER BY ts DESC LIMIT 1`,
      [ID],
    );
    const text = plan.rows.map((r) => r["QUERY PLAN"]).join("\n");
    assert.doesNotMatch(text, /Seq Scan on aiida_record|Sort/, text);
    const newest = Math.max(...outcomes.map((o) => o.record?.timestamp ?? 0));
    const times: number[] = [];
    for (let i = 0; i < 20; i++) {
      const t0 = performance.now();
      const latest = await pg.records.latest(ID);
      times.push(performance.now() - t0);
      assert.equal(latest?.timestamp, newest);
    }
    times.sort((a, b) => a - b);
    assert.ok((times[10] ?? Number.POSITIVE_INFINITY) <= 5, `median ${times[10]} ms`);
  });

  it("hands rollup steps to the rollup it was given", async () => {
    assert.equal((await pg.writer.rollupStep(NOW)).worked, true);
    while ((await pg.writer.rollupStep(NOW)).worked) {}
    assert.equal((await pg.writer.rollupStep(NOW)).worked, false);
  });
});

describe("PgRecordWriter failures", () => {
  it("rejects writes while the server refuses connections, and stores again once it takes them", async () => {
    const pg = await openPostgresRecords(NOW);
    const admin = openPgPool(TEST_POSTGRES_URL, { max: 1 });
    try {
      await addPgSource(pg.pool, ID);
      const failures: Error[] = [];
      pg.writer.onFailure((err) => failures.push(err));
      await pg.writer.write([accepted(ID, NOW - 2000, [[ENERGY, 1]])]);
      await admin.query(`ALTER DATABASE ${pg.db.name} ALLOW_CONNECTIONS false`);
      await admin.query("SELECT pg_terminate_backend(pid) FROM pg_stat_activity WHERE datname = $1", [
        pg.db.name,
      ]);
      await assert.rejects(pg.writer.write([accepted(ID, NOW - 1000, [[ENERGY, 2]])]), (err) => {
        assert.equal((err as { isolable?: boolean }).isolable, false, String(err));
        return true;
      });
      await admin.query(`ALTER DATABASE ${pg.db.name} ALLOW_CONNECTIONS true`);
      await pg.writer.write([accepted(ID, NOW, [[ENERGY, 3]])]);
      assert.equal((await pg.records.latest(ID))?.timestamp, NOW);
      assert.deepEqual(failures, [], "a server out of reach is not the writer's end");
    } finally {
      await pg.writer.close();
      await pg.pool.end();
      await admin.query(`ALTER DATABASE ${pg.db.name} ALLOW_CONNECTIONS true`).catch(() => {});
      await admin.end();
      await pg.db.drop();
    }
  });

  it("says once that it can no longer store when its tables are gone, and refuses later writes", async () => {
    const pg = await openPostgresRecords(NOW);
    try {
      await addPgSource(pg.pool, ID);
      const failures: Error[] = [];
      pg.writer.onFailure((err) => failures.push(err));
      await pg.pool.query("DROP TABLE aiida_record CASCADE");
      await assert.rejects(pg.writer.write([accepted(ID, NOW, [[ENERGY, 1]])]), /aiida_record/);
      await assert.rejects(pg.writer.write([accepted(ID, NOW + 1, [[ENERGY, 1]])]), /aiida_record/);
      assert.equal(failures.length, 1);
    } finally {
      await pg.writer.close();
      await pg.pool.end();
      await pg.db.drop();
    }
  });

  it("waits for the writes in flight when closed, and refuses writes after", async () => {
    const pg = await openPostgresRecords(NOW);
    try {
      await addPgSource(pg.pool, ID);
      let settled = false;
      const writing = pg.writer.write([accepted(ID, NOW, [[ENERGY, 1]])]).then(() => {
        settled = true;
      });
      await pg.writer.close();
      assert.equal(settled, true);
      await writing;
      assert.equal((await pg.records.latest(ID))?.timestamp, NOW);
      await assert.rejects(
        pg.writer.write([accepted(ID, NOW + 1, [[ENERGY, 1]])]),
        /the record writer is closed/,
      );
    } finally {
      await pg.pool.end();
      await pg.db.drop();
    }
  });
});
