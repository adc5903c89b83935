import assert from "node:assert/strict";
import { randomBytes } from "node:crypto";
import { describe, it } from "node:test";
import type { SqliteStorage } from "../../src/storage/sqlite/sqlite-storage.ts";
import { type ApiResponse, CIM_SOURCE, startTestHub, TEST_ADMIN_PASSWORD } from "../helpers/hub-harness.ts";

const DISK_FULL = /The disk that holds the hub's database is full, so nothing was changed; free some space/;

describe("a full disk", () => {
  it("refuses data source creation and login with 503 and a sentence that says so, half-creates nothing, and recovers", async (t) => {
    const hub = await startTestHub(t);
    const db = (hub.hub.internals.storage() as SqliteStorage).mainConnection;
    // The database may not grow by one page: as full as a full disk, for the main connection.
    db.pragma(`max_page_count = ${db.pragma("page_count", { simple: true })}`);
    const count = (table: string) =>
      (db.prepare(`SELECT count(*) AS n FROM ${table}`).get() as { n: number }).n;

    let created = 0;
    let refused: ApiResponse | undefined;
    for (let i = 0; i < 500 && !refused; i++) {
      const res = await hub.api("POST", "/api/datasources", { ...CIM_SOURCE, name: `meter ${i}` });
      if (res.status === 201) created++;
      else refused = res;
    }
    assert.ok(refused, "the database filled up");
    assert.equal(refused.status, 503, JSON.stringify(refused.body));
    assert.equal(refused.body.error.code, "UNAVAILABLE");
    assert.match(refused.body.error.message, DISK_FULL);
    const again = await hub.api("POST", "/api/datasources", { ...CIM_SOURCE, name: "once more" });
    assert.deepEqual([again.status, again.body.error.code], [503, "UNAVAILABLE"]);
    assert.equal((await hub.api("GET", "/api/datasources")).body.length, created, "nothing half-created");
    assert.deepEqual(
      [count("data_source"), count("data_source_mqtt_user"), count("data_source_mqtt_acl")],
      [created, created, 2 * created],
    );

    // Sessions that expired long ago fill the session table's last room.
    const insert = db.prepare(
      "INSERT INTO admin_session (token_digest, username, expires_at) VALUES (?, 'admin', 0)",
    );
    for (;;) {
      try {
        insert.run(randomBytes(32).toString("hex"));
      } catch (err) {
        assert.equal((err as { code?: string }).code, "SQLITE_FULL");
        break;
      }
    }
    const login = () =>
      hub.api("POST", "/api/auth/login", { username: "admin", password: TEST_ADMIN_PASSWORD }, null);
    const refusedLogin = await login();
    assert.equal(refusedLogin.status, 503, JSON.stringify(refusedLogin.body));
    assert.match(refusedLogin.body.error.message, DISK_FULL);

    db.pragma("max_page_count = 1073741823"); // room is made
    assert.equal((await login()).status, 200);
    assert.equal((await hub.api("POST", "/api/datasources", { ...CIM_SOURCE, name: "after" })).status, 201);
  });
});
