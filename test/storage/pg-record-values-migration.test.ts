import assert from "node:assert/strict";
import { after, before, describe, it } from "node:test";
import { migratePostgres } from "../../src/storage/postgres/migrations.ts";
import { openPgPool, type PgPool } from "../../src/storage/postgres/pg-pool.ts";
import { ensureMonths } from "../../src/storage/postgres/record-partitions.ts";
import { PgRecordStore } from "../../src/storage/postgres/record-store.ts";
import { PgHourlyRollup } from "../../src/storage/postgres/rollup.ts";
import { type FreshDatabase, freshDatabase } from "../helpers/postgres.ts";
import { addPgSource } from "./record-backends.ts";
import { obis } from "./record-outcomes.ts";

const ID = "00000000-0000-4000-8000-0000000000d1";
const TS = Date.parse("2026-06-15T12:00:00Z");
const ENERGY = obis("1-0:1.8.0");
const POWER = obis("1-0:1.7.0");

describe("PostgreSQL schema 7: a record's values move into its row", () => {
  let db: FreshDatabase;
  let pool: PgPool;
  before(async () => {
    db = await freshDatabase();
    pool = openPgPool(db.url, { max: 2 });
  });
  after(async () => {
    await pool.end();
    await db.drop();
  });

  it("moves the values of a database at schema 6 into their records, in quantity order, and reads them back", async () => {
    assert.equal(await migratePostgres(pool, 6), 6);
    // Schema 6 made partitions of both tables, as the hub of that version did.
    await ensureMonthsOfSchema6(pool, TS);
    await addPgSource(pool, ID);
    const key = (await pool.query<{ key: number }>("SELECT key FROM data_source WHERE id = $1", [ID])).rows[0]
      ?.key;
    const at = (ms: number) => new Date(ms);
    await pool.query(
      "INSERT INTO aiida_record (ts, received_at, data_source_key, ts_source) VALUES ($1, $2, $3, 1), ($4, $4, $3, 0)",
      [at(TS), at(TS + 5), key, at(TS + 1000)],
    );
    // Inserted out of quantity order: the migration sorts them.
    await pool.query(
      `INSERT INTO aiida_record_value (ts, value, data_source_key, obis_key, quality)
       VALUES ($1, 7.5, $3, $4, 0), ($1, 1234.5, $3, $5, 0), ($2, 2, $3, $4, 0)`,
      [at(TS), at(TS + 1000), key, POWER.key, ENERGY.key],
    );
    assert.equal(await migratePostgres(pool), 7);
    const rows = await pool.query<{ obis: number[]; numbers: number[] }>(
      "SELECT obis_keys AS obis, quantity_values AS numbers FROM aiida_record ORDER BY ts",
    );
    const [first, second] = rows.rows;
    const ascending = [ENERGY.key, POWER.key].sort((a, b) => a - b);
    assert.deepEqual(first?.obis, ascending);
    assert.deepEqual(
      first?.numbers,
      ascending.map((k) => (k === ENERGY.key ? 1234.5 : 7.5)),
    );
    assert.deepEqual(second, { obis: [POWER.key], numbers: [2] });
    const records = new PgRecordStore(pool, new PgHourlyRollup(pool));
    const latest = await records.latest(ID);
    assert.deepEqual(
      [latest?.timestamp, latest?.timestampSource, latest?.values.map((v) => [v.obis.code, v.value])],
      [TS + 1000, "receipt", [[POWER.code, 2]]],
    );
    const view = await pool.query<{ n: number }>("SELECT count(*) AS n FROM aiida_record_value");
    assert.equal(view.rows[0]?.n, 3, "the view shows the three values, a row each");
    // New months get partitions of the records only: the values table is gone.
    await ensureMonths(pool, [Date.parse("2027-02-10T00:00:00Z")]);
    const tables = await pool.query<{ name: string }>(
      "SELECT relname AS name FROM pg_class WHERE relname LIKE 'aiida_record%' AND relkind IN ('r', 'p') ORDER BY 1",
    );
    assert.ok(
      tables.rows.every((t) => !t.name.startsWith("aiida_record_value")),
      tables.rows.map((t) => t.name).join(", "),
    );
  });
});

/** The partitions schema 6's hub made for a month: of aiida_record and of aiida_record_value. */
async function ensureMonthsOfSchema6(pool: PgPool, ms: number): Promise<void> {
  const d = new Date(ms);
  const from = new Date(Date.UTC(d.getUTCFullYear(), d.getUTCMonth(), 1)).toISOString();
  const to = new Date(Date.UTC(d.getUTCFullYear(), d.getUTCMonth() + 1, 1)).toISOString();
  for (const table of ["aiida_record", "aiida_record_value"]) {
    await pool.query(
      `CREATE TABLE ${table}_old6 PARTITION OF ${table} FOR VALUES FROM ('${from}') TO ('${to}')`,
    );
  }
}
