import assert from "node:assert/strict";
import { connect, type Socket } from "node:net";
import { join } from "node:path";
import { describe, it, type TestContext } from "node:test";
import Database from "better-sqlite3";
import { DATABASE_FILE } from "../../src/hub.ts";
import type { ExportPage, ExportPageQuery, RecordStore } from "../../src/storage/ports.ts";
import { startTestHub, type TestHub } from "../helpers/hub-harness.ts";
import { waitFor } from "../helpers/wait-for.ts";

const BASE = Date.parse("2026-03-01T00:00:00Z");
const STEP_MS = 3000;
/** Records per page the hub reads (services/records-csv.ts). */
const PAGE = 2000;

/**
 * Counts the export pages the HTTP routes ask the reader thread for, per export (told apart by the
 * range's end), and can hold one page back until the test lets it go.
 */
class ReadSpy {
  private readonly pages = new Map<number, number>();
  private held: { to: number; page: number; reached: () => void; gate: Promise<void> } | undefined;
  private release: () => void = () => {};

  /** Pages asked for so far by the export whose range ends at `to`. */
  pagesOf(to: number): number {
    return this.pages.get(to) ?? 0;
  }

  /** Holds page number `page` (1 = first) of the export ending at `to`; resolves once it is asked for. */
  hold(to: number, page: number): { asked: Promise<void>; release: () => void } {
    let reached: () => void = () => {};
    const asked = new Promise<void>((resolve) => {
      reached = resolve;
    });
    const gate = new Promise<void>((resolve) => {
      this.release = resolve;
    });
    this.held = { to, page, reached, gate };
    return { asked, release: () => this.release() };
  }

  readonly wrap = (store: RecordStore): RecordStore =>
    new Proxy(store, {
      get: (target, property) => {
        if (property === "exportPage") {
          return async (id: string, q: ExportPageQuery): Promise<ExportPage> => {
            const count = this.pagesOf(q.to) + 1;
            this.pages.set(q.to, count);
            const held = this.held;
            if (held && held.to === q.to && held.page === count) {
              held.reached();
              await held.gate;
            }
            return target.exportPage(id, q);
          };
        }
        const value = Reflect.get(target, property);
        return typeof value === "function" ? value.bind(target) : value;
      },
    });
}

/**
 * Writes `count` records (power and voltage, every 3 s from BASE) straight into the hub's database file,
 * generated in SQL: hundreds of thousands of rows in a second or two instead of one statement each.
 */
function insertRecords(hub: TestHub, id: string, count: number): void {
  const db = new Database(join(hub.dataDir, DATABASE_FILE));
  try {
    db.pragma("busy_timeout = 5000");
    const key = db.prepare("SELECT key FROM data_source WHERE id = ?").pluck().get(id) as number;
    const numbers = "WITH RECURSIVE n(i) AS (SELECT 0 UNION ALL SELECT i + 1 FROM n WHERE i + 1 < :count)";
    const args = { key, count, base: BASE, step: STEP_MS };
    db.transaction(() => {
      db.prepare(
        `${numbers} INSERT INTO aiida_record (data_source_key, ts, received_delta, ts_source)
         SELECT :key, :base + i * :step, 0, 1 FROM n`,
      ).run(args);
      // 1-0:1.7.0 (key 9) is (i % 1000) / 10 kW, 1-0:32.7.0 (key 36) is 230 + (i % 7) / 10 V.
      db.prepare(
        `${numbers} INSERT INTO aiida_record_value (data_source_key, ts, obis_key, value, quality)
         SELECT :key, :base + i * :step, 9, (i % 1000) / 10.0, 0 FROM n
         UNION ALL SELECT :key, :base + i * :step, 36, 230 + (i % 7) / 10.0, 0 FROM n`,
      ).run(args);
    })();
  } finally {
    db.close();
  }
}

/** The row the CSV has for record `i` (UTC hub). */
function rowOf(i: number): string {
  const ts = new Date(BASE + i * STEP_MS).toISOString().replace(".000Z", "");
  return `${ts}+00:00,${ts}Z,${(i % 1000) / 10},${230 + (i % 7) / 10}`;
}

/** Starts an export over a raw socket, reads the response head, then stops reading. */
function pausedExport(t: TestContext, hub: TestHub, path: string): Promise<Socket> {
  const socket = connect(hub.running.httpPort, "127.0.0.1");
  t.after(() => socket.destroy());
  return new Promise((resolve, reject) => {
    socket.once("error", reject);
    socket.once("data", (chunk) => {
      socket.pause();
      const head = chunk.toString("latin1");
      if (head.startsWith("HTTP/1.1 200")) resolve(socket);
      else reject(new Error(`the export answered ${head.slice(0, 200)}`));
    });
    socket.write(`GET ${path} HTTP/1.1\r\nhost: 127.0.0.1\r\nauthorization: Bearer ${hub.token}\r\n\r\n`);
  });
}

/** Reads a response body line by line until `enough` holds; fails after 10 s with what arrived. */
async function readUntil(
  reader: ReadableStreamDefaultReader<Uint8Array>,
  state: { text: string },
  enough: (text: string) => boolean,
): Promise<void> {
  const decoder = new TextDecoder();
  const deadline = Date.now() + 10_000;
  while (!enough(state.text)) {
    const timeout = new Promise<"timeout">((resolve) =>
      setTimeout(() => resolve("timeout"), Math.max(0, deadline - Date.now())).unref(),
    );
    const next = await Promise.race([reader.read(), timeout]);
    if (next === "timeout") throw new Error(`only ${lines(state.text)} lines arrived within 10 s`);
    if (next.done) return;
    state.text += decoder.decode(next.value, { stream: true });
  }
}

const lines = (text: string) => text.split("\r\n").length - 1;

describe("records.csv streams", () => {
  it("sends the first pages while later ones are not read yet", async (t) => {
    const spy = new ReadSpy();
    const hub = await startTestHub(t, { config: { timeZone: "UTC" }, hub: { records: spy.wrap } });
    const creds = await hub.createDataSource();
    const count = 10 * PAGE + 7;
    insertRecords(hub, creds.id, count);
    const to = BASE + count * STEP_MS;
    const held = spy.hold(to, 3);
    const url = `${hub.httpUrl}/api/datasources/${creds.id}/records.csv?from=${BASE}&to=${to}`;
    const headers = { authorization: `Bearer ${hub.token}` };

    const head = await fetch(url, { method: "HEAD", headers });
    assert.equal(head.status, 200);
    assert.match(head.headers.get("content-disposition") ?? "", /^attachment; filename="aiida-test-meter-/);
    assert.equal(spy.pagesOf(to), 0, "HEAD reads no records");

    const res = await fetch(url, { headers });
    assert.equal(res.status, 200);
    const reader = (res.body as ReadableStream<Uint8Array>).getReader();
    const state = { text: "" };
    await held.asked;
    // Page 3 has been asked for and is held: the header and two pages must arrive without it.
    await readUntil(reader, state, (text) => lines(text) >= 1 + 2 * PAGE);
    assert.equal(spy.pagesOf(to), 3, "nothing was read past the held page");
    assert.equal(lines(state.text), 1 + 2 * PAGE, "exactly the pages read so far arrived");

    held.release();
    await readUntil(reader, state, () => false);
    const rows = state.text.trimEnd().split("\r\n");
    assert.equal(rows.length, 1 + count);
    assert.equal(rows[1], rowOf(0));
    assert.equal(
      rows[2 * PAGE + 1],
      rowOf(2 * PAGE),
      "the first row of the held page follows the second page",
    );
    assert.equal(rows.at(-1), rowOf(count - 1));
    assert.equal(spy.pagesOf(to), 11, "ten full pages and a short one");
  });

  it("reads no further than a client that stops reading, caps exports at two, and stops reading when the client leaves", async (t) => {
    const spy = new ReadSpy();
    const hub = await startTestHub(t, { config: { timeZone: "UTC" }, hub: { records: spy.wrap } });
    const creds = await hub.createDataSource();
    // ~24 MB of CSV: several times what the kernel's socket buffers take in on loopback (at most ~4 MiB sent
    // plus what the receiver has not read), so a hub that reads ahead of its client would show it.
    const count = 200 * PAGE;
    const totalPages = count / PAGE + 1; // the last full page is followed by an empty one
    insertRecords(hub, creds.id, count);
    const end = BASE + count * STEP_MS;
    const path = (to: number) => `/api/datasources/${creds.id}/records.csv?from=${BASE}&to=${to}`;

    const first = await pausedExport(t, hub, path(end));
    // Settled: the page count stays the same across a later request through the same reader thread.
    let previous = -1;
    const settled = await waitFor(
      async () => {
        await hub.api("GET", `/api/datasources/${creds.id}/records/latest`);
        const now = spy.pagesOf(end);
        const same = now === previous;
        previous = now;
        return same && now > 0 ? now : undefined;
      },
      "the export to stop reading while its client does not read",
      30_000,
    );
    assert.ok(
      settled < totalPages / 2,
      `the hub read ${settled} of ${totalPages} pages for a client that stopped reading after the head`,
    );

    await pausedExport(t, hub, path(end + 1));
    const third = await hub.api("GET", path(end + 2));
    assert.equal(third.status, 429);
    assert.equal(third.headers.get("retry-after"), "5");
    assert.equal(third.headers.get("content-type"), "application/json; charset=utf-8");
    assert.equal(third.headers.get("content-disposition"), null, "an error is no attachment");
    assert.equal(
      third.body.error.message,
      "2 exports are already being downloaded; try again in 5 s, when one has finished.",
    );

    // The first client goes away: its export ends (its slot frees), and it reads nothing more.
    first.destroy();
    const again = await waitFor(async () => {
      const res = await fetch(`${hub.httpUrl}${path(end + 3)}`, {
        headers: { authorization: `Bearer ${hub.token}` },
      });
      if (res.status === 429) {
        await res.body?.cancel();
        return undefined;
      }
      return res;
    }, "the slot of the export whose client left");
    const pagesWhenFreed = spy.pagesOf(end);
    assert.equal(again.status, 200);
    const rows = (await again.text()).trimEnd().split("\r\n");
    assert.equal(rows.length, 1 + count, "the whole range, row by row");
    assert.equal(rows[1], rowOf(0));
    assert.equal(rows.at(-1), rowOf(count - 1));
    assert.equal(spy.pagesOf(end + 3), totalPages);
    assert.equal(spy.pagesOf(end), pagesWhenFreed, "the abandoned export read nothing more");
    assert.ok(pagesWhenFreed < totalPages / 2);
  });
});
