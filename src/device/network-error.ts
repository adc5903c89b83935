const socketErrorText: Readonly<Record<string, string>> = {
  ECONNREFUSED: "connection refused (nothing listens on that port)",
  ECONNRESET: "the connection was reset",
  EHOSTUNREACH: "host unreachable",
  ENETUNREACH: "network unreachable",
  ENOTFOUND: "host name not found",
  EAI_AGAIN: "host name lookup failed",
  ETIMEDOUT: "timed out",
  EPIPE: "the connection was closed",
};

/** Failures fetch reports only as a message of its `cause`, in words a user can act on. */
const causeText: Readonly<Record<string, string>> = {
  "redirect count exceeded": "too many redirects (more than 20: a redirect loop?)",
};

/** The Node error code of an error or of its cause chain (fetch wraps socket errors in `cause`). */
function errorCode(error: unknown): string | undefined {
  let current: unknown = error;
  for (let depth = 0; depth < 4 && current !== null && typeof current === "object"; depth++) {
    const code = (current as { code?: unknown }).code;
    if (typeof code === "string") return code;
    current = (current as { cause?: unknown }).cause;
  }
  return undefined;
}

/** The message of the innermost cause: fetch's own message is only "fetch failed". */
function innermostMessage(error: unknown): string | undefined {
  let message: string | undefined;
  let current: unknown = error;
  for (let depth = 0; depth < 4 && current instanceof Error; depth++) {
    message = current.message;
    current = current.cause;
  }
  return message;
}

/** A short, human explanation of a socket-level failure ("connection refused (…)"), else the error's message. */
export function describeNetworkError(error: unknown): string {
  const code = errorCode(error);
  if (code !== undefined && socketErrorText[code] !== undefined) return socketErrorText[code];
  if (error instanceof Error && (error.name === "TimeoutError" || error.name === "AbortError"))
    return "timed out";
  const innermost = innermostMessage(error);
  if (innermost !== undefined) return causeText[innermost] ?? innermost;
  return String(error);
}
