import assert from "node:assert/strict";
import { Readable } from "node:stream";
import { describe, it } from "node:test";
import type { SourceEvent } from "../../src/device/meter-reading.ts";
import { createReplaySource, parseReplayLine } from "../../src/device/replay-source.ts";

const NOW = Date.UTC(2025, 0, 1);

describe("replay lines", () => {
  it("reads the simple form with a quantity list", () => {
    assert.deepEqual(
      parseReplayLine(
        '{"timestamp":"2025-07-01T07:43:59Z","quantities":[{"type":3,"quantity":1.5},{"type":"0","quantity":"12.5"}]}',
        NOW,
      ),
      {
        timestamp: Date.UTC(2025, 6, 1, 7, 43, 59),
        quantities: [
          { type: 0, quantity: 12.5 },
          { type: 3, quantity: 1.5 },
        ],
      },
    );
  });

  it("reads the simple form with a type → quantity object and epoch milliseconds", () => {
    assert.deepEqual(parseReplayLine('{"timestamp":1751355839000,"quantities":{"2":0.42}}', NOW), {
      timestamp: 1751355839000,
      quantities: [{ type: 2, quantity: 0.42 }],
    });
  });

  it("reads a CIM TimeSeries in the dotted spelling, keeping its time and quality", () => {
    const line = JSON.stringify({
      version: "1.0",
      "dateAndOrTime.dateTime": "2025-07-01T09:43:59+02:00",
      Quantity: [{ quantity: 1750, type: "2", quality: "ESTIMATED" }],
    });
    assert.deepEqual(parseReplayLine(line, NOW), {
      timestamp: Date.UTC(2025, 6, 1, 7, 43, 59),
      quantities: [{ type: 2, quantity: 1750, quality: "ESTIMATED" }],
    });
  });

  it("uses the time it was read when a line has none", () => {
    assert.equal(parseReplayLine('{"quantities":{"2":1}}', NOW).timestamp, NOW);
  });

  const bad = [
    { line: "not json", why: /not valid JSON/ },
    { line: "[1]", why: /not a JSON object/ },
    { line: '{"timestamp":"2025-07-01T07:43:59","quantities":{"2":1}}', why: /with a zone/ },
    { line: '{"quantities":{"36":1}}', why: /type "36" is not a CIM quantity type/ },
    { line: '{"quantities":{"2":"many"}}', why: /quantity of type 2 is not a number/ },
    { line: '{"quantities":[]}', why: /no quantities/ },
    {
      line: '{"quantities":[{"type":2,"quantity":1},{"type":2,"quantity":2}]}',
      why: /two values were mapped to quantity type 2/,
    },
  ];
  for (const b of bad) {
    it(`refuses ${b.line}`, () => {
      assert.throws(() => parseReplayLine(b.line, NOW), b.why);
    });
  }

  it("yields a reading per line, a numbered failure for a bad line, and ends at the end of input", async () => {
    const input = Readable.from(['{"quantities":{"2":1}}\n', "\n", "oops\n", '{"quantities":{"2":2}}\n']);
    const source = createReplaySource("-", input);
    const events: SourceEvent[] = [];
    for await (const event of source.events(new AbortController().signal)) events.push(event);
    assert.deepEqual(
      events.map((e) => (e.kind === "reading" ? e.reading.quantities[0]?.quantity : e.message)),
      [1, "line 3: not valid JSON", 2],
    );
  });

  it("reports a missing file as a read failure instead of crashing", async () => {
    const source = createReplaySource("/nonexistent/readings.jsonl");
    const events: SourceEvent[] = [];
    for await (const event of source.events(new AbortController().signal)) events.push(event);
    assert.equal(events.length, 1);
    assert.match(
      events[0]?.kind === "read-failed" ? events[0].message : "",
      /cannot read \/nonexistent\/readings\.jsonl/,
    );
  });
});
