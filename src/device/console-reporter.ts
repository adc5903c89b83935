import { mqttVersionName } from "./mqtt-version.ts";
import type { NoticeSink, PublisherNotice } from "./publisher-notice.ts";
import { describeReasonCode } from "./reason-code.ts";

/** Where the reporter writes: payloads (--verbose) to `out` so they can be piped, everything else to `err`. */
export interface ReporterStreams {
  readonly out: { write(text: string): unknown };
  readonly err: { write(text: string): unknown };
}

/** While a meter or the disk keeps failing, repeat the failure only this often (every one with --verbose). */
const REPEAT_EVERY = 100;

/** Whether the `count`-th notice in a row of one failure is shown: the first and every 100th, all with --verbose. */
function shownInRow(count: number, verbose: boolean): boolean {
  return verbose || count === 1 || count % REPEAT_EVERY === 0;
}

function plural(count: number, word: string): string {
  return `${count} ${word}${count === 1 ? "" : "s"}`;
}

function seconds(ms: number): string {
  return `${Math.round(ms / 100) / 10} s`;
}

/** "PUBACK 0x99 payload format invalid: "…"": an MQTT 5 reason code, its name and the broker's reason string. */
function puback(code: number, reasonString: string | undefined): string {
  return `PUBACK ${describeReasonCode(code, reasonString)}`;
}

/**
 * One line for a hub feedback report: "rejected: $.Quantity[0].type: …" for the hub's reports
 * ({status, problems: [{path, reason}], notes}), compact JSON for anything else.
 */
export function describeFeedback(payload: string): string {
  let report: unknown;
  try {
    report = JSON.parse(payload);
  } catch {
    return payload.length > 500 ? `${payload.slice(0, 500)}…` : payload;
  }
  const { status, problems, notes } = (report ?? {}) as {
    status?: unknown;
    problems?: unknown;
    notes?: unknown;
  };
  if (typeof status !== "string" || !Array.isArray(problems)) return JSON.stringify(report);
  const details = [
    ...problems.map((p: { path?: unknown; reason?: unknown }) => `${String(p?.path)}: ${String(p?.reason)}`),
    ...(Array.isArray(notes) ? notes.map(String) : []),
  ];
  return details.length > 0 ? `${status}: ${details.join("; ")}` : status;
}

/** The line for a notice, or undefined when it is only shown with --verbose and verbose is off. */
function describe(notice: PublisherNotice, verbose: boolean): string | undefined {
  switch (notice.kind) {
    case "started":
      return (
        `publishing ${notice.source} to ${notice.broker} (topic ${notice.topic}); queue ${notice.queueFile}` +
        (notice.backlog > 0 ? ` holds ${plural(notice.backlog, "reading")} from before, sent first` : "")
      );
    case "queued":
      return undefined;
    case "acknowledged":
      return verbose ? `acknowledged #${notice.seq}` : undefined;
    case "dropped":
      return (
        `queue full (limit ${notice.limit}): dropped the oldest ${plural(notice.count, "reading")} ` +
        `(${notice.droppedTotal} dropped in total)`
      );
    case "disk-full":
      if (!shownInRow(notice.consecutive, verbose)) return undefined;
      return notice.consecutive === 1
        ? `disk full: dropped the oldest ${plural(notice.count, "reading")} to make room ` +
            `(${notice.droppedTotal} dropped in total); until the disk has room, the queue keeps its size ` +
            "by dropping its oldest readings"
        : `disk still full: dropped the oldest ${plural(notice.count, "reading")} ` +
            `(${notice.droppedTotal} dropped in total)`;
    case "not-queued":
      if (!shownInRow(notice.consecutive, verbose)) return undefined;
      return (
        `disk full: a reading could not be queued, ${notice.message}` +
        `${notice.consecutive === 1 ? "" : ` (${notice.consecutive} in a row)`}; readings are lost until the disk has room`
      );
    case "disk-room":
      return `the disk has room again; the queue is back to its limit of ${plural(notice.limit, "reading")}`;
    case "delete-failed":
      if (!shownInRow(notice.waiting, verbose)) return undefined;
      return (
        `${notice.diskFull ? "disk full: " : ""}acknowledged readings cannot be deleted from the queue ` +
        `(${notice.message}; ${notice.waiting} waiting); they are not sent again and are deleted once it can write`
      );
    case "read-failed":
      if (!shownInRow(notice.consecutive, verbose)) return undefined;
      return notice.consecutive === 1
        ? `read failed: ${notice.message}`
        : `read failed (${notice.consecutive} in a row): ${notice.message}`;
    case "read-recovered":
      return `meter readable again after ${plural(notice.failedReads, "failed read")}`;
    case "hub-verdict":
      return notice.verdict === "partial"
        ? `the hub stored reading #${notice.seq} only in part (${puback(notice.reasonCode, notice.reasonString)})`
        : `the hub rejected reading #${notice.seq} (${puback(notice.reasonCode, notice.reasonString)}); ` +
            "it is removed from the queue and not sent again";
    case "publish-refused":
      return (
        `the broker refused a reading (${puback(notice.reasonCode, notice.reasonString)}); ` +
        `readings stay queued and are sent again from the oldest in ${seconds(notice.retryInMs)}, ` +
        "then with growing pauses while it refuses"
      );
    case "publish-accepted-again":
      return `the broker takes readings again (after ${plural(notice.refused, "refusal")}; the refused readings were kept and sent again)`;
    case "connected":
      return notice.mqttVersion === 4
        ? `connected to ${notice.broker}`
        : `connected to ${notice.broker} (MQTT ${mqttVersionName(notice.mqttVersion)})`;
    case "connection-lost":
      return `lost the broker (${notice.message}); readings stay queued until it is back`;
    case "connect-failed":
      switch (notice.givingUp) {
        case "credentials-refused":
          return `${notice.message}; giving up (--once)`;
        case "flush-timeout":
          return (
            `${notice.message}; giving up: the next try (in ${seconds(notice.retryInMs)}) would come after ` +
            "--flush-timeout ends; unsent readings stay queued"
          );
        default:
          return `${notice.message}; retrying in ${seconds(notice.retryInMs)}`;
      }
    case "flush-given-up":
      return (
        `giving up: the next try to reach the broker (in ${seconds(notice.nextTryInMs)}) would come after ` +
        `--flush-timeout (${seconds(notice.flushTimeoutMs)}) ends; unsent readings stay queued`
      );
    case "feedback":
      return `hub feedback: ${describeFeedback(notice.payload)}`;
    case "feedback-unavailable":
      return verbose
        ? `the broker does not allow subscribing to ${notice.topic}; hub feedback will not be shown`
        : undefined;
    case "summary":
      return (
        `last ${seconds(notice.periodMs)}: ${notice.sent} sent, ${notice.failed} failed, ${notice.backlog} queued` +
        (notice.droppedTotal > 0 ? `, ${notice.droppedTotal} dropped to make room so far` : "")
      );
    case "stopped":
      return (
        `stopped after sending ${plural(notice.sentTotal, "reading")}; ` +
        (notice.backlog > 0
          ? `${plural(notice.backlog, "reading")} kept in the queue for the next start`
          : "queue empty")
      );
  }
}

/** Prints notices for a person at a terminal: one timestamped line each, payloads only with --verbose. */
export function createConsoleReporter(verbose: boolean, streams: ReporterStreams): NoticeSink {
  return (notice) => {
    if (notice.kind === "queued" && verbose) streams.out.write(`${notice.payload}\n`);
    const line = describe(notice, verbose);
    if (line !== undefined) streams.err.write(`${new Date().toISOString()} ${line}\n`);
  };
}
