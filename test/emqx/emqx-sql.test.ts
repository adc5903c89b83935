import assert from "node:assert/strict";
import { randomBytes, randomUUID } from "node:crypto";
import { after, before, describe, it } from "node:test";
import pg from "pg";
import { dataTopic, feedbackTopic } from "../../src/domain/data-source.ts";
import { emqxConfigSnippet } from "../../src/emqx/emqx-config.ts";
import { parsePostgresUrl } from "../../src/emqx/postgres-server.ts";
import { hashDevicePassword, randomBase62 } from "../../src/platform/secrets.ts";
import { migratePostgres } from "../../src/storage/postgres/migrations.ts";
import { openPgPool, type PgPool } from "../../src/storage/postgres/pg-pool.ts";
import { type FreshDatabase, freshDatabase, TEST_POSTGRES_URL } from "../helpers/postgres.ts";
import {
  authenticateAsEmqx,
  authorizeAsEmqx,
  emqxSha256,
  prepareAsEmqx,
  snippetQueries,
} from "./emqx-emulation.ts";

interface Device {
  readonly id: string;
  readonly password: string;
}

/** Stores a data source as the hub does: its row, its credential row and its two ACL rows. */
async function storeDataSource(pool: PgPool, enabled: boolean): Promise<Device> {
  const id = randomUUID();
  const password = randomBase62(32);
  const hash = hashDevicePassword(password);
  const now = new Date();
  await pool.query(
    `INSERT INTO data_source (id, name, type, asset, role, country_code, icon, meter_id, operator_id,
       plausibility, enabled, owner, created_at, updated_at)
     VALUES ($1, 'Meter', 'CIM', 'CONNECTION-AGREEMENT-POINT', 'GRID_METER', 'AT', 'METER', NULL, NULL,
       NULL, $2, 'admin', $3, $3)`,
    [id, enabled, now],
  );
  await pool.query("INSERT INTO data_source_mqtt_user (username, password_hash, salt) VALUES ($1, $2, $3)", [
    id,
    hash.hash,
    hash.salt,
  ]);
  const acl =
    "INSERT INTO data_source_mqtt_acl (username, action, permission, topic) VALUES ($1, $2, 'allow', $3)";
  await pool.query(acl, [id, "publish", dataTopic(id)]);
  await pool.query(acl, [id, "subscribe", feedbackTopic(id)]);
  return { id, password };
}

async function setEnabled(pool: PgPool, id: string, enabled: boolean): Promise<void> {
  await pool.query("UPDATE data_source SET enabled = $2 WHERE id = $1", [id, enabled]);
}

describe("the SQL of the EMQX snippet, run on the hub's PostgreSQL as EMQX runs it", () => {
  let database: FreshDatabase;
  let pool: PgPool;
  let authnQuery: string;
  let authzQuery: string;
  let a: Device;
  let b: Device;
  let disabled: Device;

  before(async () => {
    database = await freshDatabase();
    pool = openPgPool(database.url);
    await migratePostgres(pool);
    const queries = snippetQueries(emqxConfigSnippet(parsePostgresUrl(database.url)));
    assert.equal(queries.length, 2, "one query for authentication, one for authorization");
    [authnQuery = "", authzQuery = ""] = queries;
    a = await storeDataSource(pool, true);
    b = await storeDataSource(pool, true);
    disabled = await storeDataSource(pool, false);
  });

  after(async () => {
    await pool?.end();
    await database?.drop();
  });

  it("needs no more than SELECT on the two views: a role granted only that runs both, and reads no table", async (t) => {
    // Roles belong to the server, not the database: a unique name, dropped after the test's database.
    const role = `emqx_reader_${randomBytes(4).toString("hex")}`;
    await pool.query(`CREATE ROLE ${role} LOGIN`);
    await pool.query(`GRANT SELECT ON emqx_mqtt_user, emqx_mqtt_acl TO ${role}`);
    const url = new URL(database.url);
    url.username = role;
    const emqxPool = openPgPool(url.toString(), { max: 1 });
    t.after(async () => {
      await emqxPool.end();
      await pool.query(`REVOKE ALL ON emqx_mqtt_user, emqx_mqtt_acl FROM ${role}`);
      const admin = new pg.Client({ connectionString: TEST_POSTGRES_URL });
      await admin.connect();
      await admin.query(`DROP ROLE ${role}`).finally(() => admin.end());
    });
    assert.equal((await authenticateAsEmqx(emqxPool, authnQuery, a.id, a.password)).result, "ok");
    assert.equal(await authorizeAsEmqx(emqxPool, authzQuery, a.id, "publish", dataTopic(a.id)), "allow");
    await assert.rejects(emqxPool.query("SELECT count(*) FROM data_source"), /permission denied/);
    await assert.rejects(emqxPool.query("SELECT count(*) FROM data_source_mqtt_user"), /permission denied/);
  });

  it("judges passwords as EMQX's documentation shows (sha256, salt as suffix: 'secret' + 'salt')", () => {
    // EMQX's PostgreSQL authentication page gives this row for password "secret" and salt "salt".
    assert.equal(
      emqxSha256("salt", "secret", "suffix"),
      "f84fa2149dbb62ed4e0cf1f550d2949b33a6513d3a7707e08502511c79ccb0ee",
    );
    assert.notEqual(emqxSha256("salt", "secret", "prefix"), emqxSha256("salt", "secret", "suffix"));
  });

  it("stores what sha256 with the salt as prefix verifies: hex(sha256(salt + password)), lower case", () => {
    const stored = hashDevicePassword("Abc123");
    assert.match(stored.hash, /^[0-9a-f]{64}$/);
    assert.equal(emqxSha256(stored.salt, "Abc123", "prefix"), stored.hash);
  });

  it("authenticates a device of an enabled data source with its password, and not as superuser", async () => {
    assert.deepEqual(await authenticateAsEmqx(pool, authnQuery, a.id, a.password), {
      result: "ok",
      isSuperuser: false,
    });
  });

  it("refuses a wrong password, and another device's password", async () => {
    assert.deepEqual(await authenticateAsEmqx(pool, authnQuery, a.id, `${a.password}x`), {
      result: "bad-password",
    });
    assert.deepEqual(await authenticateAsEmqx(pool, authnQuery, a.id, b.password), {
      result: "bad-password",
    });
  });

  it("finds no row for a disabled data source, even with its right password, nor for an unknown username", async () => {
    assert.deepEqual(await authenticateAsEmqx(pool, authnQuery, disabled.id, disabled.password), {
      result: "ignore",
    });
    assert.deepEqual(await authenticateAsEmqx(pool, authnQuery, randomUUID(), a.password), {
      result: "ignore",
    });
  });

  it("follows enabling and disabling at once: the view reads the data source's current state", async (t) => {
    const device = await storeDataSource(pool, true);
    t.after(() => pool.query("DELETE FROM data_source WHERE id = $1", [device.id]));
    await setEnabled(pool, device.id, false);
    assert.deepEqual(await authenticateAsEmqx(pool, authnQuery, device.id, device.password), {
      result: "ignore",
    });
    assert.equal(
      await authorizeAsEmqx(pool, authzQuery, device.id, "publish", dataTopic(device.id)),
      "nomatch",
    );
    await setEnabled(pool, device.id, true);
    assert.equal((await authenticateAsEmqx(pool, authnQuery, device.id, device.password)).result, "ok");
  });

  it("binds the username as a parameter: SQL in a username matches nothing", async () => {
    const statement = prepareAsEmqx(authnQuery, { username: "x' OR '1'='1" });
    assert.equal(statement.text.includes("x' OR"), false);
    assert.deepEqual(await authenticateAsEmqx(pool, authnQuery, "x' OR '1'='1", a.password), {
      result: "ignore",
    });
    assert.equal(
      await authorizeAsEmqx(pool, authzQuery, "' OR true --", "publish", dataTopic(a.id)),
      "nomatch",
    );
  });

  it("allows a device to publish to its data topic and subscribe to its feedback topic", async () => {
    assert.equal(await authorizeAsEmqx(pool, authzQuery, a.id, "publish", dataTopic(a.id)), "allow");
    assert.equal(await authorizeAsEmqx(pool, authzQuery, a.id, "subscribe", feedbackTopic(a.id)), "allow");
  });

  it("has no rule for anything else: other sources' topics, the other direction, wildcards, sub-levels", async () => {
    const refused: [string, "publish" | "subscribe", string][] = [
      ["another source's data topic", "publish", dataTopic(b.id)],
      ["another source's feedback", "subscribe", feedbackTopic(b.id)],
      ["publishing its own feedback", "publish", feedbackTopic(a.id)],
      ["reading its own data topic", "subscribe", dataTopic(a.id)],
      ["every source's data", "subscribe", "aiida/+/data"],
      ["everything", "subscribe", "#"],
      ["a level below its data topic", "publish", `${dataTopic(a.id)}/x`],
      ["the hub's shared subscription", "subscribe", "$share/aiida-hub/aiida/+/data"],
    ];
    for (const [what, action, topic] of refused) {
      assert.equal(await authorizeAsEmqx(pool, authzQuery, a.id, action, topic), "nomatch", what);
    }
  });

  it("gives a disabled data source no rules at all", async () => {
    assert.equal(
      await authorizeAsEmqx(pool, authzQuery, disabled.id, "publish", dataTopic(disabled.id)),
      "nomatch",
    );
    assert.equal(
      await authorizeAsEmqx(pool, authzQuery, disabled.id, "subscribe", feedbackTopic(disabled.id)),
      "nomatch",
    );
  });

  it("returns rules in EMQX's words: permission allow/deny, action publish/subscribe/all, literal topics", async () => {
    const statement = prepareAsEmqx(authzQuery, { username: a.id });
    const { rows, fields } = await pool.query(statement.text, statement.values);
    assert.deepEqual(
      fields.map((f) => f.name),
      ["permission", "action", "topic"],
    );
    assert.equal(rows.length, 2);
    for (const row of rows as { permission: string; action: string; topic: string }[]) {
      assert.ok(["allow", "deny"].includes(row.permission), row.permission);
      assert.ok(["publish", "subscribe", "all"].includes(row.action), row.action);
      // A placeholder or an "eq " prefix would make EMQX read the topic differently from the hub.
      assert.equal(/\$\{|^eq |[+#]/.test(row.topic), false, row.topic);
    }
  });

  it("returns the authenticator's columns by the names EMQX reads", async () => {
    const statement = prepareAsEmqx(authnQuery, { username: a.id });
    const { fields } = await pool.query(statement.text, statement.values);
    assert.deepEqual(
      fields.map((f) => f.name),
      ["password_hash", "salt", "is_superuser"],
    );
  });
});
