import assert from "node:assert/strict";
import { createServer } from "node:net";
import { describe, it } from "node:test";
import { HubError } from "../../src/domain/hub-error.ts";
import { hashDevicePassword } from "../../src/platform/secrets.ts";
import { PgAdminStore } from "../../src/storage/postgres/admin-repository.ts";
import { PgDataSourceStore } from "../../src/storage/postgres/data-source-repository.ts";
import { openPgPool } from "../../src/storage/postgres/pg-pool.ts";
import { PG_DISK_FULL_MESSAGE, requestErrorOf } from "../../src/storage/postgres/request-errors.ts";
import { testDataSource } from "../helpers/data-source-fixture.ts";
import { TEST_POSTGRES_URL } from "../helpers/postgres.ts";

/** A local port nothing listens on: taken from the system, then let go. */
async function closedPort(): Promise<number> {
  const server = createServer();
  await new Promise<void>((resolve) => server.listen(0, "127.0.0.1", resolve));
  const address = server.address();
  await new Promise<void>((resolve) => server.close(() => resolve()));
  if (address === null || typeof address === "string") throw new Error("no port");
  return address.port;
}

function isUnavailable(error: unknown): boolean {
  return error instanceof HubError && error.code === "UNAVAILABLE";
}

describe("PostgreSQL stores when the database fails", () => {
  it("answer UNAVAILABLE, not an internal error, when the server cannot be reached", async () => {
    const url = new URL(TEST_POSTGRES_URL);
    url.port = String(await closedPort());
    const pool = openPgPool(url.toString());
    try {
      const dataSources = new PgDataSourceStore(pool);
      const admin = new PgAdminStore(pool);
      await assert.rejects(
        dataSources.create(testDataSource("meter"), hashDevicePassword("pw")),
        isUnavailable,
      );
      await assert.rejects(dataSources.list(), isUnavailable);
      await assert.rejects(admin.sessionUser("digest", 0), isUnavailable);
      await assert.rejects(admin.replacePassword("admin", "hash", undefined), isUnavailable);
    } finally {
      await pool.end();
    }
  });

  it("tell a full disk on the server by its SQLSTATE, and leave other errors as they are", () => {
    const diskFull = Object.assign(new Error("could not extend file"), { code: "53100" });
    assert.equal(requestErrorOf(diskFull)?.message, PG_DISK_FULL_MESSAGE);
    const uniqueViolation = Object.assign(new Error("duplicate key"), { code: "23505" });
    assert.equal(requestErrorOf(uniqueViolation), undefined);
    assert.equal(requestErrorOf(new TypeError("a data source has no field")), undefined);
  });
});
