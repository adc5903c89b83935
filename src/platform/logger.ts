import { type DestinationStream, pino } from "pino";

/** Severity of a log line. */
export type LogLevel = "debug" | "info" | "warn" | "error";

/** A minimal structured logger. Callers never pass secrets: passwords and tokens are not logged anywhere. */
export interface Logger {
  debug(message: string, fields?: Record<string, unknown>): void;
  info(message: string, fields?: Record<string, unknown>): void;
  warn(message: string, fields?: Record<string, unknown>): void;
  error(message: string, fields?: Record<string, unknown>): void;
}

/** Longest string field written. A backstop: text from the network is clipped shorter where it is logged. */
const MAX_FIELD_CHARS = 1024;

/** `text` cut to `max` characters, with its original length noted when it was longer. */
export function clip(text: string, max: number): string {
  return text.length <= max ? text : `${text.slice(0, max)}…(${text.length} chars)`;
}

/**
 * Writes one JSON object per event (pino): level, time, msg and the fields. JSON escaping keeps
 * every field on its own line, whatever it holds. Goes to stderr, or line by line to `write`.
 */
export function createLogger(minLevel: LogLevel = "info", write?: (line: string) => void): Logger {
  const destination: DestinationStream = write
    ? { write: (chunk) => write(chunk.endsWith("\n") ? chunk.slice(0, -1) : chunk) }
    : // Synchronous, so that the last lines before process.exit() are not lost.
      pino.destination({ dest: 2, sync: true });
  const log = pino(
    {
      level: minLevel,
      base: null,
      timestamp: pino.stdTimeFunctions.isoTime,
      formatters: { level: (label) => ({ level: label }), log: clipStrings },
    },
    destination,
  );
  return {
    debug: (message, fields) => log.debug(fields ?? {}, message),
    info: (message, fields) => log.info(fields ?? {}, message),
    warn: (message, fields) => log.warn(fields ?? {}, message),
    error: (message, fields) => log.error(fields ?? {}, message),
  };
}

function clipStrings(fields: Record<string, unknown>): Record<string, unknown> {
  let clipped: Record<string, unknown> | undefined;
  for (const [key, value] of Object.entries(fields)) {
    if (typeof value !== "string" || value.length <= MAX_FIELD_CHARS) continue;
    // A copy: the object is the caller's.
    clipped ??= { ...fields };
    clipped[key] = clip(value, MAX_FIELD_CHARS);
  }
  return clipped ?? fields;
}

const ignore = () => {};

/** A logger that drops everything, for tests that do not look at logs. */
export const silentLogger: Logger = { debug: ignore, info: ignore, warn: ignore, error: ignore };
