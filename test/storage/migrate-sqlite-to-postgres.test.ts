import assert from "node:assert/strict";
import { join } from "node:path";
import { describe, test } from "node:test";
import Database from "better-sqlite3";
import { DATABASE_FILE } from "../../src/hub.ts";
import { openPgPool } from "../../src/storage/postgres/pg-pool.ts";
import { importSqlite } from "../../src/storage/postgres/sqlite-import/import-sqlite.ts";
import { startTestHub } from "../helpers/hub-harness.ts";
import { runHubCommand } from "../helpers/hub-process.ts";
import { connectDevice } from "../helpers/mqtt-device.ts";
import { freshDatabase } from "../helpers/postgres.ts";

const HOUR = 3_600_000;
/** Readings from 70 to 5 days ago (65 days cover three calendar months, whichever they are). */
const FIRST = Math.floor(Date.now() / HOUR) * HOUR - 70 * 24 * HOUR;
const READINGS = 150;

/** A hub's SQLite file with two data sources (one deleted later), records over three months, feedback and sharing rows. */
async function populatedHub(t: import("node:test").TestContext): Promise<string> {
  const hub = await startTestHub(t);
  const meter = await hub.createDataSource({ name: "Grid meter" });
  const other = await hub.createDataSource({ name: "Old inverter", asset: "DEDICATED-MEASUREMENT-DEVICE" });
  const device = await connectDevice(t, hub.mqttUrl, meter);
  for (let i = 0; i < READINGS; i++) {
    const ts = new Date(FIRST + (i * 65 * 24 * HOUR) / READINGS).toISOString();
    await device.publishAsync(
      meter.topic,
      JSON.stringify({
        "dateAndOrTime.dateTime": ts,
        Quantity: [
          { quantity: i, type: "2" },
          { quantity: i * 10, type: "0" },
        ],
      }),
      { qos: 1 },
    );
  }
  await device.publishAsync(meter.topic, "{not json", { qos: 1 }); // a feedback report
  const otherDevice = await connectDevice(t, hub.mqttUrl, other);
  await otherDevice.publishAsync(
    other.topic,
    JSON.stringify({
      "dateAndOrTime.dateTime": new Date(FIRST).toISOString(),
      Quantity: [{ quantity: 5, type: "2" }],
    }),
    { qos: 1 },
  );
  assert.equal((await hub.api("DELETE", `/api/datasources/${other.id}`)).status, 204);
  await hub.stop();
  const file = join(hub.dataDir, DATABASE_FILE);
  const db = new Database(file);
  try {
    db.prepare(
      `INSERT INTO permission (permission_id, owner, eddie_id, status, handshake_url, access_token, added_at, updated_at, data_source_id, transmission_enabled)
       VALUES ('perm-1', 'admin', 'eddie-1', 'STREAMING_DATA', 'https://eddie.example/p/perm-1', x'0102', ?, ?, ?, 1)`,
    ).run(FIRST, FIRST + 1, meter.id);
    db.prepare(
      `INSERT INTO permission_mqtt_credentials (permission_id, server_uri, broker_url, username, password, data_topic, status_topic, command_topic, received_at)
       VALUES ('perm-1', 'tcp://eddie:1883', 'mqtt://eddie:1883', 'perm-1', x'0a0b', 'd', 's', 'c', ?)`,
    ).run(FIRST);
    const outbox = db.prepare(
      `INSERT INTO sharing_outbox (permission_id, kind, channel, topic, payload, retain, data_tags, created_at)
       VALUES ('perm-1', 'data', 'SMART-METER-P1-CIM-V1-04', 'd', ?, 0, '1-0:1.7.0', ?)`,
    );
    for (let i = 0; i < 3; i++) outbox.run(`{"n":${i}}`, FIRST + i);
    db.prepare("DELETE FROM sharing_outbox WHERE id = 3").run(); // its id must not be given again
    db.prepare(
      "INSERT INTO sharing_stream_state (permission_id, data_messages, dropped_oldest) VALUES ('perm-1', 2, 4)",
    ).run();
    db.prepare(
      "INSERT INTO device_session (client_id, data_source_id, feedback_qos, expires_at) VALUES ('meter-1', ?, 1, NULL)",
    ).run(meter.id);
    db.prepare(
      "INSERT INTO device_session_feedback (client_id, payload, queued_at) VALUES ('meter-1', x'7b7d', ?)",
    ).run(FIRST);
  } finally {
    db.close();
  }
  return hub.dataDir;
}

describe("aiida-hub migrate: a household's SQLite hub into PostgreSQL", () => {
  test("copies every table, resumes after an interruption without doubling a row, and the counts agree", async (t) => {
    const dataDir = await populatedHub(t);
    const target = await freshDatabase();
    const pool = openPgPool(target.url, { max: 2 });
    t.after(async () => {
      await pool.end();
      await target.drop();
    });
    let chunks = 0;
    await assert.rejects(
      importSqlite(join(dataDir, DATABASE_FILE), pool, {
        recordsPerChunk: 40,
        onChunk: () => {
          chunks += 1;
          if (chunks === 2) throw new Error("interrupted");
        },
      }),
      /interrupted/,
    );
    const partial = (await pool.query<{ n: number }>("SELECT count(*) AS n FROM aiida_record")).rows[0]?.n;
    assert.equal(partial, 80, "two chunks of 40 records were committed before the interruption");

    const report = await importSqlite(join(dataDir, DATABASE_FILE), pool, { recordsPerChunk: 40 });
    assert.equal(report.complete, true, JSON.stringify(report.counts));
    const count = (table: string) => report.counts.find((c) => c.table === table)?.postgres;
    assert.equal(
      count("aiida_record"),
      READINGS + 1,
      "the deleted source's record is copied too (retention purges it)",
    );
    assert.equal(count("aiida_record_value"), READINGS * 2 + 1);
    assert.equal(count("data_source"), 1);
    assert.equal(count("deleted_data_source"), 1);
    assert.equal(count("sharing_outbox"), 2);
    assert.equal(count("device_session_feedback"), 1);
    assert.ok((count("feedback_report") ?? 0) >= 1);
    const months = await pool.query("SELECT DISTINCT date_trunc('month', ts, 'UTC') FROM aiida_record");
    assert.ok(months.rows.length >= 3, "records span three months, each in its partition");

    const sqlite = new Database(join(dataDir, DATABASE_FILE), { readonly: true });
    t.after(() => sqlite.close());
    const rec = sqlite
      .prepare(
        "SELECT r.ts, r.received_delta, v.value FROM aiida_record r JOIN aiida_record_value v USING (data_source_key, ts) WHERE v.obis_key = (SELECT min(obis_key) FROM aiida_record_value) ORDER BY r.ts DESC LIMIT 1",
      )
      .get() as { ts: number; received_delta: number; value: number };
    const copied = await pool.query<{ received: number; value: number }>(
      `SELECT (extract(epoch FROM r.received_at) * 1000)::float8 AS received, v.value FROM aiida_record r
        JOIN aiida_record_value v USING (data_source_key, ts) WHERE r.ts = $1 AND v.obis_key = (SELECT min(obis_key) FROM aiida_record_value)`,
      [new Date(rec.ts)],
    );
    assert.deepEqual(copied.rows[0], { received: rec.ts + rec.received_delta, value: rec.value });
    const source = await pool.query<{ enabled: boolean; name: string }>(
      "SELECT enabled, name FROM data_source",
    );
    assert.deepEqual(source.rows, [{ enabled: true, name: "Grid meter" }]);
    const next = await pool.query<{ id: number }>(
      "INSERT INTO sharing_outbox (permission_id, kind, channel, topic, payload, retain, data_tags, created_at) VALUES ('perm-1', 'status', 'status', 's', '{}', true, '', now()) RETURNING id",
    );
    assert.equal(next.rows[0]?.id, 4, "an id SQLite gave out (even to a deleted row) is never given again");
  });

  test("the command prints the counts, exits 0 when they agree, and refuses another hub's database", async (t) => {
    const dataDir = await populatedHub(t);
    const target = await freshDatabase();
    t.after(() => target.drop());
    const first = await runHubCommand(["migrate", "--from", dataDir, "--database-url", target.url]);
    assert.equal(first.code, 0, first.stderr);
    assert.match(first.stdout, new RegExp(`^aiida_record\\t${READINGS + 1}\\t${READINGS + 1}$`, "m"));
    assert.match(first.stdout, /All tables copied and counted/);
    const again = await runHubCommand(["migrate", "--from", dataDir], { AIIDA_HUB_DATABASE_URL: target.url });
    assert.equal(again.code, 0, again.stderr);
    assert.match(
      again.stdout,
      new RegExp(`^aiida_record_value\\t${READINGS * 2 + 1}\\t${READINGS * 2 + 1}$`, "m"),
    );

    const otherHub = await populatedHub(t);
    const refused = await runHubCommand(["migrate", "--from", otherHub, "--database-url", target.url]);
    assert.equal(refused.code, 2);
    assert.match(
      refused.stderr,
      /belongs to another hub \(AIIDA id [0-9a-f-]+\); copy into an empty database/,
    );

    const noUrl = await runHubCommand(["migrate", "--from", dataDir]);
    assert.equal(noUrl.code, 2);
    assert.match(noUrl.stderr, /migrate needs --database-url \(or AIIDA_HUB_DATABASE_URL\)/);
    const missing = await runHubCommand([
      "migrate",
      "--from",
      join(dataDir, "nope.sqlite"),
      "--database-url",
      target.url,
    ]);
    assert.equal(missing.code, 2);
    assert.match(missing.stderr, /no hub database at .*nope\.sqlite/);
  });
});
