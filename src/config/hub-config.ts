import { isIP } from "node:net";
import { isAbsolute, resolve } from "node:path";
import { ConfigError } from "./config-error.ts";
import { databaseUrl } from "./database-url.ts";
import {
  clientId,
  type DeviceBrokerSettings,
  deviceBrokerSettings,
  deviceBrokerUrl,
  type EmqxApiSettings,
  emqxApiSettings,
  emqxApiUrl,
} from "./device-broker-settings.ts";

/** Everything the hub needs to run, validated and frozen by loadConfig(). */
export interface HubConfig {
  readonly host: string;
  readonly httpPort: number;
  readonly mqttPort: number;
  readonly dataDir: string;
  /** PostgreSQL instead of the data directory's SQLite file; undefined → SQLite. Holds a password: never log it. */
  readonly databaseUrl: string | undefined;
  /** Broker URL shown to users for their devices; undefined → derived from host and the bound MQTT port. */
  readonly publicMqttUrl: string | undefined;
  /** Admin password to set on first start; undefined → generate one and print it once. */
  readonly adminPassword: string | undefined;
  readonly maxPayloadBytes: number;
  /** Per-device sustained message rate; bursts of twice this are allowed. */
  readonly rateLimitPerSecond: number;
  /** Device timestamps further than this in the future are rejected. */
  readonly maxFutureSkewSeconds: number;
  readonly retentionDays: number;
  /** Device timestamps further than this in the past are refused; at most retentionDays, which is the default. */
  readonly maxPastDays: number;
  /** The largest number of messages committed in one transaction. */
  readonly commitBatchSize: number;
  /** Live event streams (GET /api/datasources/{id}/live) open at once, all sessions together. */
  readonly maxLiveStreams: number;
  /** Live event streams one session (token or cookie) may have open at once. */
  readonly maxLiveStreamsPerSession: number;
  /** Upper bound of one permission's outbox cap (data messages waiting for EDDIE's broker). */
  readonly sharingOutboxMaxMessages: number;
  /** MQTT over TLS, and the UI, API and WebSocket over HTTPS, beside the plain listeners. */
  readonly tls: boolean;
  readonly mqttsPort: number;
  readonly httpsPort: number;
  /** Own certificate (PEM, may hold the chain) and its key; both undefined → the hub's private CA issues one. */
  readonly tlsCert: string | undefined;
  readonly tlsKey: string | undefined;
  /** Names and addresses devices and browsers reach the hub by; they go into the generated certificate. */
  readonly publicHosts: readonly string[];
  /** IANA time zone whose calendar days, weeks and months energy periods and CSV times follow. */
  readonly timeZone: string;
  /** Readings further apart than this are not bridged: no power integrated between them, no time covered. */
  readonly energyMaxGapSeconds: number;
  /** --device-broker, --device-broker-username and --device-broker-client-id as given. */
  readonly deviceBrokerUrl: string | undefined;
  readonly deviceBrokerUsername: string | undefined;
  readonly deviceBrokerClientId: string | undefined;
  /** --emqx-api as given. */
  readonly emqxApiUrl: string | undefined;
  /** The external broker (EMQX) the hub consumes device data from, beside its own; holds a password: never log it. */
  readonly deviceBroker: DeviceBrokerSettings | undefined;
  /** EMQX's REST API, to disconnect revoked devices; holds the API secret: never log it. */
  readonly emqxApi: EmqxApiSettings | undefined;
}

/** One configuration setting: its CLI flag, environment variable, default and parser. */
interface Setting<K extends keyof HubConfig> {
  readonly key: K;
  readonly flag: string;
  readonly env: string;
  readonly describe: string;
  readonly fallback: string | undefined;
  readonly parse: (raw: string) => HubConfig[K];
  /**
   * How the flag is written: "value" takes one (the default), "switch" takes none (the variable reads
   * true/false), "list" may be repeated (the variable holds a comma-separated list).
   */
  readonly form?: "switch" | "list";
}

export { ConfigError };

function integer(flag: string, min: number, max: number): (raw: string) => number {
  return (raw) => {
    const n = Number(raw);
    if (!/^\d+$/.test(raw.trim()) || !Number.isSafeInteger(n) || n < min || n > max) {
      throw new ConfigError(`${flag} must be a whole number from ${min} to ${max}, got "${raw}".`);
    }
    return n;
  };
}

function text(flag: string): (raw: string) => string {
  return (raw) => {
    if (raw.trim() === "") throw new ConfigError(`${flag} must not be empty.`);
    return raw.trim();
  };
}

function mqttUrl(flag: string): (raw: string) => string {
  return (raw) => {
    let url: URL;
    try {
      url = new URL(raw);
    } catch {
      throw new ConfigError(`${flag} must be a URL such as mqtt://hub.local:1883, got "${raw}".`);
    }
    if (!["mqtt:", "mqtts:", "tcp:", "ssl:", "ws:", "wss:"].includes(url.protocol)) {
      throw new ConfigError(
        `${flag} must use mqtt://, mqtts://, tcp://, ssl://, ws:// or wss://, got "${raw}".`,
      );
    }
    return raw;
  };
}

function yesNo(flag: string, env: string): (raw: string) => boolean {
  return (raw) => {
    const word = raw.trim().toLowerCase();
    if (["true", "1", "yes", "on"].includes(word)) return true;
    if (["false", "0", "no", "off", ""].includes(word)) return false;
    throw new ConfigError(`${flag} (${env}) must be true or false, got "${raw}".`);
  };
}

/** A DNS name (letters, digits, hyphens, dots; "*." for a wildcard) or an IP address, lower-cased. */
function hostList(flag: string): (raw: string) => string[] {
  return (raw) => {
    const hosts = raw
      .split(",")
      .map((host) =>
        host
          .trim()
          .toLowerCase()
          .replace(/^\[(.*)\]$/, "$1"),
      )
      .filter((host) => host !== "");
    for (const host of hosts) {
      const dnsName = /^(\*\.)?([a-z0-9]([a-z0-9-]{0,61}[a-z0-9])?\.)*[a-z0-9]([a-z0-9-]{0,61}[a-z0-9])?$/;
      if (isIP(host) === 0 && (!dnsName.test(host) || host.length > 253)) {
        throw new ConfigError(
          `${flag} must be a host name such as hub.local or an IP address such as 192.168.1.20, got "${host}".`,
        );
      }
    }
    return [...new Set(hosts)];
  };
}

const DURATION_UNITS: Readonly<Record<string, number>> = { s: 1, m: 60, h: 3600 };

/** A duration such as 900 (seconds), 90s, 15m or 1h, as whole seconds from `min` to `max`. */
function durationSeconds(flag: string, min: number, max: number): (raw: string) => number {
  return (raw) => {
    const match = /^(\d+)\s*([smh]?)$/.exec(raw.trim());
    const seconds = match ? Number(match[1]) * (DURATION_UNITS[match[2] || "s"] ?? 1) : Number.NaN;
    if (!Number.isSafeInteger(seconds) || seconds < min || seconds > max) {
      throw new ConfigError(
        `${flag} must be a duration from ${min} s to ${max / 3600} h such as 900, 90s, 15m or 1h, got "${raw}".`,
      );
    }
    return seconds;
  };
}

/** The machine's own time zone, as Node's ICU reports it (the TZ variable included). */
export function systemTimeZone(): string {
  return Intl.DateTimeFormat().resolvedOptions().timeZone;
}

/** An IANA zone name such as Europe/Vienna (or UTC), checked against the zones Node's ICU knows. */
function timeZone(flag: string): (raw: string) => string {
  return (raw) => {
    const name = raw.trim();
    try {
      // The constructor throws RangeError for a zone ICU does not know; it returns the canonical spelling.
      return new Intl.DateTimeFormat("en", { timeZone: name }).resolvedOptions().timeZone;
    } catch {
      throw new ConfigError(`${flag} must be an IANA time zone such as Europe/Vienna or UTC, got "${raw}".`);
    }
  };
}

/** The settings table: one row per option, shared by the CLI help, the README and loadConfig(). */
export const SETTINGS = [
  {
    key: "host",
    flag: "--host",
    env: "AIIDA_HUB_HOST",
    describe: "address to listen on (HTTP and MQTT)",
    fallback: "127.0.0.1",
    parse: text("--host"),
  },
  {
    key: "httpPort",
    flag: "--http-port",
    env: "AIIDA_HUB_HTTP_PORT",
    describe: "HTTP port (API and UI); 0 picks a free one",
    fallback: "8080",
    parse: integer("--http-port", 0, 65535),
  },
  {
    key: "mqttPort",
    flag: "--mqtt-port",
    env: "AIIDA_HUB_MQTT_PORT",
    describe: "MQTT port of the embedded broker; 0 picks a free one",
    fallback: "1883",
    parse: integer("--mqtt-port", 0, 65535),
  },
  {
    key: "dataDir",
    flag: "--data-dir",
    env: "AIIDA_HUB_DATA_DIR",
    describe: "directory for the database",
    fallback: "./data",
    parse: text("--data-dir"),
  },
  {
    key: "databaseUrl",
    flag: "--database-url",
    env: "AIIDA_HUB_DATABASE_URL",
    describe:
      "store in PostgreSQL (postgres://user:password@host:5432/database) instead of SQLite in the data directory; several hubs may share one database",
    fallback: undefined,
    parse: databaseUrl("--database-url"),
  },
  {
    key: "publicMqttUrl",
    flag: "--public-mqtt-url",
    env: "AIIDA_HUB_PUBLIC_MQTT_URL",
    describe: "broker URL shown to users (default: mqtt://<host>:<mqtt port>)",
    fallback: undefined,
    parse: mqttUrl("--public-mqtt-url"),
  },
  {
    key: "maxPayloadBytes",
    flag: "--max-payload-bytes",
    env: "AIIDA_HUB_MAX_PAYLOAD_BYTES",
    describe: "largest accepted device message",
    fallback: "65536",
    parse: integer("--max-payload-bytes", 256, 16 * 1024 * 1024),
  },
  {
    key: "rateLimitPerSecond",
    flag: "--rate-limit",
    env: "AIIDA_HUB_RATE_LIMIT",
    describe: "messages per second one device may send (bursts of twice that)",
    fallback: "100",
    parse: integer("--rate-limit", 1, 100000),
  },
  {
    key: "maxFutureSkewSeconds",
    flag: "--max-future-skew",
    env: "AIIDA_HUB_MAX_FUTURE_SKEW",
    describe: "seconds a device timestamp may lie in the future",
    fallback: "300",
    parse: integer("--max-future-skew", 0, 86400 * 365),
  },
  {
    key: "retentionDays",
    flag: "--retention-days",
    env: "AIIDA_HUB_RETENTION_DAYS",
    describe: "records older than this are deleted",
    fallback: "365",
    parse: integer("--retention-days", 1, 36500),
  },
  {
    key: "maxPastDays",
    flag: "--max-past-days",
    env: "AIIDA_HUB_MAX_PAST_DAYS",
    describe: "days a device timestamp may lie in the past (default: --retention-days)",
    fallback: undefined,
    parse: integer("--max-past-days", 1, 36500),
  },
  {
    key: "commitBatchSize",
    flag: "--commit-batch-size",
    env: "AIIDA_HUB_COMMIT_BATCH_SIZE",
    describe: "most messages committed in one transaction",
    fallback: "1000",
    parse: integer("--commit-batch-size", 1, 100000),
  },
  {
    key: "maxLiveStreams",
    flag: "--max-live-streams",
    env: "AIIDA_HUB_MAX_LIVE_STREAMS",
    describe: "live event streams open at once, all sessions together",
    fallback: "100",
    parse: integer("--max-live-streams", 1, 100000),
  },
  {
    key: "maxLiveStreamsPerSession",
    flag: "--max-live-streams-per-session",
    env: "AIIDA_HUB_MAX_LIVE_STREAMS_PER_SESSION",
    describe: "live event streams one login session may have open at once",
    fallback: "10",
    parse: integer("--max-live-streams-per-session", 1, 100000),
  },
  {
    key: "sharingOutboxMaxMessages",
    flag: "--sharing-outbox-max-messages",
    env: "AIIDA_HUB_SHARING_OUTBOX_MAX_MESSAGES",
    describe:
      "most data messages one permission's outbox holds while EDDIE's broker is away (below: 7 days at its schedule's rate); then the oldest are dropped and counted",
    fallback: "1000000",
    parse: integer("--sharing-outbox-max-messages", 1, 100_000_000),
  },
  {
    key: "tls",
    flag: "--tls",
    env: "AIIDA_HUB_TLS",
    describe: "also serve MQTT over TLS and the UI, API and WebSocket over HTTPS",
    fallback: "false",
    parse: yesNo("--tls", "AIIDA_HUB_TLS"),
    form: "switch",
  },
  {
    key: "mqttsPort",
    flag: "--mqtts-port",
    env: "AIIDA_HUB_MQTTS_PORT",
    describe: "MQTT over TLS port (with --tls); 0 picks a free one",
    fallback: "8883",
    parse: integer("--mqtts-port", 0, 65535),
  },
  {
    key: "httpsPort",
    flag: "--https-port",
    env: "AIIDA_HUB_HTTPS_PORT",
    describe: "HTTPS port (with --tls): API, UI and MQTT over WebSocket; 0 picks a free one",
    fallback: "8443",
    parse: integer("--https-port", 0, 65535),
  },
  {
    key: "tlsCert",
    flag: "--tls-cert",
    env: "AIIDA_HUB_TLS_CERT",
    describe: "own certificate file (PEM, with its chain) instead of the hub's private CA; needs --tls-key",
    fallback: undefined,
    parse: text("--tls-cert"),
  },
  {
    key: "tlsKey",
    flag: "--tls-key",
    env: "AIIDA_HUB_TLS_KEY",
    describe: "private key file (PEM) of --tls-cert",
    fallback: undefined,
    parse: text("--tls-key"),
  },
  {
    key: "publicHosts",
    flag: "--public-host",
    env: "AIIDA_HUB_PUBLIC_HOSTS",
    describe:
      "name or address devices reach the hub by, put into the generated certificate (repeatable; the variable takes a comma list)",
    fallback: "",
    parse: hostList("--public-host"),
    form: "list",
  },
  {
    key: "timeZone",
    flag: "--time-zone",
    env: "AIIDA_HUB_TIME_ZONE",
    describe: "IANA time zone of energy days, weeks and months and of CSV times (default: the system's)",
    fallback: undefined,
    parse: timeZone("--time-zone"),
  },
  {
    key: "energyMaxGapSeconds",
    flag: "--energy-max-gap",
    env: "AIIDA_HUB_ENERGY_MAX_GAP",
    describe:
      "readings further apart than this (seconds, or 90s, 15m, 1h) are not bridged: energy from power is not integrated across, and the time counts as not covered",
    fallback: "15m",
    parse: durationSeconds("--energy-max-gap", 1, 86_400),
  },
  {
    key: "deviceBrokerUrl",
    flag: "--device-broker",
    env: "AIIDA_HUB_DEVICE_BROKER",
    describe:
      "also consume device data from this MQTT 5 broker (EMQX): shared subscription $share/aiida-hub/aiida/+/data; password in AIIDA_HUB_DEVICE_BROKER_PASSWORD",
    fallback: undefined,
    parse: deviceBrokerUrl("--device-broker"),
  },
  {
    key: "deviceBrokerUsername",
    flag: "--device-broker-username",
    env: "AIIDA_HUB_DEVICE_BROKER_USERNAME",
    describe: "the hub's username on --device-broker",
    fallback: undefined,
    parse: text("--device-broker-username"),
  },
  {
    key: "deviceBrokerClientId",
    flag: "--device-broker-client-id",
    env: "AIIDA_HUB_DEVICE_BROKER_CLIENT_ID",
    describe:
      "client id of this hub instance on --device-broker, different for every instance and the same after a restart (default: aiida-hub-<host name>)",
    fallback: undefined,
    parse: clientId("--device-broker-client-id"),
  },
  {
    key: "emqxApiUrl",
    flag: "--emqx-api",
    env: "AIIDA_HUB_EMQX_API",
    describe:
      "EMQX's REST API (http://emqx:18083), to disconnect a device whose data source is disabled, deleted or re-keyed; key and secret in AIIDA_HUB_EMQX_API_KEY and AIIDA_HUB_EMQX_API_SECRET",
    fallback: undefined,
    parse: emqxApiUrl("--emqx-api"),
  },
] as const satisfies ReadonlyArray<Setting<keyof HubConfig>>;

/** Option values from the command line, keyed like HubConfig; undefined where the flag was not given. */
export type ConfigOverrides = Partial<Record<keyof HubConfig, string | undefined>>;

/**
 * The data directory as `start` resolves it (--data-dir, else AIIDA_HUB_DATA_DIR, else ./data; relative
 * to `cwd`), for the commands that work on a hub's data without starting it.
 */
export function dataDirOf(
  flag: string | undefined,
  env: NodeJS.ProcessEnv,
  cwd: string = process.cwd(),
): string {
  const setting = SETTINGS.find((s) => s.key === "dataDir");
  if (setting === undefined) throw new Error("the settings table has no data directory");
  return fromDirectory(cwd, setting.parse(flag ?? env[setting.env] ?? setting.fallback) as string);
}

function fromDirectory(cwd: string, file: string): string {
  return isAbsolute(file) ? file : resolve(cwd, file);
}

/** Builds the configuration: command-line flags win over environment variables, which win over defaults. */
export function loadConfig(
  flags: ConfigOverrides,
  env: NodeJS.ProcessEnv,
  cwd: string = process.cwd(),
): HubConfig {
  const values: Record<string, unknown> = {};
  for (const setting of SETTINGS) {
    const raw = flags[setting.key] ?? env[setting.env] ?? setting.fallback;
    values[setting.key] = raw === undefined ? undefined : setting.parse(raw);
  }
  const retentionDays = values.retentionDays as number;
  const maxPastDays = (values.maxPastDays as number | undefined) ?? retentionDays;
  if (maxPastDays > retentionDays) {
    throw new ConfigError(
      `--max-past-days (${maxPastDays}) must not be more than --retention-days (${retentionDays}): the retention job would delete such records at once.`,
    );
  }
  const tlsCert = values.tlsCert as string | undefined;
  const tlsKey = values.tlsKey as string | undefined;
  if ((tlsCert === undefined) !== (tlsKey === undefined)) {
    throw new ConfigError(
      `${tlsCert === undefined ? "--tls-key" : "--tls-cert"} needs ${tlsCert === undefined ? "--tls-cert" : "--tls-key"}: give the certificate and its key together, or neither to use the hub's private CA.`,
    );
  }
  if (tlsCert !== undefined && values.tls !== true) {
    throw new ConfigError("--tls-cert and --tls-key take effect only with TLS on; add --tls.");
  }
  const fromCwd = (file: string) => fromDirectory(cwd, file);
  const deviceBroker = deviceBrokerSettings(
    {
      deviceBroker: values.deviceBrokerUrl as string | undefined,
      deviceBrokerUsername: values.deviceBrokerUsername as string | undefined,
      deviceBrokerClientId: values.deviceBrokerClientId as string | undefined,
    },
    env,
  );
  const adminPassword = env.AIIDA_HUB_ADMIN_PASSWORD || undefined;
  if (adminPassword !== undefined && adminPassword.length < 8) {
    throw new ConfigError("AIIDA_HUB_ADMIN_PASSWORD must be at least 8 characters long.");
  }
  return Object.freeze({
    ...(values as Omit<
      HubConfig,
      | "dataDir"
      | "databaseUrl"
      | "publicMqttUrl"
      | "adminPassword"
      | "maxPastDays"
      | "tlsCert"
      | "tlsKey"
      | "timeZone"
      | "deviceBrokerUrl"
      | "deviceBrokerUsername"
      | "deviceBrokerClientId"
      | "emqxApiUrl"
      | "deviceBroker"
      | "emqxApi"
    >),
    dataDir: dataDirOf(flags.dataDir, env, cwd),
    tlsCert: tlsCert === undefined ? undefined : fromCwd(tlsCert),
    tlsKey: tlsKey === undefined ? undefined : fromCwd(tlsKey),
    maxPastDays,
    publicMqttUrl: values.publicMqttUrl as string | undefined,
    databaseUrl: values.databaseUrl as string | undefined,
    adminPassword,
    timeZone: (values.timeZone as string | undefined) ?? systemTimeZone(),
    deviceBrokerUrl: values.deviceBrokerUrl as string | undefined,
    deviceBrokerUsername: values.deviceBrokerUsername as string | undefined,
    deviceBrokerClientId: values.deviceBrokerClientId as string | undefined,
    emqxApiUrl: values.emqxApiUrl as string | undefined,
    deviceBroker,
    emqxApi: emqxApiSettings(values.emqxApiUrl as string | undefined, env),
  });
}
