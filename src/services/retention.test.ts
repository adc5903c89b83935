import assert from "node:assert/strict";
import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { describe, it } from "node:test";
import { testDataSource } from "../../test/helpers/data-source-fixture.ts";
import type { AiidaRecord } from "../domain/aiida-record.ts";
import { obisByCode } from "../domain/obis-code.ts";
import { silentLogger } from "../platform/logger.ts";
import { hashDevicePassword } from "../platform/secrets.ts";
import { openSqliteStorage } from "../storage/sqlite/sqlite-storage.ts";
import { RetentionJob } from "./retention.ts";

const MINUTE = 60_000;
const HOUR = 3_600_000;
const DAY = 86_400_000;
const NOW = Date.parse("2026-06-01T00:00:00Z");
const energy = obisByCode("1-0:1.8.0");

function record(dataSourceId: string, timestamp: number): AiidaRecord {
  if (!energy) throw new Error("catalogue");
  return {
    dataSourceId,
    timestamp,
    timestampSource: "device",
    receivedAt: timestamp,
    values: [{ obis: energy, rawTag: "TOTAL_ACTIVE_ENERGY_CONSUMED_KWH", value: 1, quality: "AS_PROVIDED" }],
  };
}

function source(id: string) {
  return testDataSource(id, NOW);
}

describe("retention", () => {
  it("deletes records older than the retention age, keeps newer ones, and purges deleted sources' records", async (t) => {
    const dir = mkdtempSync(join(tmpdir(), "aiida-retention-"));
    t.after(() => rmSync(dir, { recursive: true, force: true }));
    const storage = await openSqliteStorage(join(dir, "hub.sqlite"));
    t.after(() => storage.close());
    const kept = "00000000-0000-4000-8000-000000000001";
    const gone = "00000000-0000-4000-8000-000000000002";
    await storage.dataSources.create(source(kept), hashDevicePassword("x"));
    await storage.dataSources.create(source(gone), hashDevicePassword("y"));
    const outcomes = [];
    for (let day = 0; day < 20; day++) {
      for (const id of [kept, gone]) {
        outcomes.push({
          dataSourceId: id,
          record: record(id, NOW - day * DAY),
          feedback: undefined,
          valuesRejected: 0,
        });
      }
    }
    await storage.writer.write(outcomes);
    await storage.dataSources.delete(gone);

    const job = new RetentionJob(storage.writer, 10 * DAY + 1, silentLogger, () => NOW);
    await job.runOnce();
    const left = (await storage.records.query(kept, { limit: 1000 })).map((r) => (NOW - r.timestamp) / DAY);
    assert.deepEqual(left, [0, 1, 2, 3, 4, 5, 6, 7, 8, 9, 10]);
    await storage.dataSources.create(source(gone), hashDevicePassword("z")); // same id again gets a fresh key
    assert.deepEqual(await storage.records.query(gone, { limit: 1000 }), []);
  });

  it("recomputes the rollup of the hour the retention cut falls into, so charts count only what is left", async (t) => {
    const dir = mkdtempSync(join(tmpdir(), "aiida-retention-"));
    t.after(() => rmSync(dir, { recursive: true, force: true }));
    const storage = await openSqliteStorage(join(dir, "hub.sqlite"));
    t.after(() => storage.close());
    const id = "00000000-0000-4000-8000-000000000003";
    await storage.dataSources.create(source(id), hashDevicePassword("x"));
    const start = NOW - 20 * DAY;
    const outcomes = [];
    for (let minute = 0; minute < 180; minute += 10) {
      outcomes.push({
        dataSourceId: id,
        record: record(id, start + minute * MINUTE),
        feedback: undefined,
        valuesRejected: 0,
      });
    }
    await storage.writer.write(outcomes);
    while ((await storage.writer.rollupStep(NOW)).worked) {}
    const hourly = async () =>
      (
        (await storage.records.series(id, start, start + 3 * HOUR - 1, HOUR, undefined)).get("1-0:1.8.0") ??
        []
      ).map((p) => [(p.t - start) / HOUR, p.count]);
    assert.deepEqual(await hourly(), [
      [0, 6],
      [1, 6],
      [2, 6],
    ]);

    // The cut falls at 1:25 into the range: hour 0 goes, hour 1 keeps 1:30, 1:40 and 1:50.
    const cut = start + HOUR + 25 * MINUTE;
    await new RetentionJob(storage.writer, NOW - cut, silentLogger, () => NOW).runOnce();
    const left = [
      [1, 3],
      [2, 6],
    ];
    assert.deepEqual(await hourly(), left, "right at once");
    while ((await storage.writer.rollupStep(NOW)).worked) {}
    assert.deepEqual(await hourly(), left, "and after the rollup recomputed the hour");
  });
});
