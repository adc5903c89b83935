import { readFileSync } from "node:fs";
import { z } from "zod";
import { ConfigurationError } from "./configuration-error.ts";
import { MQTT_VERSION_HELP, parseMqttVersion } from "./mqtt-version.ts";
import { defaultStateDir } from "./state-dir.ts";

/**
 * Defaults of `aiida-hub publish`, shown in --help and applied when neither CLI, env nor config file says.
 * The broker has none: a default such as mqtt://localhost:1883 can be someone else's broker, which takes
 * every reading and passes none to the hub.
 */
export const PUBLISH_DEFAULTS = {
  mqttVersion: "4",
  stateDir: defaultStateDir(),
  queueLimit: 200_000,
  maxInFlight: 16,
  maxRate: 50,
  reconnectMax: 30,
  flushTimeout: 10,
  summaryInterval: 60,
  interval: 3,
  file: "-",
  pvPeakKw: 5,
} as const;

/** Schemes mqtt.js connects with that the publisher documents: plain and TLS, over TCP and WebSocket. */
const BROKER_SCHEMES = ["mqtt:", "mqtts:", "ws:", "wss:"];

const brokerUrl = z.string().refine(
  (value) => {
    try {
      return BROKER_SCHEMES.includes(new URL(value).protocol);
    } catch {
      return false;
    }
  },
  { message: "must be a URL starting with mqtt://, mqtts://, ws:// or wss://, e.g. mqtt://hub.local:1883" },
);

// A config file may hold 5 as a number; the command line gives "5" or "3.1.1".
const mqttVersion = z.union([z.string(), z.number()]).transform((value, context) => {
  const version = parseMqttVersion(String(value));
  if (version === undefined) {
    context.addIssue({ code: "custom", message: `must be ${MQTT_VERSION_HELP}, not "${value}"` });
    return z.NEVER;
  }
  return version;
});

const positiveSeconds = z.coerce.number().positive();
const optionalInt = (min: number, max: number) => z.coerce.number().int().min(min).max(max).optional();

/**
 * Every option of `publish`, by its camelCase name. The same names are the keys of a --config file,
 * so a config file can hold any option (typically broker, username, password and the meter's address).
 */
export const publishOptionsSchema = z.strictObject({
  // Required, but checked in runPublish, so that its absence is told in one sentence with where the URL comes from.
  broker: brokerUrl.optional(),
  username: z.string().min(1).optional(),
  password: z.string().optional(),
  mqttVersion,
  ca: z.string().min(1).optional(),
  topic: z.string().min(1).optional(),
  config: z.string().optional(),
  mrid: z.string().min(1).optional(),
  codingScheme: z.string().min(1).optional(),
  stateDir: z.string().min(1),
  queueLimit: z.coerce.number().int().min(1),
  maxInFlight: z.coerce.number().int().min(1).max(1000),
  maxRate: z.coerce.number().positive(),
  reconnectMax: positiveSeconds,
  flushTimeout: positiveSeconds,
  summaryInterval: positiveSeconds,
  verbose: z.boolean().default(false),
  once: z.boolean().default(false),
  interval: positiveSeconds,
  profile: z.string().min(1).optional(),
  url: z.string().min(1).optional(),
  map: z.array(z.string()).default([]),
  set: z.array(z.string()).default([]),
  host: z.string().min(1).optional(),
  port: optionalInt(1, 65535),
  unitId: optionalInt(0, 255),
  connectDelayMs: optionalInt(0, 600_000),
  requestSpacingMs: optionalInt(0, 600_000),
  timeoutMs: optionalInt(1, 600_000),
  retries: optionalInt(0, 100),
  seed: z.coerce.number().int().optional(),
  pvPeakKw: z.coerce.number().min(0),
  file: z.string().min(1),
});

/** Validated options of one `publish` run. */
export type PublishOptions = z.infer<typeof publishOptionsSchema>;

/** The option names a config file may use. */
export const CONFIG_FILE_KEYS = Object.keys(publishOptionsSchema.shape).filter((key) => key !== "config");

/** Reads a --config JSON file: an object whose keys are option names (e.g. {"broker": …, "password": …}). */
export function readConfigFile(path: string): Record<string, unknown> {
  let json: unknown;
  try {
    json = JSON.parse(readFileSync(path, "utf8"));
  } catch (error) {
    const reason = (error as NodeJS.ErrnoException).code ?? (error as Error).message;
    throw new ConfigurationError(`cannot read the config file ${path}: ${reason}`);
  }
  if (json === null || typeof json !== "object" || Array.isArray(json)) {
    throw new ConfigurationError(
      `the config file ${path} must hold a JSON object of option names and values`,
    );
  }
  const unknown = Object.keys(json).filter((key) => !CONFIG_FILE_KEYS.includes(key));
  if (unknown.length > 0) {
    throw new ConfigurationError(
      `the config file ${path} has unknown key(s) ${unknown.join(", ")}; known keys: ${CONFIG_FILE_KEYS.join(", ")}`,
    );
  }
  return json as Record<string, unknown>;
}

/** Validates merged option values; the message names every bad option. */
export function parsePublishOptions(values: Record<string, unknown>): PublishOptions {
  const result = publishOptionsSchema.safeParse(values);
  if (!result.success) {
    const problems = result.error.issues.map(
      (issue) => `--${kebab(String(issue.path[0] ?? "?"))}: ${issue.message}`,
    );
    throw new ConfigurationError(`invalid option(s):\n  ${problems.join("\n  ")}`);
  }
  return result.data;
}

/** "stateDir" → "state-dir", for messages that name options as the user types them. */
export function kebab(name: string): string {
  return name.replace(/[A-Z]/g, (letter) => `-${letter.toLowerCase()}`);
}
