import assert from "node:assert/strict";
import { after, before, describe, it } from "node:test";
import { addPgSource, openPostgresRecords } from "./record-backends.ts";
import { accepted, obis } from "./record-outcomes.ts";

const NOW = Date.parse("2026-06-15T12:00:00Z");
const ENERGY = obis("1-0:1.8.0");
const POWER = obis("1-0:1.7.0");
const ID = "00000000-0000-4000-8000-0000000000b1";

describe("PgRecordWriter: values stored without their record (never by the hub)", () => {
  let env: Awaited<ReturnType<typeof openPostgresRecords>>;
  before(async () => {
    env = await openPostgresRecords(NOW);
    await addPgSource(env.pool, ID);
  });
  after(async () => {
    await env.writer.close();
    await env.pool.end();
    await env.db.drop();
  });

  it("a new record over a stray value still stores, the message's value winning", async () => {
    const ts = NOW - 60_000;
    await env.pool.query(
      `INSERT INTO aiida_record_value (data_source_key, ts, obis_key, value, quality)
       SELECT key, $2, $3, -1, 0 FROM data_source WHERE id = $1`,
      [ID, new Date(ts), ENERGY.key],
    );
    await env.writer.write([
      accepted(ID, ts, [
        [ENERGY, 5],
        [POWER, 7],
      ]),
      accepted(ID, ts + 1000, [[ENERGY, 6]]),
    ]);
    const [newest, first] = await env.records.query(ID, { limit: 10 });
    assert.equal(newest?.timestamp, ts + 1000);
    assert.equal(first?.timestamp, ts);
    assert.deepEqual(first?.values.map((v) => [v.obis.code, v.value]).sort(), [
      ["1-0:1.7.0", 7],
      ["1-0:1.8.0", 5],
    ]);
  });
});
