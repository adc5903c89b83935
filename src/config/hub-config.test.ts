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

describe("TLS settings", () => {
  test("are off by default, with MQTTS on 8883, HTTPS on 8443 and no public hosts", () => {
    const config = loadConfig({}, {});
    assert.deepEqual(
      [config.tls, config.mqttsPort, config.httpsPort, config.tlsCert, config.publicHosts],
      [false, 8883, 8443, undefined, []],
    );
  });

  test("--tls is a switch; its variable reads true or false", () => {
    assert.equal(loadConfig({ tls: "true" }, {}).tls, true);
    assert.equal(loadConfig({}, { AIIDA_HUB_TLS: "1" }).tls, true);
    assert.equal(loadConfig({}, { AIIDA_HUB_TLS: "false" }).tls, false);
    assert.throws(
      () => loadConfig({}, { AIIDA_HUB_TLS: "maybe" }),
      /--tls \(AIIDA_HUB_TLS\) must be true or false/,
    );
  });

  test("--public-host takes names and addresses, from repeated flags or a comma list, each once", () => {
    assert.deepEqual(
      loadConfig({ publicHosts: "Hub.Local,192.168.1.20,[fd00::5],hub.local" }, {}).publicHosts,
      ["hub.local", "192.168.1.20", "fd00::5"],
    );
    assert.deepEqual(loadConfig({}, { AIIDA_HUB_PUBLIC_HOSTS: "a.example, b.example" }).publicHosts, [
      "a.example",
      "b.example",
    ]);
    assert.throws(
      () => loadConfig({ publicHosts: "hub.local,https://hub.local" }, {}),
      (err: unknown) =>
        err instanceof ConfigError &&
        err.message ===
          '--public-host must be a host name such as hub.local or an IP address such as 192.168.1.20, got "https://hub.local".',
    );
  });

  test("--tls-cert and --tls-key go together, only with --tls, and are read from the working directory", () => {
    assert.throws(
      () => loadConfig({ tls: "true", tlsCert: "hub.pem" }, {}),
      /--tls-cert needs --tls-key: give the certificate and its key together/,
    );
    assert.throws(() => loadConfig({ tls: "true", tlsKey: "hub.key" }, {}), /--tls-key needs --tls-cert/);
    assert.throws(
      () => loadConfig({ tlsCert: "hub.pem", tlsKey: "hub.key" }, {}),
      /--tls-cert and --tls-key take effect only with TLS on; add --tls\./,
    );
    const config = loadConfig({ tls: "true", tlsCert: "hub.pem", tlsKey: "/etc/hub.key" }, {}, "/srv");
    assert.deepEqual([config.tlsCert, config.tlsKey], ["/srv/hub.pem", "/etc/hub.key"]);
  });

  test("--time-zone takes an IANA zone from the flag or AIIDA_HUB_TIME_ZONE, else the system's", () => {
    assert.equal(loadConfig({ timeZone: "Europe/Vienna" }, {}).timeZone, "Europe/Vienna");
    assert.equal(loadConfig({}, { AIIDA_HUB_TIME_ZONE: "America/New_York" }).timeZone, "America/New_York");
    assert.equal(loadConfig({}, {}).timeZone, Intl.DateTimeFormat().resolvedOptions().timeZone);
    assert.throws(
      () => loadConfig({ timeZone: "Europe/Atlantis" }, {}),
      /--time-zone must be an IANA time zone such as Europe\/Vienna or UTC, got "Europe\/Atlantis"\./,
    );
  });

  test("--energy-max-gap defaults to 15 minutes and takes seconds or a duration in s, m or h", () => {
    assert.equal(loadConfig({}, {}).energyMaxGapSeconds, 900);
    assert.equal(loadConfig({ energyMaxGapSeconds: "300" }, {}).energyMaxGapSeconds, 300);
    assert.equal(loadConfig({ energyMaxGapSeconds: "90s" }, {}).energyMaxGapSeconds, 90);
    assert.equal(loadConfig({}, { AIIDA_HUB_ENERGY_MAX_GAP: "20m" }).energyMaxGapSeconds, 1200);
    assert.equal(loadConfig({ energyMaxGapSeconds: "2h" }, {}).energyMaxGapSeconds, 7200);
    for (const bad of ["0", "25h", "15 minutes", "-5m", "1.5h", ""]) {
      assert.throws(
        () => loadConfig({ energyMaxGapSeconds: bad }, {}),
        /--energy-max-gap must be a duration from 1 s to 24 h such as 900, 90s, 15m or 1h/,
        bad,
      );
    }
  });
});

describe("--database-url", () => {
  test("is unset by default (SQLite in the data directory) and read from the flag or AIIDA_HUB_DATABASE_URL", () => {
    assert.equal(loadConfig({}, {}).databaseUrl, undefined);
    const url = "postgres://aiida:s3cret@db.local:5432/aiida";
    assert.equal(loadConfig({}, { AIIDA_HUB_DATABASE_URL: url }).databaseUrl, url);
    assert.equal(
      loadConfig({ databaseUrl: "postgresql://db.local/hub" }, { AIIDA_HUB_DATABASE_URL: url }).databaseUrl,
      "postgresql://db.local/hub",
    );
  });

  test("must be a postgres URL naming a database, and an error never shows its password", () => {
    const cases: [string, RegExp][] = [
      [
        "mysql://aiida:s3cret@db.local/aiida",
        /--database-url must start with postgres:\/\/ or postgresql:\/\//,
      ],
      ["postgres://aiida:s3cret@db.local:5432", /--database-url must name the database/],
      ["aiida:s3cret@db.local", /--database-url must (be a URL|start with postgres)/],
    ];
    for (const [raw, expected] of cases) {
      assert.throws(
        () => loadConfig({ databaseUrl: raw }, {}),
        (err: unknown) =>
          err instanceof ConfigError && expected.test(err.message) && !err.message.includes("s3cret"),
        raw,
      );
    }
  });
});
