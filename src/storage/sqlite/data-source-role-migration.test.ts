import assert from "node:assert/strict";
import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { type TestContext, test } from "node:test";
import Database from "better-sqlite3";
import { testDataSource } from "../../../test/helpers/data-source-fixture.ts";
import { ASSETS } from "../../domain/data-source.ts";
import { defaultRoleOf } from "../../domain/data-source-role.ts";
import { hashDevicePassword } from "../../platform/secrets.ts";
import { DataSourceKeys } from "./data-source-keys.ts";
import { SqliteDataSourceStore } from "./data-source-repository.ts";
import { migrate } from "./migrations.ts";
import { openDatabase } from "./open-database.ts";

/** The schema before data sources had roles. */
const VERSION_BEFORE_ROLES = 5;

function tempFile(t: TestContext): string {
  const dir = mkdtempSync(join(tmpdir(), "aiida-roles-"));
  t.after(() => rmSync(dir, { recursive: true, force: true }));
  return join(dir, "hub.sqlite");
}

/** A data source row as schema version 5 wrote it: every column but the role. */
function insertVersion5DataSource(db: Database.Database, id: string, asset: string): void {
  db.prepare(
    `INSERT INTO data_source (id, name, type, asset, country_code, icon, plausibility, enabled, owner,
       created_at, updated_at) VALUES (?, ?, 'CIM', ?, 'AT', 'METER', NULL, 1, 'admin', 0, 0)`,
  ).run(id, id, asset);
}

test("a database from before roles gives each data source its asset's default role when it is opened", async (t) => {
  const file = tempFile(t);
  const old = new Database(file);
  assert.equal(migrate(old, VERSION_BEFORE_ROLES), VERSION_BEFORE_ROLES);
  const columns = old.prepare("SELECT name FROM pragma_table_info('data_source')").pluck().all();
  assert.ok(!columns.includes("role"), "the old schema has no role column yet");
  for (const asset of ASSETS) insertVersion5DataSource(old, `old-${asset}`, asset);
  old.close();

  const db = openDatabase(file);
  t.after(() => db.close());
  const store = new SqliteDataSourceStore(db, DataSourceKeys.load(db));
  for (const asset of ASSETS) {
    // The migration's SQL is frozen; the domain's table may only change for new data sources.
    assert.equal((await store.get(`old-${asset}`))?.role, defaultRoleOf(asset), asset);
  }
  assert.equal((await store.get("old-CONNECTION-AGREEMENT-POINT"))?.role, "GRID_METER");

  await store.create({ ...testDataSource("new"), role: "HEAT_PUMP" }, hashDevicePassword("pw"));
  assert.equal((await store.get("new"))?.role, "HEAT_PUMP");
  assert.equal((await store.update("old-SUBMETER", { role: "EV_CHARGER" }, 1))?.role, "EV_CHARGER");
  assert.equal((await store.get("old-SUBMETER"))?.role, "EV_CHARGER");

  const version = db.prepare("SELECT max(version) FROM schema_migration").pluck().get() as number;
  assert.ok(version > VERSION_BEFORE_ROLES);
  assert.equal(migrate(db), version, "migrating again changes nothing");
  assert.equal((await store.get("old-CONNECTION-AGREEMENT-POINT"))?.role, "GRID_METER");
});
