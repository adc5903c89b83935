import assert from "node:assert/strict";
import { describe, it } from "node:test";
import type { AiidaRecord } from "../../src/domain/aiida-record.ts";
import { decimalText } from "../../src/domain/decimal-text.ts";
import { obisByCode } from "../../src/domain/obis-code.ts";
import { toOutboundValue } from "../../src/domain/outbound-record.ts";
import { aggregateInterval } from "../../src/sharing/aggregate.ts";
import { buildStatusMessage, statusMessageFor } from "../../src/sharing/status-message.ts";
import { fixture } from "../helpers/fixtures.ts";

const SOURCE = "7d2b2547-27dd-4fe0-9516-707540e1184f";
const T0 = Date.parse("2026-02-11T15:32:00.000Z");

/** A stored record at T0 + `seconds` with values given as [OBIS code, number]. */
function record(seconds: number, ...values: Array<[string, number]>): AiidaRecord {
  return {
    dataSourceId: SOURCE,
    timestamp: T0 + seconds * 1000,
    timestampSource: "device",
    receivedAt: T0 + seconds * 1000 + 40,
    values: values.map(([code, value]) => {
      const obis = obisByCode(code);
      if (obis === undefined) assert.fail(code);
      return { obis, rawTag: `tag ${code}`, value, quality: "AS_PROVIDED" };
    }),
  };
}

function summary(records: AiidaRecord[], dataTags: string[] = []) {
  const merged = aggregateInterval(records, dataTags);
  return merged === undefined
    ? undefined
    : { at: (merged.timestamp - T0) / 1000, values: merged.values.map((v) => `${v.dataTag}=${v.value}`) };
}

describe("aggregateInterval", () => {
  it("keeps, per OBIS code, the value of the newest record that has it, in catalogue order", () => {
    const records = [
      record(0, ["1-0:1.7.0", 1], ["1-0:1.8.0", 100]),
      record(5, ["1-0:1.7.0", 2]),
      record(10, ["1-0:2.7.0", 0.5], ["1-0:1.7.0", 3]),
    ];
    assert.deepEqual(summary(records), { at: 10, values: ["1-0:1.8.0=100", "1-0:1.7.0=3", "1-0:2.7.0=0.5"] });
  });

  it("goes by the device timestamp, not by arrival: a late record of an earlier instant does not win", () => {
    const records = [record(10, ["1-0:1.7.0", 3]), record(2, ["1-0:1.7.0", 1], ["1-0:1.8.0", 100])];
    assert.deepEqual(summary(records), { at: 10, values: ["1-0:1.8.0=100", "1-0:1.7.0=3"] });
  });

  it("lets the later record in the buffer win a tie", () => {
    assert.deepEqual(summary([record(4, ["1-0:1.7.0", 1]), record(4, ["1-0:1.7.0", 2])]), {
      at: 4,
      values: ["1-0:1.7.0=2"],
    });
  });

  it("drops values not in dataTags and dates the record by the newest record that still gave a value", () => {
    const records = [record(0, ["1-0:1.8.0", 100], ["1-0:1.7.0", 1]), record(9, ["1-0:32.7.0", 230])];
    assert.deepEqual(summary(records, ["1-0:1.8.0", "1-0:1.7.0"]), {
      at: 0,
      values: ["1-0:1.8.0=100", "1-0:1.7.0=1"],
    });
  });

  it("sends nothing when nothing is left: no records, or no wanted value", () => {
    assert.equal(aggregateInterval([], []), undefined);
    assert.equal(aggregateInterval([record(0, ["1-0:32.7.0", 230])], ["1-0:1.8.0"]), undefined);
    assert.equal(aggregateInterval([record(0)], []), undefined);
  });

  it("refuses to merge records of different data sources", () => {
    const other = { ...record(1, ["1-0:1.7.0", 1]), dataSourceId: "other" };
    assert.throws(() => aggregateInterval([record(0, ["1-0:1.7.0", 1]), other], []), /cannot be merged/);
  });

  it("shares a stored value as AIIDA does: OBIS code as data tag, decimal text, the OBIS unit, its quality", () => {
    const stored = record(0, ["1-0:1.8.0", 65238.377]).values[0];
    assert.ok(stored);
    assert.deepEqual(toOutboundValue({ ...stored, quality: "ESTIMATED" }), {
      dataTag: "1-0:1.8.0",
      rawTag: "tag 1-0:1.8.0",
      value: "65238.377",
      unitOfMeasurement: "kWh",
      rawValue: "65238.377",
      rawUnitOfMeasurement: "kWh",
      quality: "ESTIMATED",
    });
  });
});

describe("decimalText", () => {
  it("writes numbers as plain decimals, never with an exponent", () => {
    const cases: Array<[number, string]> = [
      [0, "0"],
      [-0, "0"],
      [1130, "1130"],
      [0.132, "0.132"],
      [-2.5, "-2.5"],
      [1e-7, "0.0000001"],
      [-1.25e-8, "-0.0000000125"],
      [1e21, "1000000000000000000000"],
      [1.5e22, "15000000000000000000000"],
      [123456789012345680000, "123456789012345680000"],
    ];
    for (const [value, text] of cases) {
      assert.equal(decimalText(value), text, String(value));
      assert.equal(Number(text), value === 0 ? 0 : value);
    }
    assert.throws(() => decimalText(Number.NaN), RangeError);
  });
});

describe("status messages", () => {
  it("match AIIDA's AiidaConnectionStatusMessageDto, the timestamp an ISO instant in UTC", () => {
    const vector = fixture("sharing/status-message.revoked.json");
    const message = buildStatusMessage(
      {
        connectionId: String(vector.connectionId),
        dataNeedId: String(vector.dataNeedId),
        permissionId: String(vector.permissionId),
        eddieId: String(vector.eddieId),
      },
      "REVOKED",
      Date.parse(String(vector.timestamp)),
    );
    assert.deepEqual(Object.keys(message), Object.keys(vector));
    assert.deepEqual({ ...message, timestamp: undefined }, { ...vector, timestamp: undefined });
    // Java writes microseconds, JavaScript milliseconds: the same instant to the millisecond.
    assert.equal(message.timestamp, "2026-02-12T08:15:03.417Z");
    assert.equal(Date.parse(message.timestamp), Date.parse(String(vector.timestamp)));
  });

  it("are sent for revoked, fulfilled and terminated permissions only", () => {
    assert.equal(statusMessageFor("REVOKED"), "REVOKED");
    assert.equal(statusMessageFor("FULFILLED"), "FULFILLED");
    assert.equal(statusMessageFor("TERMINATED"), "EXTERNALLY_TERMINATED");
    for (const status of ["REJECTED", "UNFULFILLABLE", "FAILED_TO_START", "STREAMING_DATA"] as const) {
      assert.equal(statusMessageFor(status), undefined, status);
    }
  });
});
