import assert from "node:assert/strict";
import { test } from "node:test";
import { addDays, localDate } from "../../web/src/lib/local-day.ts";
import { powerNow } from "../../web/src/lib/power-now.ts";
import type { AiidaRecord } from "../../web/src/lib/types.ts";

const record = (values: Record<string, number>): AiidaRecord => ({
  dataSourceId: "s",
  timestamp: "2026-11-29T12:00:00Z",
  timestampSource: "device",
  receivedAt: "2026-11-29T12:00:00Z",
  values: Object.entries(values).map(([dataTag, value]) => ({
    dataTag,
    name: dataTag,
    rawTag: dataTag,
    value,
    unitOfMeasurement: "kW",
    quality: "AS_PROVIDED",
  })),
});

test("power now is the total where the meter gives it, else the sum of its phases, else unknown", () => {
  assert.deepEqual(powerNow(record({ "1-0:1.7.0": 1.5, "1-0:2.7.0": 0, "1-0:21.7.0": 9 })), {
    imported: 1.5,
    exported: 0,
  });
  assert.deepEqual(powerNow(record({ "1-0:21.7.0": 0.5, "1-0:41.7.0": 0.25, "1-0:61.7.0": 1 })), {
    imported: 1.75,
    exported: undefined,
  });
  assert.deepEqual(powerNow(record({ "1-0:1.8.0": 4200 })), { imported: undefined, exported: undefined });
});

test("the local date is the hub zone's, and days are added on the calendar", () => {
  const lateEvening = Date.parse("2026-03-28T23:30:00Z");
  assert.equal(localDate(lateEvening, "UTC"), "2026-03-28");
  assert.equal(localDate(lateEvening, "Europe/Vienna"), "2026-03-29");
  assert.equal(localDate(lateEvening, "America/New_York"), "2026-03-28");
  assert.equal(addDays("2026-03-29", 1), "2026-03-30");
  assert.equal(addDays("2026-12-31", 1), "2027-01-01");
  assert.equal(addDays("2028-03-01", -1), "2028-02-29");
});
