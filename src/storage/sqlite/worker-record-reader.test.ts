import assert from "node:assert/strict";
import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { describe, it, type TestContext } from "node:test";
import { testDataSource } from "../../../test/helpers/data-source-fixture.ts";
import { obisByCode } from "../../domain/obis-code.ts";
import { hashDevicePassword } from "../../platform/secrets.ts";
import { DataSourceKeys } from "./data-source-keys.ts";
import { openSqliteStorage } from "./sqlite-storage.ts";
import { WorkerRecordReader } from "./worker-record-reader.ts";

const ID = "00000000-0000-4000-8000-000000000001";
const NOW = Date.parse("2026-06-01T00:00:00Z");

function tempDir(t: TestContext): string {
  const dir = mkdtempSync(join(tmpdir(), "aiida-reader-"));
  t.after(() => rmSync(dir, { recursive: true, force: true }));
  return dir;
}

describe("WorkerRecordReader", () => {
  it("finishes the reads already asked for when closed, and refuses later ones", async (t) => {
    const storage = await openSqliteStorage(join(tempDir(t), "hub.sqlite"));
    const energy = obisByCode("1-0:1.8.0");
    if (!energy) throw new Error("OBIS catalogue");
    await storage.dataSources.create(testDataSource(ID, NOW), hashDevicePassword("x"));
    await storage.writer.write(
      Array.from({ length: 50 }, (_, i) => ({
        dataSourceId: ID,
        record: {
          dataSourceId: ID,
          timestamp: NOW + i * 1000,
          timestampSource: "device" as const,
          receivedAt: NOW + i * 1000,
          values: [{ obis: energy, rawTag: "A", value: i, quality: "AS_PROVIDED" }],
        },
        feedback: undefined,
        valuesRejected: 0,
      })),
    );

    const inFlight = storage.records.query(ID, { limit: 1000 });
    const closed = storage.close();
    assert.equal((await inFlight).length, 50);
    await closed;
    await assert.rejects(storage.records.latest(ID), /the record reader is closed/);
  });

  it("rejects reads with a clear error, not a hang, when its thread cannot start", async (t) => {
    const keys = new DataSourceKeys();
    keys.set(ID, 1);
    const reader = new WorkerRecordReader(join(tempDir(t), "missing.sqlite"), keys);
    t.after(() => reader.close());
    const sentBeforeTheFailure = reader.latest(ID);
    await assert.rejects(reader.ready);
    await assert.rejects(
      sentBeforeTheFailure,
      /the record reader thread failed: cannot open .*missing\.sqlite for reading: unable to open database file/,
    );
    await assert.rejects(reader.query(ID, { limit: 10 }), /the record reader thread failed/);
    await assert.rejects(reader.feedback("unknown id", 10), /the record reader thread failed/);
  });
});
