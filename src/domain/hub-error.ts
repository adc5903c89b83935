/** The few kinds of failure the hub reports; each maps to one HTTP status in http/error-mapping.ts. */
export type HubErrorCode =
  | "VALIDATION_FAILED"
  | "NOT_FOUND"
  | "UNAUTHENTICATED"
  | "FORBIDDEN"
  | "CONFLICT"
  | "PAYLOAD_TOO_LARGE"
  | "UNSUPPORTED_MEDIA_TYPE"
  | "TOO_MANY_REQUESTS"
  | "UNAVAILABLE"
  | "INTERNAL";

/** One problem with an input: where (a JSON path or field name) and why. */
export interface ProblemDetail {
  readonly path: string;
  readonly reason: string;
}

/** An expected failure with a code, a sentence for people, and optional per-field details. */
export class HubError extends Error {
  readonly code: HubErrorCode;
  readonly details: readonly ProblemDetail[] | undefined;
  /** Seconds the client should wait before trying again (TOO_MANY_REQUESTS, UNAVAILABLE). */
  retryAfterSeconds: number | undefined;

  constructor(code: HubErrorCode, message: string, details?: readonly ProblemDetail[], cause?: unknown) {
    super(message, cause === undefined ? undefined : { cause });
    this.name = "HubError";
    this.code = code;
    this.details = details;
  }

  /** A refusal to try again before `retryAfterMs` has passed, worded with the wait in whole seconds. */
  static tooManyRequests(message: (seconds: number) => string, retryAfterMs: number): HubError {
    const seconds = Math.max(1, Math.ceil(retryAfterMs / 1000));
    const error = new HubError("TOO_MANY_REQUESTS", message(seconds));
    error.retryAfterSeconds = seconds;
    return error;
  }
}
