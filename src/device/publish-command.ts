import { readCaFile } from "./ca-file.ts";
import { publisherClientId } from "./client-id.ts";
import { ConfigurationError } from "./configuration-error.ts";
import { createConsoleReporter, type ReporterStreams } from "./console-reporter.ts";
import type { PublishOptions } from "./publish-options.ts";
import { Publisher, type PublisherOutcome } from "./publisher.ts";
import { QueueLockedError, queueFilePath } from "./reading-queue.ts";
import { createSource, type SourceKind } from "./source-registry.ts";
import { ensureStateDir } from "./state-dir.ts";

/** Exit codes of `publish` and `probe-modbus`. */
export const EXIT_CODES = {
  ok: 0,
  /** --once could not read or send, or the source ended with readings left unsent. */
  failed: 1,
  /** Bad options, config file or profile, or the queue is in use by another publisher. */
  configuration: 2,
  /** --once: the broker refused the username or password. */
  credentialsRefused: 3,
} as const;

const exitCodeOf: Record<PublisherOutcome, number> = {
  done: EXIT_CODES.ok,
  stopped: EXIT_CODES.ok,
  unsent: EXIT_CODES.failed,
  "read-failed": EXIT_CODES.failed,
  "credentials-refused": EXIT_CODES.credentialsRefused,
};

/** Errors that mean the state dir cannot hold the queue, rather than a bug. */
const QUEUE_PLACE_ERRORS = new Set([
  "EACCES",
  "EPERM",
  "EROFS",
  "ENOTDIR",
  "SQLITE_CANTOPEN",
  "SQLITE_READONLY",
]);

/** Time to wait for a CONNACK before counting the attempt as failed. */
const CONNECT_TIMEOUT_MS = 10_000;

function requiredSetting(value: string | undefined, option: string, env: string, what: string): string {
  if (value === undefined || value === "") {
    throw new ConfigurationError(
      `${option} is required: ${what} (or set ${env}, or "${option.slice(2)}" in --config)`,
    );
  }
  return value;
}

/** The --ca certificates; only a TLS broker (mqtts://, wss://) has a certificate for them to check. */
function caForBroker(caFile: string, broker: string): string[] {
  const scheme = new URL(broker).protocol;
  if (scheme !== "mqtts:" && scheme !== "wss:") {
    throw new ConfigurationError(
      `--ca is for a TLS broker (mqtts:// or wss://), but --broker is ${broker}; use the hub's mqtts:// or wss:// URL`,
    );
  }
  return readCaFile(caFile);
}

/**
 * Runs `publish <kind>` with validated options until done or `signal` aborts; returns the exit code.
 * Throws ConfigurationError for problems the user must fix before anything can run.
 */
export async function runPublish(
  kind: SourceKind,
  options: PublishOptions,
  streams: ReporterStreams,
  signal: AbortSignal,
): Promise<number> {
  const broker = requiredSetting(
    options.broker,
    "--broker",
    "AIIDA_BROKER",
    "the hub's MQTT URL, e.g. mqtt://hub.local:1883, as the hub shows it in a data source's credentials " +
      '("Broker URL") and in its start-up log ("mqtt")',
  );
  const username = requiredSetting(
    options.username,
    "--username",
    "AIIDA_USERNAME",
    "the data source id from the hub",
  );
  const password = requiredSetting(
    options.password,
    "--password",
    "AIIDA_PASSWORD",
    "the data source's MQTT password",
  );
  const registeredResource =
    options.mrid === undefined
      ? undefined
      : options.codingScheme === undefined
        ? { value: options.mrid }
        : { value: options.mrid, codingScheme: options.codingScheme };
  if (options.codingScheme !== undefined && options.mrid === undefined) {
    throw new ConfigurationError("--coding-scheme needs --mrid (it describes the mRID's scheme)");
  }
  const ca = options.ca === undefined ? undefined : caForBroker(options.ca, broker);
  const source = createSource(kind, options, options.stateDir, username);
  // Only now that every option is known to be good: a refused start leaves nothing behind.
  try {
    ensureStateDir(options.stateDir);
  } catch (error) {
    await source.close();
    throw error;
  }
  const publisher = new Publisher(
    {
      source,
      queueFile: queueFilePath(options.stateDir, username),
      queueLimit: options.queueLimit,
      link: {
        brokerUrl: broker,
        mqttVersion: options.mqttVersion,
        ca,
        username,
        password,
        clientId: publisherClientId(username, options.mqttVersion),
        feedbackTopic: `aiida/${username}/feedback`,
        reconnectMinMs: 1000,
        reconnectMaxMs: options.reconnectMax * 1000,
        connectTimeoutMs: CONNECT_TIMEOUT_MS,
      },
      topic: options.topic ?? `aiida/${username}/data`,
      registeredResource,
      maxInFlight: options.maxInFlight,
      maxPerSecond: options.maxRate,
      once: options.once,
      flushTimeoutMs: options.flushTimeout * 1000,
      summaryIntervalMs: options.summaryInterval * 1000,
    },
    createConsoleReporter(options.verbose, streams),
  );
  try {
    return exitCodeOf[await publisher.run(signal)];
  } catch (error) {
    await source.close();
    if (error instanceof QueueLockedError) throw new ConfigurationError(error.message);
    const code = (error as { code?: unknown }).code;
    if (code === "SQLITE_FULL" || code === "ENOSPC") {
      throw new ConfigurationError(
        `the disk holding ${options.stateDir} is full: the queue cannot be created there; free some space or choose another --state-dir`,
      );
    }
    if (typeof code === "string" && QUEUE_PLACE_ERRORS.has(code)) {
      throw new ConfigurationError(
        `cannot keep the queue in ${options.stateDir} (${code}); choose another --state-dir`,
      );
    }
    throw error;
  }
}
