import assert from "node:assert/strict";
import { join } from "node:path";
import { describe, it } from "node:test";
import { carriedDataTags } from "../../src/cim/carried-data-tags.ts";
import { formatOutboundDocument } from "../../src/cim/format-outbound.ts";
import type { AiidaRecord } from "../../src/domain/aiida-record.ts";
import { SUPPORTED_OUTBOUND_SCHEMAS } from "../../src/domain/data-need.ts";
import { OBIS_CODES, obisByCode } from "../../src/domain/obis-code.ts";
import { toOutboundValue } from "../../src/domain/outbound-record.ts";
import { parseSchedule, type Schedule } from "../../src/platform/schedule.ts";
import { IntervalAggregate } from "../../src/sharing/aggregate.ts";
import { outboxCap } from "../../src/sharing/streaming/outbox-cap.ts";
import type { OutboxEntry } from "../../src/storage/ports.ts";
import { openDatabase } from "../../src/storage/sqlite/open-database.ts";
import { SqliteSharingOutboxStore } from "../../src/storage/sqlite/sharing-outbox-repository.ts";
import { tempDataDir } from "../helpers/hub-harness.ts";

const SOURCE = "7d2b2547-27dd-4fe0-9516-707540e1184f";
const PERMISSION = "70744400-a059-4fc8-ab36-d68b2bb877e1";
const T0 = Date.parse("2026-02-11T15:32:00.000Z");

function record(ms: number, values: Array<[string, number]>): AiidaRecord {
  return {
    dataSourceId: SOURCE,
    timestamp: T0 + ms,
    timestampSource: "device",
    receivedAt: T0 + ms,
    values: values.map(([code, value]) => {
      const obis = obisByCode(code);
      if (obis === undefined) assert.fail(code);
      return { obis, rawTag: code, value, quality: "AS_PROVIDED" };
    }),
  };
}

function schedule(text: string): Schedule {
  const parsed = parseSchedule(text);
  if (!parsed.ok) assert.fail(parsed.reason);
  return parsed.schedule;
}

/** The interval's record by the rule itself, computed the slow way: per wanted code the newest record's value, later wins a tie. */
function expectedInterval(records: readonly AiidaRecord[], dataTags: readonly string[]) {
  const kept = OBIS_CODES.filter((o) => dataTags.length === 0 || dataTags.includes(o.code)).flatMap((o) => {
    let best: { timestamp: number; value: number } | undefined;
    for (const r of records) {
      const v = r.values.find((value) => value.obis.code === o.code);
      if (v !== undefined && (best === undefined || r.timestamp >= best.timestamp))
        best = { timestamp: r.timestamp, value: v.value };
    }
    return best === undefined ? [] : [{ code: o.code, ...best }];
  });
  return {
    timestamp: Math.max(...kept.map((k) => k.timestamp)),
    values: kept.map((k) => [k.code, String(k.value)]),
  };
}

describe("interval aggregate", () => {
  it("folds records as they come into one value per OBIS code, and gives the interval's record", () => {
    const codes = ["1-0:1.7.0", "1-0:2.7.0", "1-0:1.8.0", "1-0:32.7.0"];
    const records: AiidaRecord[] = [];
    // 2,500 records, some at the same instant, some out of order, each with a few of the codes.
    for (let i = 0; i < 2500; i += 1) {
      const at = (i * 7919) % 1300;
      records.push(
        record(
          at,
          codes.filter((_, k) => (i + k) % 3 !== 0).map((c, k) => [c, i * 10 + k]),
        ),
      );
    }
    for (const dataTags of [[], ["1-0:1.7.0", "1-0:1.8.0"]]) {
      const interval = new IntervalAggregate(dataTags);
      for (const r of records) interval.add(r);
      assert.equal(interval.size, dataTags.length === 0 ? codes.length : dataTags.length);
      const taken = interval.take();
      assert.ok(taken);
      assert.deepEqual(
        { timestamp: taken.timestamp, values: taken.values.map((v) => [v.dataTag, v.value]) },
        expectedInterval(records, dataTags),
      );
      assert.equal(interval.take(), undefined, "the next interval starts empty");
    }
  });
});

describe("outbox cap", () => {
  it("holds 7 days of messages at the schedule's fastest rate, within the upper bound", () => {
    assert.equal(outboxCap(schedule("0 */15 * * * *"), 3, 1_000_000), 7 * 96 * 3);
    assert.equal(outboxCap(schedule("*/5 * * * * *"), 3, 1_000_000), 7 * 17_280 * 3);
    assert.equal(outboxCap(schedule("* * * * * *"), 3, 1_000_000), 1_000_000);
    assert.equal(outboxCap(schedule("@monthly"), 2, 1_000_000), 2);
    assert.equal(outboxCap(schedule("0 0 0 30 2 *"), 3, 1_000_000), 3);
  });
});

describe("data tags a document carries", () => {
  it("names exactly the values each schema's document holds", () => {
    const values = OBIS_CODES.filter((o) => o.code !== "0-0:0.0.0").map((o, i) =>
      toOutboundValue({ obis: o, rawTag: o.code, value: i + 1, quality: "AS_PROVIDED" }),
    );
    for (const schema of SUPPORTED_OUTBOUND_SCHEMAS) {
      const text = formatOutboundDocument(schema, {
        record: { dataSourceId: SOURCE, timestamp: T0, values },
        permission: { permissionId: PERMISSION, connectionId: "1", dataNeedId: "n", aiidaId: "a" },
        dataSource: { id: SOURCE, asset: "SUBMETER", countryCode: "AT", meterId: null, operatorId: null },
        now: T0,
        newMrid: () => "m",
      });
      const document = JSON.parse(text ?? "{}");
      const carried =
        schema === "SMART-METER-P1-RAW"
          ? document.values.length
          : document.MarketDocument.TimeSeries[0].Quantity.length;
      assert.equal(carriedDataTags(schema, values).length, carried, schema);
    }
  });
});

describe("sharing outbox store", () => {
  const entry = (kind: "data" | "status", payload: string): OutboxEntry => ({
    permissionId: PERMISSION,
    kind,
    channel: kind === "data" ? "SMART-METER-P1-RAW" : "status",
    topic: "t",
    payload,
    retain: kind === "status",
    dataTags: kind === "data" ? ["1-0:1.7.0"] : [],
    createdAt: T0,
  });

  it("drops the oldest data messages beyond the cap, never one in flight nor a status message", async (t) => {
    const db = openDatabase(join(tempDataDir(t), "hub.sqlite"));
    t.after(() => db.close());
    const store = new SqliteSharingOutboxStore(db);
    await store.append([
      {
        permissionId: PERMISSION,
        entries: [entry("data", "a"), entry("data", "b")],
        maxDataMessages: 3,
        inFlight: [],
      },
    ]);
    const [first] = await store.next(PERMISSION, 1, true);
    await store.append([
      {
        permissionId: PERMISSION,
        entries: [entry("data", "c"), entry("data", "d"), entry("data", "e")],
        maxDataMessages: 3,
        inFlight: [first?.id ?? 0],
      },
    ]);
    assert.deepEqual(
      (await store.next(PERMISSION, 10, true)).map((m) => m.payload),
      ["a", "d", "e"],
    );
    assert.equal((await store.state(PERMISSION))?.droppedOldest, 2);
    assert.equal((await store.state(PERMISSION))?.dataMessages, 3);

    assert.equal(await store.beginFinish(PERMISSION, "REVOKED", entry("status", "s"), false), true);
    assert.equal(await store.beginFinish(PERMISSION, "REVOKED", entry("status", "s2"), false), false);
    assert.deepEqual(
      (await store.next(PERMISSION, 10, false)).map((m) => m.payload),
      ["s"],
    );
    assert.deepEqual(await store.finishingPermissionIds(), [PERMISSION]);

    await store.delivered([
      { id: first?.id ?? 0, sentAt: T0 + 1 },
      { id: first?.id ?? 0, sentAt: T0 + 2 },
    ]);
    assert.deepEqual(await store.sentValues(PERMISSION), [
      {
        schema: "SMART-METER-P1-RAW",
        obisCode: "1-0:1.7.0",
        values: 1,
        firstSentAt: T0 + 1,
        lastSentAt: T0 + 1,
      },
    ]);
    assert.equal(await store.finish(PERMISSION, T0 + 3), 3);
    const state = await store.state(PERMISSION);
    assert.deepEqual(
      [state?.dataMessages, state?.statusMessages, state?.discardedAtEnd, state?.finishedAt],
      [0, 0, 3, T0 + 3],
    );
    assert.deepEqual(await store.finishingPermissionIds(), []);
  });
});
