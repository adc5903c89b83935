import assert from "node:assert/strict";
import { describe, it } from "node:test";
import { clip, createLogger } from "./logger.ts";

/** A logger whose lines the test reads back. */
function recordingLogger(level: "debug" | "info" = "info") {
  const lines: string[] = [];
  return { logger: createLogger(level, (line) => lines.push(line)), lines };
}

describe("logger", () => {
  it("writes one JSON object per event: level, time, message and fields", () => {
    const { logger, lines } = recordingLogger();
    logger.info("device connected", { dataSource: "abc", count: 3 });
    assert.equal(lines.length, 1);
    const entry = JSON.parse(lines[0] ?? "");
    assert.equal(entry.level, "info");
    assert.equal(entry.msg, "device connected");
    assert.equal(entry.dataSource, "abc");
    assert.equal(entry.count, 3);
    assert.ok(!Number.isNaN(Date.parse(entry.time)), `an ISO time: ${entry.time}`);
  });

  it("keeps a field with line breaks and quotes inside its own line", () => {
    const { logger, lines } = recordingLogger();
    const forged = 'x\n{"level":"error","msg":"forged"}\r\n';
    logger.warn("publish refused", { topic: forged });
    assert.equal(lines.length, 1);
    assert.ok(!lines[0]?.includes("\n"));
    assert.equal(JSON.parse(lines[0] ?? "").topic, forged);
  });

  it("drops events below the level", () => {
    const { logger, lines } = recordingLogger("info");
    logger.debug("noise");
    logger.error("failure", { error: "disk full" });
    assert.deepEqual(
      lines.map((l) => JSON.parse(l).level),
      ["error"],
    );
  });

  it("cuts every long string field, noting its length", () => {
    const { logger, lines } = recordingLogger();
    logger.error("request failed", { url: `/${"a".repeat(70_000)}` });
    const url: string = JSON.parse(lines[0] ?? "").url;
    assert.ok(url.length < 1100, `cut to ${url.length} chars`);
    assert.match(url, /70001 chars/);
  });
});

describe("clip", () => {
  it("leaves short text alone and cuts long text to the limit, noting the original length", () => {
    assert.equal(clip("short", 10), "short");
    const cut = clip("x".repeat(65_535), 64);
    assert.equal(cut, `${"x".repeat(64)}…(65535 chars)`);
  });
});
