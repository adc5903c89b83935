import assert from "node:assert/strict";
import { describe, test } from "node:test";
import { testDataSource } from "../../test/helpers/data-source-fixture.ts";
import { obisByCode } from "../domain/obis-code.ts";
import type { AdapterContext } from "./adapter-registry.ts";
import { ingestCimMessage, PAST_WARNING_MS } from "./cim-adapter.ts";
import { ReceiptStamps } from "./receipt-stamps.ts";

const SOURCE = testDataSource("5eef407d-d14f-49d4-b61a-769a20caa540");
const RECEIVED_AT = Date.parse("2025-07-01T08:00:00.123Z");
const DAY_MS = 86_400_000;
const CTX: Omit<AdapterContext, "receiptStamps"> = {
  receivedAt: RECEIVED_AT,
  maxFutureMs: 5 * 60_000,
  maxPastMs: 365 * DAY_MS,
};
const DEVICE_TIME = "2025-07-01T07:43:59.073Z";
/** How a report lists a kept value of 1 kWh of type 0: by its plain name for the source's role, a consumer. */
const ENERGY_1 = {
  type: "0",
  obis: "1-0:1.8.0",
  value: 1,
  name: "Consumption (total)",
  unit: "kWh",
  text: "Consumption (total) 1 kWh",
};

function ingest(message: unknown) {
  // Fresh stamps per message: each test's message without a timestamp is stored at RECEIVED_AT.
  return ingestCimMessage(SOURCE, Buffer.from(JSON.stringify(message)), {
    ...CTX,
    receiptStamps: new ReceiptStamps(),
  });
}

function obis(code: string) {
  const entry = obisByCode(code);
  if (entry === undefined) assert.fail(`no OBIS code ${code}`);
  return entry;
}

describe("ingestCimMessage", () => {
  test("a clean message gives a record and no feedback", () => {
    const outcome = ingest({
      "dateAndOrTime.dateTime": DEVICE_TIME,
      Quantity: [
        { quantity: 18234.5, type: "0", quality: "AS_PROVIDED" },
        { quantity: 1.5, type: "2", quality: "A03" },
      ],
    });
    assert.deepEqual(outcome, {
      dataSourceId: SOURCE.id,
      record: {
        dataSourceId: SOURCE.id,
        timestamp: Date.parse(DEVICE_TIME),
        timestampSource: "device",
        receivedAt: RECEIVED_AT,
        values: [
          {
            obis: obis("1-0:1.8.0"),
            rawTag: "TOTAL_ACTIVE_ENERGY_CONSUMED_KWH",
            value: 18234.5,
            quality: "AS_PROVIDED",
          },
          {
            obis: obis("1-0:1.7.0"),
            rawTag: "INSTANTANEOUS_ACTIVE_POWER_CONSUMPTION_KW",
            value: 1.5,
            quality: "ESTIMATED",
          },
        ],
      },
      feedback: undefined,
      valuesRejected: 0,
    });
  });

  test("a message without a date-time is stored at the receipt time, with a note", () => {
    const outcome = ingest({ Quantity: [{ quantity: 1, type: "0" }] });
    assert.equal(outcome.record?.timestamp, RECEIVED_AT);
    assert.equal(outcome.record?.timestampSource, "receipt");
    assert.deepEqual(outcome.feedback, {
      dataSourceId: SOURCE.id,
      receivedAt: "2025-07-01T08:00:00.123Z",
      status: "accepted-with-warnings",
      summary: "Stored 1 value. The message has no timestamp, so the time it arrived was used.",
      problems: [],
      warnings: [],
      ignoredFields: [],
      notes: ["no dateAndOrTime.dateTime in the message: the receipt time was used"],
      kept: {
        timestamp: "2025-07-01T08:00:00.123Z",
        timestampSource: "receipt",
        values: [ENERGY_1],
      },
    });
    assert.equal(outcome.valuesRejected, 0);
  });

  test("ignored fields alone give an accepted-with-warnings report", () => {
    const outcome = ingest({
      "dateAndOrTime.dateTime": DEVICE_TIME,
      extra: 1,
      Quantity: [{ quantity: 50, type: 35, unit: "Hz" }],
    });
    assert.deepEqual(outcome.feedback, {
      dataSourceId: SOURCE.id,
      receivedAt: "2025-07-01T08:00:00.123Z",
      status: "accepted-with-warnings",
      summary: "Stored 1 value, with 2 unknown fields ignored.",
      problems: [],
      warnings: [],
      ignoredFields: ["$.extra", "$.Quantity[0].unit"],
      notes: [],
      kept: {
        timestamp: DEVICE_TIME,
        timestampSource: "device",
        values: [
          {
            type: "35",
            obis: "1-0:14.7.0",
            value: 50,
            name: "Frequency",
            unit: "Hz",
            text: "Frequency 50 Hz",
          },
        ],
      },
    });
  });

  test("a bad quantity among good ones gives a partial report", () => {
    const outcome = ingest({
      "dateAndOrTime.dateTime": DEVICE_TIME,
      Quantity: [
        { quantity: 1, type: "0" },
        { quantity: 2, type: "99" },
      ],
    });
    assert.equal(outcome.record?.values.length, 1);
    assert.equal(outcome.valuesRejected, 1);
    assert.deepEqual(outcome.feedback?.status, "partial");
    assert.deepEqual(outcome.feedback?.problems, [
      {
        path: "$.Quantity[1].type",
        reason: 'unknown quantity type "99": expected "0".."35" (CIM v1.12 QuantityTypeKind)',
        message: 'Quantity 2 has an unknown type "99"; the types are "0" to "35".',
      },
    ]);
    assert.equal(outcome.feedback?.summary, "Stored 1 value and left out the rest (1 problem).");
    assert.deepEqual(outcome.feedback?.notes, []);
    assert.deepEqual(outcome.feedback?.kept.values, [ENERGY_1]);
  });

  test("a refused message stores nothing and says why", () => {
    const outcome = ingest({ foo: 1, Quantity: [] });
    assert.deepEqual(outcome, {
      dataSourceId: SOURCE.id,
      record: undefined,
      feedback: {
        dataSourceId: SOURCE.id,
        receivedAt: "2025-07-01T08:00:00.123Z",
        status: "rejected",
        summary: "Nothing was stored. The quantity list is empty: there is nothing to store.",
        problems: [
          {
            path: "$.Quantity",
            reason: "expected at least one quantity, got an empty array",
            message: "The quantity list is empty: there is nothing to store.",
          },
        ],
        warnings: [],
        ignoredFields: ["$.foo"],
        notes: ["nothing from this message was stored"],
        kept: { timestamp: null, timestampSource: null, values: [] },
      },
      valuesRejected: 1,
    });
  });

  test("long lists in a partial report are cut at 100, with notes saying how many more", () => {
    const bad = Array.from({ length: 130 }, (_, i) => ({ quantity: 1, type: "99", [`x${i}`]: 1 }));
    const outcome = ingest({ Quantity: [{ quantity: 1, type: "0" }, ...bad] });
    assert.equal(outcome.valuesRejected, 130);
    assert.equal(outcome.feedback?.problems.length, 100);
    assert.equal(outcome.feedback?.problems[99]?.path, "$.Quantity[100].type");
    assert.equal(outcome.feedback?.ignoredFields.length, 100);
    assert.equal(outcome.feedback?.ignoredFields[99], "$.Quantity[100].x99");
    assert.deepEqual(outcome.feedback?.notes, [
      "no dateAndOrTime.dateTime in the message: the receipt time was used",
      "30 more problems not listed",
      "30 more ignored fields not listed",
    ]);
  });

  test("long lists in a rejection are cut at 100 too", () => {
    const bad = Array.from({ length: 101 }, () => ({ type: "0", y: 1 }));
    const outcome = ingest({ Quantity: bad });
    assert.equal(outcome.valuesRejected, 102);
    assert.equal(outcome.feedback?.problems.length, 100);
    assert.deepEqual(outcome.feedback?.notes, [
      "nothing from this message was stored",
      "2 more problems not listed",
      "1 more ignored fields not listed",
    ]);
  });

  test("a reading as old as the warning age is clean: a backlog of a few days stays quiet", () => {
    const outcome = ingest({
      "dateAndOrTime.dateTime": new Date(RECEIVED_AT - PAST_WARNING_MS).toISOString(),
      Quantity: [{ quantity: 1, type: "0" }],
    });
    assert.equal(outcome.record?.timestamp, RECEIVED_AT - PAST_WARNING_MS);
    assert.equal(outcome.feedback, undefined);
  });

  test("a reading 30 days old is stored, with a warning note that names the field", () => {
    const outcome = ingest({
      "dateAndOrTime.dateTime": "2025-06-01T08:00:00.123Z",
      Quantity: [{ quantity: 1, type: "0" }],
    });
    assert.equal(outcome.record?.timestamp, Date.parse("2025-06-01T08:00:00.123Z"));
    assert.equal(outcome.valuesRejected, 0);
    assert.deepEqual(outcome.feedback, {
      dataSourceId: SOURCE.id,
      receivedAt: "2025-07-01T08:00:00.123Z",
      status: "accepted-with-warnings",
      summary: "Stored 1 value, with 1 warning.",
      problems: [],
      warnings: [
        {
          path: "$['dateAndOrTime.dateTime']",
          reason:
            '"2025-06-01T08:00:00.123Z" is 30 days in the past: stored, but check the device\'s clock unless it sends old readings on purpose',
          message:
            "The timestamp is 30 days old. The values were stored; is the device's clock set, or does it send old readings on purpose?",
        },
      ],
      ignoredFields: [],
      notes: [
        "$['dateAndOrTime.dateTime']: \"2025-06-01T08:00:00.123Z\" is 30 days in the past: stored, but check the device's clock unless it sends old readings on purpose",
      ],
      kept: {
        timestamp: "2025-06-01T08:00:00.123Z",
        timestampSource: "device",
        values: [ENERGY_1],
      },
    });
  });

  test("a reading older than the horizon stores nothing and names the horizon", () => {
    const outcome = ingest({
      "dateAndOrTime.dateTime": "1900-01-01T00:00:00Z",
      Quantity: [{ quantity: 1, type: "0" }],
    });
    assert.equal(outcome.record, undefined);
    assert.equal(outcome.feedback?.status, "rejected");
    assert.deepEqual(outcome.feedback?.problems, [
      {
        path: "$['dateAndOrTime.dateTime']",
        reason:
          '"1900-01-01T00:00:00Z" is more than 365 days in the past (the oldest accepted is 2024-07-01T08:00:00.123Z)',
        message:
          "The timestamp is 45,837 days old, older than the hub keeps data (365 days) — is the device's clock set?",
      },
    ]);
  });
});
