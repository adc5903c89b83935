import assert from "node:assert/strict";
import { test } from "node:test";
import { align, bucketFor, bucketParam, csvFileName, toCsv } from "../../web/src/lib/history-data.ts";
import type { Series } from "../../web/src/lib/types.ts";

const point = (t: string, avg: number, last = avg) => ({ t, min: avg, avg, max: avg, last, count: 1 });

test("bucket sizes are round and keep a chart near 720 points, within the API's 10,000 buckets", () => {
  assert.equal(bucketParam(bucketFor(3_600_000)), "5s");
  assert.equal(bucketParam(bucketFor(86_400_000)), "2m");
  assert.equal(bucketParam(bucketFor(7 * 86_400_000)), "15m");
  assert.equal(bucketParam(bucketFor(30 * 86_400_000)), "1h");
  assert.equal(bucketParam(bucketFor(60_000)), "1s");
  assert.equal(bucketParam(bucketFor(5 * 365 * 86_400_000)), "3d");
  for (const range of [1000, 3_600_000, 86_400_000, 400 * 86_400_000]) {
    assert.ok(range / bucketFor(range) <= 10_000);
  }
});

test("align fills between series with undefined and marks outages with null", () => {
  const power: Series = {
    dataTag: "1-0:1.7.0",
    name: "POSITIVE_ACTIVE_INSTANTANEOUS_POWER",
    unitOfMeasurement: "kW",
    points: [
      point("2025-07-01T10:00:00.000Z", 1),
      point("2025-07-01T10:01:00.000Z", 2),
      point("2025-07-01T10:02:00.000Z", 3),
      point("2025-07-01T11:00:00.000Z", 4),
    ],
  };
  const energy: Series = {
    dataTag: "1-0:1.8.0",
    name: "POSITIVE_ACTIVE_ENERGY",
    unitOfMeasurement: "kWh",
    points: [point("2025-07-01T10:01:00.000Z", 7.5, 8)],
  };
  const [xs, p, e] = align([power, energy], 60_000);
  const at = (iso: string) => Date.parse(iso) / 1000;
  assert.deepEqual(xs, [
    at("2025-07-01T10:00:00Z"),
    at("2025-07-01T10:01:00Z"),
    at("2025-07-01T10:02:00Z"),
    at("2025-07-01T10:03:00Z"),
    at("2025-07-01T11:00:00Z"),
  ]);
  assert.deepEqual(p, [1, 2, 3, null, 4], "the hour without data is a gap");
  assert.deepEqual(
    e,
    [undefined, 8, undefined, undefined, undefined],
    "a meter total charts its last reading",
  );
});

test("CSV: ISO timestamps, one column per quantity, quoting where needed, no rows for gap markers", () => {
  const series: Series[] = [
    {
      dataTag: "1-0:1.7.0",
      name: "POSITIVE_ACTIVE_INSTANTANEOUS_POWER",
      unitOfMeasurement: "kW",
      points: [point("2025-07-01T10:00:00.000Z", 1.5), point("2025-07-01T12:00:00.000Z", 2)],
    },
    {
      dataTag: "x",
      name: 'odd, "name"',
      unitOfMeasurement: "none",
      points: [point("2025-07-01T10:00:00.000Z", 0.9)],
    },
  ];
  assert.equal(
    toCsv(series, 60_000),
    'timestamp,POSITIVE_ACTIVE_INSTANTANEOUS_POWER [kW],"odd, ""name"" [none]"\r\n' +
      "2025-07-01T10:00:00.000Z,1.5,0.9\r\n" +
      "2025-07-01T12:00:00.000Z,2,\r\n",
  );
});

test("CSV file names are safe slugs with the range", () => {
  const from = Date.parse("2025-07-01T00:00:00Z");
  const to = Date.parse("2025-07-02T06:30:00Z");
  assert.equal(
    csvFileName("Zähler Küche / 1", from, to),
    "zahler-kuche-1-2025-07-01T0000Z-2025-07-02T0630Z.csv",
  );
  assert.equal(csvFileName("***", from, to), "data-source-2025-07-01T0000Z-2025-07-02T0630Z.csv");
});
