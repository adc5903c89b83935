import assert from "node:assert/strict";
import { describe, it } from "node:test";
import { documentPermissionId } from "../../src/cim/document-permission-id.ts";
import { formatOutboundDocument } from "../../src/cim/format-outbound.ts";
import { buildRawRecord } from "../../src/cim/format-raw.ts";
import { buildRtdV104 } from "../../src/cim/format-rtd-v104.ts";
import { buildRtdV112 } from "../../src/cim/format-rtd-v112.ts";
import type { OutboundDocumentInput } from "../../src/cim/outbound-document-input.ts";
import { type OutboundSchema, SUPPORTED_OUTBOUND_SCHEMAS } from "../../src/domain/data-need.ts";
import { ASSETS, type Asset } from "../../src/domain/data-source.ts";
import { OBIS_CODES } from "../../src/domain/obis-code.ts";
import type { OutboundValue } from "../../src/domain/outbound-record.ts";
import { outboundDataTopic } from "../../src/domain/sharing-topics.ts";
import { fixture } from "../helpers/fixtures.ts";

type Json = Record<string, any>;

const PERMISSION_ID = "70744400-a059-4fc8-ab36-d68b2bb877e1";
const DATA_SOURCE_ID = "7d2b2547-27dd-4fe0-9516-707540e1184f";
const MRID = "bfc16eda-4f05-4711-b319-af17ec0ce6d5";

function value(dataTag: string, text: string, rawTag = dataTag, quality?: string): OutboundValue {
  const unit = OBIS_CODES.find((o) => o.code === dataTag)?.unit ?? "unknown";
  const base = {
    dataTag,
    rawTag,
    value: text,
    unitOfMeasurement: unit,
    rawValue: text,
    rawUnitOfMeasurement: unit,
  };
  return quality === undefined ? base : { ...base, quality };
}

/** The input the CIM vectors were made from: a CIM v1.12 data source in Austria. */
function cimInput(
  values: OutboundValue[],
  changes: Partial<OutboundDocumentInput> = {},
): OutboundDocumentInput {
  return {
    record: { dataSourceId: DATA_SOURCE_ID, timestamp: Date.parse("2026-02-11T15:32:24.871Z"), values },
    permission: {
      permissionId: PERMISSION_ID,
      connectionId: "1",
      dataNeedId: "5dc71d7e-e8cd-4403-a3a8-d3c095c97a84",
      aiidaId: "88e0fc2c-4ea7-4850-a736-8b9742757518",
    },
    dataSource: {
      id: DATA_SOURCE_ID,
      asset: "CONNECTION-AGREEMENT-POINT",
      countryCode: "AT",
      meterId: "003114735",
      operatorId: "AT003000",
    },
    now: Date.parse("2026-02-11T15:32:25.999Z"),
    newMrid: () => MRID,
    ...changes,
  };
}

const VECTOR_VALUES = [
  value("1-0:1.7.0", "0.132", "INSTANTANEOUS_ACTIVE_POWER_CONSUMPTION_KW"),
  value("1-0:1.8.0", "65238.377", "TOTAL_ACTIVE_ENERGY_CONSUMED_KWH"),
];

/** The input the RAW vectors were made from: AIIDA's SchemaTest record. */
function rawInput(vector: Json): OutboundDocumentInput {
  return {
    record: {
      dataSourceId: vector.dataSourceId,
      timestamp: Date.parse(vector.timestamp),
      values: vector.values.map((v: Json) => ({
        dataTag: v.dataTag,
        rawTag: v.rawTag,
        value: v.value,
        unitOfMeasurement: v.unitOfMeasurement,
        rawValue: v.rawValue,
        rawUnitOfMeasurement: v.rawUnitOfMeasurement,
      })),
    },
    permission: {
      permissionId: vector.permissionId,
      connectionId: "1",
      dataNeedId: "d",
      aiidaId: "a",
      userId: vector.userId,
    },
    dataSource: {
      id: vector.dataSourceId,
      asset: vector.asset,
      countryCode: "AT",
      meterId: vector.meterId,
      operatorId: vector.operatorId,
    },
    now: 0,
    newMrid: () => MRID,
  };
}

describe("RAW documents (SMART-METER-P1-RAW)", () => {
  it("match AIIDA's expected RAW records byte for byte", () => {
    for (const name of ["raw_record.at.json", "raw_record.fr.json"]) {
      const vector = fixture(`sharing/${name}`);
      assert.equal(
        formatOutboundDocument("SMART-METER-P1-RAW", rawInput(vector)),
        JSON.stringify(vector),
        name,
      );
    }
  });

  it("write absent user, meter and operator as null and every value, whatever its OBIS code", () => {
    const input = cimInput([value("1-0:9.7.0", "1.5"), value("0-0:96.1.0", "Device123")], {
      dataSource: {
        id: DATA_SOURCE_ID,
        asset: "SUBMETER",
        countryCode: "MT",
        meterId: null,
        operatorId: null,
      },
    });
    const raw = buildRawRecord(input);
    assert.equal(raw?.userId, null);
    assert.equal(raw?.meterId, null);
    assert.equal(raw?.operatorId, null);
    assert.deepEqual(
      raw?.values.map((v) => v.dataTag),
      ["1-0:9.7.0", "0-0:96.1.0"],
    );
    assert.equal(raw?.timestamp, "2026-02-11T15:32:24.871Z");
  });
});

describe("CIM v1.12 documents (SMART-METER-P1-CIM-V1-12)", () => {
  it("match the envelope of AIIDA's documentation byte for byte, dates cut to whole seconds", () => {
    const vector = fixture("sharing/rtd-envelope-v1.12.docs.json");
    assert.equal(
      formatOutboundDocument("SMART-METER-P1-CIM-V1-12", cimInput(VECTOR_VALUES)),
      JSON.stringify(vector),
    );
  });

  it("carry only OBIS codes with a v1.12 type, INCOMPLETE for a value that is not a number, quality names, the device id as resource", () => {
    const doc = buildRtdV112(
      cimInput([
        value("1-0:9.7.0", "2.5"), // apparent power: no v1.12 type
        value("1-0:14.7.0", "50.01"),
        value("1-0:21.7.0", "n/a"),
        // Number() would read these two (16 and 7), but they are not decimal text.
        value("1-0:22.8.0", "0x10"),
        value("1-0:41.7.0", " 7 "),
        value("0-0:96.1.0", "Device123"),
        value("1-0:2.8.0", "1E+3", "TOTAL_ACTIVE_ENERGY_PRODUCED_KWH", "ESTIMATED"),
        value("1-0:1.7.0", "0.2", "x", "A06"), // a quality code is written as its name
      ]),
    );
    const series = doc?.MarketDocument.TimeSeries[0];
    assert.deepEqual(series?.Quantity, [
      { quantity: 50.01, type: "35", quality: "AS_PROVIDED" },
      { quality: "INCOMPLETE" },
      { quality: "INCOMPLETE" },
      { quality: "INCOMPLETE" },
      { quantity: 1000, type: "1", quality: "ESTIMATED" },
      { quantity: 0.2, type: "2", quality: "CALCULATED" },
    ]);
    assert.deepEqual(series?.["registeredResource.mRID"], { value: "Device123", codingScheme: "NAT" });
  });

  it("leave out what is unknown instead of writing null: Malta's coding scheme, meter and operator ids", () => {
    const doc = buildRtdV112(
      cimInput(VECTOR_VALUES, {
        dataSource: {
          id: DATA_SOURCE_ID,
          asset: "SUBMETER",
          countryCode: "MT",
          meterId: null,
          operatorId: null,
        },
      }),
    );
    assert.deepEqual(doc?.MessageDocumentHeader.MetaInformation.Asset, { type: "SUBMETER" });
    assert.equal(doc?.MessageDocumentHeader.MetaInformation.regionCountry, "MT");
    assert.deepEqual(doc?.MarketDocument.TimeSeries[0]["registeredResource.mRID"], { value: DATA_SOURCE_ID });
    assert.doesNotMatch(JSON.stringify(doc), /null/);
  });

  it("are not made at all when no value has a v1.12 type", () => {
    assert.equal(
      buildRtdV112(cimInput([value("0-0:96.1.0", "Device123"), value("1-0:9.7.0", "1")])),
      undefined,
    );
    assert.equal(formatOutboundDocument("SMART-METER-P1-CIM-V1-12", cimInput([])), undefined);
  });

  it("take a new mRID for every document", () => {
    let n = 0;
    const input = cimInput(VECTOR_VALUES, { newMrid: () => `mrid-${++n}` });
    assert.equal(buildRtdV112(input)?.MarketDocument.mRID, "mrid-1");
    assert.equal(buildRtdV112(input)?.MarketDocument.mRID, "mrid-2");
  });
});

describe("CIM v1.04 documents (SMART-METER-P1-CIM-V1-04)", () => {
  it("match the flat envelope built from AIIDA's v1.04 strategy byte for byte", () => {
    const vector = fixture("sharing/rtd-envelope-v1.04.json");
    assert.equal(
      formatOutboundDocument("SMART-METER-P1-CIM-V1-04", cimInput(VECTOR_VALUES)),
      JSON.stringify(vector),
    );
  });

  it("carry only the 11 OBIS codes of v1.04, NOT_AVAILABLE for a value that is not a number", () => {
    const doc = buildRtdV104(
      cimInput([
        value("1-0:14.7.0", "50"), // frequency: v1.12 only
        value("1-0:21.7.0", "0.4"), // per-phase power: v1.12 only
        value("1-0:13.7.0", "0.97"),
        value("1-0:71.7.0", "--"),
        value("1-0:2.7.0", "0.5", "x", "TEMPORARY"),
      ]),
    );
    assert.deepEqual(doc?.MarketDocument.TimeSeries[0].Quantity, [
      { quantity: 0.97, type: "10", quality: "AS_PROVIDED" },
      { quality: "NOT_AVAILABLE" },
      { quantity: 0.5, type: "3", quality: "ESTIMATED" }, // v1.04 has no TEMPORARY
    ]);
    assert.equal(buildRtdV104(cimInput([value("1-0:14.7.0", "50")])), undefined);
  });
});

describe("every outbound document", () => {
  it("refuses a permission id that is not canonical and a record of another data source", () => {
    for (const schema of SUPPORTED_OUTBOUND_SCHEMAS) {
      const input = cimInput(VECTOR_VALUES);
      assert.throws(
        () =>
          formatOutboundDocument(schema, {
            ...input,
            permission: { ...input.permission, permissionId: PERMISSION_ID.toUpperCase() },
          }),
        /not a canonical UUID/,
      );
      assert.throws(
        () =>
          formatOutboundDocument(schema, { ...input, record: { ...input.record, dataSourceId: "other" } }),
        /the record is of data source other/,
      );
    }
  });

  it("carries the topic's permission id where EDDIE reads it, and nowhere else (200 random documents per schema)", () => {
    const random = seededRandom(20260211);
    const where: Record<OutboundSchema, string> = {
      "SMART-METER-P1-RAW": "$.permissionId",
      "SMART-METER-P1-CIM-V1-04": "$['messageDocumentHeader.metaInformation.permissionId']",
      "SMART-METER-P1-CIM-V1-12": "$.MessageDocumentHeader.MetaInformation.requestPermissionId",
    };
    for (let i = 0; i < 200; i += 1) {
      const input = randomInput(random);
      const permissionId = input.permission.permissionId;
      for (const schema of SUPPORTED_OUTBOUND_SCHEMAS) {
        const text = formatOutboundDocument(schema, input);
        if (text === undefined) continue;
        const document: unknown = JSON.parse(text);
        const topic = outboundDataTopic(permissionId, schema);
        assert.equal(topic.split("/")[2], permissionId);
        assert.equal(documentPermissionId(schema, document), permissionId, `${schema} #${i}`);
        assert.deepEqual(pathsHolding(document, permissionId), [where[schema]], `${schema} #${i}`);
      }
    }
  });
});

/** A small deterministic generator (mulberry32), so a failure can be replayed. */
function seededRandom(seed: number): () => number {
  let state = seed;
  return () => {
    state = (state + 0x6d2b79f5) | 0;
    let t = Math.imul(state ^ (state >>> 15), 1 | state);
    t = (t + Math.imul(t ^ (t >>> 7), 61 | t)) ^ t;
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

function randomUuid(random: () => number): string {
  const hex = Array.from({ length: 32 }, () => Math.floor(random() * 16).toString(16)).join("");
  return `${hex.slice(0, 8)}-${hex.slice(8, 12)}-4${hex.slice(13, 16)}-a${hex.slice(17, 20)}-${hex.slice(20)}`;
}

function pick<T>(random: () => number, items: readonly T[]): T {
  return items[Math.floor(random() * items.length)] as T;
}

function randomInput(random: () => number): OutboundDocumentInput {
  const dataSourceId = randomUuid(random);
  const count = 1 + Math.floor(random() * 6);
  const values = Array.from({ length: count }, () => {
    const obis = pick(random, OBIS_CODES);
    return value(obis.code, random() < 0.1 ? "n/a" : String(Math.round(random() * 1e6) / 1000));
  });
  return {
    record: { dataSourceId, timestamp: Math.floor(random() * 2e12), values },
    permission: {
      permissionId: randomUuid(random),
      connectionId: String(Math.floor(random() * 100)),
      dataNeedId: randomUuid(random),
      aiidaId: randomUuid(random),
      userId: randomUuid(random),
    },
    dataSource: {
      id: dataSourceId,
      asset: pick<Asset>(random, ASSETS),
      countryCode: pick(random, ["AT", "DE", "MT", "FR"]),
      meterId: random() < 0.5 ? null : randomUuid(random),
      operatorId: random() < 0.5 ? null : "AT003000",
    },
    now: Math.floor(random() * 2e12),
    newMrid: () => randomUuid(random),
  };
}

/** JSON paths of every string in `document` equal to `text`. */
function pathsHolding(document: unknown, text: string, path = "$"): string[] {
  if (document === text) return [path];
  if (Array.isArray(document))
    return document.flatMap((item, i) => pathsHolding(item, text, `${path}[${i}]`));
  if (typeof document === "object" && document !== null) {
    return Object.entries(document).flatMap(([key, item]) =>
      pathsHolding(item, text, /^[A-Za-z_]\w*$/.test(key) ? `${path}.${key}` : `${path}['${key}']`),
    );
  }
  return [];
}
