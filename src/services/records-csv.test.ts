import assert from "node:assert/strict";
import { describe, it } from "node:test";
import { LocalTimes } from "../platform/local-time.ts";
import type { ExportPage, ExportPageQuery, RecordStore } from "../storage/ports.ts";
import { recordsCsv } from "./records-csv.ts";

const SOURCE = { id: "3f1c2b9a-0d4e-4f5a-9b6c-7d8e9f0a1b2c" };
const VOLTAGE = "1-0:32.7.0";
const POWER = "1-0:1.7.0";

/** A record store over rows kept here: [ts, { obis code: value }]; it counts the pages asked for. */
function fakeStore(rows: ReadonlyArray<readonly [number, Readonly<Record<string, number>>]>) {
  const pages: ExportPageQuery[] = [];
  const store = {
    async quantitiesIn(_id: string, from: number, to: number) {
      const codes = new Set(rows.filter(([ts]) => ts >= from && ts < to).flatMap(([, v]) => Object.keys(v)));
      return [POWER, VOLTAGE].filter((c) => codes.has(c));
    },
    async exportPage(_id: string, q: ExportPageQuery): Promise<ExportPage> {
      pages.push(q);
      const chosen = rows.filter(([ts]) => ts >= q.from && ts < q.to).slice(0, q.limit);
      return {
        timestamps: Float64Array.from(chosen.map(([ts]) => ts)),
        values: Float64Array.from(chosen.flatMap(([, v]) => q.columns.map((c) => v[c] ?? Number.NaN))),
      };
    },
  } as unknown as RecordStore;
  return { store, pages };
}

const at = (iso: string) => Date.parse(iso);

/** All chunks of an export joined (Array.fromAsync needs Node 22). */
async function text(chunks: AsyncIterable<string>): Promise<string> {
  let all = "";
  for await (const chunk of chunks) all += chunk;
  return all;
}

describe("CSV of raw records", () => {
  it("has local and UTC time columns, plain headings with unit and OBIS code, and noise-free numbers", async () => {
    const { store } = fakeStore([
      [at("2026-03-29T00:59:57Z"), { [POWER]: 0.1 + 0.2, [VOLTAGE]: 235.85000000000002 }],
      [at("2026-03-29T01:00:00Z"), { [POWER]: 1.5 }],
      [at("2026-03-29T01:00:03.250Z"), { [VOLTAGE]: 230 }],
    ]);
    const csv = await recordsCsv(
      store,
      SOURCE,
      { from: at("2026-03-28T23:00:00Z"), to: at("2026-03-29T22:00:00Z") },
      new LocalTimes("Europe/Vienna"),
    );
    assert.deepEqual(csv.columns, [POWER, VOLTAGE]);
    const all = await text(csv.chunks);
    assert.equal(
      all,
      [
        "Local time (Europe/Vienna),UTC time,Instantaneous active power consumption (kW) [1-0:1.7.0],Instantaneous voltage in phase L1 (V) [1-0:32.7.0]",
        "2026-03-29T01:59:57+01:00,2026-03-29T00:59:57Z,0.3,235.85",
        "2026-03-29T03:00:00+02:00,2026-03-29T01:00:00Z,1.5,",
        "2026-03-29T03:00:03.250+02:00,2026-03-29T01:00:03.250Z,,230",
        "",
      ].join("\r\n"),
    );
  });

  it("a range without records is the header alone, with the two time columns", async () => {
    const { store, pages } = fakeStore([]);
    const csv = await recordsCsv(store, SOURCE, { from: 0, to: 1000 }, new LocalTimes("UTC"));
    assert.equal(await text(csv.chunks), "Local time (UTC),UTC time\r\n");
    assert.equal(pages.length, 1);
  });

  it("reads page after page, each starting after the last record of the one before, until a short page", async () => {
    const rows = Array.from({ length: 7 }, (_, i) => [1000 + i, { [POWER]: i }] as const);
    const { store, pages } = fakeStore(rows);
    const csv = await recordsCsv(store, SOURCE, { from: 1000, to: 2000 }, new LocalTimes("UTC"), 3);
    const lines = (await text(csv.chunks)).trimEnd().split("\r\n");
    assert.deepEqual(
      lines.slice(1).map((line) => line.split(",")[2]),
      ["0", "1", "2", "3", "4", "5", "6"],
    );
    assert.deepEqual(
      pages.map((p) => [p.from, p.limit]),
      [
        [1000, 3],
        [1003, 3],
        [1006, 3],
      ],
    );
  });

  it("a full last page costs one more read, which finds nothing", async () => {
    const rows = Array.from({ length: 6 }, (_, i) => [1000 + i, { [POWER]: i }] as const);
    const { store, pages } = fakeStore(rows);
    const csv = await recordsCsv(store, SOURCE, { from: 1000, to: 2000 }, new LocalTimes("UTC"), 3);
    const lines = (await text(csv.chunks)).trimEnd().split("\r\n");
    assert.equal(lines.length, 7);
    assert.equal(pages.length, 3);
  });

  it("reads a page only when the next chunk is asked for, and no more once the reader stops", async () => {
    const rows = Array.from({ length: 100 }, (_, i) => [1000 + i, { [POWER]: i }] as const);
    const { store, pages } = fakeStore(rows);
    const csv = await recordsCsv(store, SOURCE, { from: 1000, to: 2000 }, new LocalTimes("UTC"), 10);
    assert.equal(pages.length, 0, "nothing is read before the first chunk is asked for");
    await csv.chunks.next(); // the header
    assert.equal(pages.length, 0, "the header needs no page");
    await csv.chunks.next();
    await csv.chunks.next();
    assert.equal(pages.length, 2, "one page per chunk");
    await csv.chunks.return();
    assert.deepEqual(await csv.chunks.next(), { done: true, value: undefined });
    assert.equal(pages.length, 2, "no page after the reader stopped");
  });
});
