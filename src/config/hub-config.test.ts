import assert from "node:assert/strict";
import { describe, test } from "node:test";
import { ConfigError, loadConfig } from "./hub-config.ts";

describe("--max-past-days", () => {
  test("defaults to the retention days", () => {
    assert.equal(loadConfig({ retentionDays: "90" }, {}).maxPastDays, 90);
    assert.equal(loadConfig({}, {}).maxPastDays, 365);
  });

  test("may be set lower by flag or environment variable, the flag winning", () => {
    assert.equal(loadConfig({}, { AIIDA_HUB_MAX_PAST_DAYS: "30" }).maxPastDays, 30);
    assert.equal(loadConfig({ maxPastDays: "7" }, { AIIDA_HUB_MAX_PAST_DAYS: "30" }).maxPastDays, 7);
  });

  test("may not exceed the retention days: such records would be deleted at once", () => {
    assert.throws(
      () => loadConfig({ maxPastDays: "400" }, { AIIDA_HUB_RETENTION_DAYS: "365" }),
      (err: unknown) =>
        err instanceof ConfigError &&
        err.message ===
          "--max-past-days (400) must not be more than --retention-days (365): the retention job would delete such records at once.",
    );
  });

  test("must be a whole number of days", () => {
    assert.throws(
      () => loadConfig({ maxPastDays: "0" }, {}),
      /--max-past-days must be a whole number from 1/,
    );
  });
});

describe("live stream limits", () => {
  test("default to 100 streams in total and 10 per session", () => {
    const config = loadConfig({}, {});
    assert.deepEqual([config.maxLiveStreams, config.maxLiveStreamsPerSession], [100, 10]);
  });

  test("are read from their flags and environment variables", () => {
    const config = loadConfig(
      { maxLiveStreams: "7" },
      { AIIDA_HUB_MAX_LIVE_STREAMS: "50", AIIDA_HUB_MAX_LIVE_STREAMS_PER_SESSION: "3" },
    );
    assert.deepEqual([config.maxLiveStreams, config.maxLiveStreamsPerSession], [7, 3]);
  });
});
