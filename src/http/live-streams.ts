import type { ServerResponse } from "node:http";
import type { FastifyReply } from "fastify";
import { HubError } from "../domain/hub-error.ts";
import type { Logger } from "../platform/logger.ts";

/** Bytes one stream may hold unsent before it is closed as too slow: what bounds its memory. */
export const MAX_BUFFERED_BYTES = 1024 * 1024;
/** How long a stream closed as too slow may take to read its last bytes before its connection is cut. */
const CLOSE_GRACE_MS = 5000;
/** Comment line sent to idle streams so proxies do not cut them. */
const KEEPALIVE_MS = 15_000;
// The most bytes one UTF-16 code unit takes in UTF-8: a string's length times this bounds its byte length.
const MAX_UTF8_BYTES_PER_UNIT = 3;

/** How often streams are checked against their sessions: a reset from the command line or an expiry ends them within this. */
const SESSION_CHECK_MS = 15_000;

/** How many live streams may be open, and how much each may hold unsent. */
export interface LiveStreamLimits {
  /** Streams open at once, all sessions together. */
  readonly maxStreams: number;
  /** Streams one session (one bearer token or session cookie) may have open at once. */
  readonly maxStreamsPerSession: number;
}

/** What the live streams hold, for tests and diagnostics. */
export interface LiveStreamStats {
  /** Connections held, including streams that were closed as too slow and are still draining. */
  readonly open: number;
  readonly closedAsTooSlow: number;
  /** The most bytes any stream held unsent right after a write. */
  readonly peakBufferedBytes: number;
}

/**
 * The Server-Sent Event streams of all sessions: admits a stream only within the limits, and closes a
 * stream whose client does not read, with a last event saying why, instead of buffering for it without end.
 */
export class LiveStreams {
  private readonly perSession = new Map<string, number>();
  /** The streams still taking events, by session: what a logout ends. */
  private readonly streamsOf = new Map<string, Set<LiveStream>>();
  private sessionCheck: NodeJS.Timeout | undefined;
  private openCount = 0;
  private closedAsTooSlow = 0;
  private peakBufferedBytes = 0;

  /**
   * `sessionAlive` says whether a session still exists; streams of one that does not are ended. A check
   * that fails is logged to `logger` and tried again at the next interval.
   */
  constructor(
    private readonly limits: LiveStreamLimits,
    private readonly sessionAlive: (session: string) => Promise<boolean> = async () => true,
    private readonly logger?: Logger,
  ) {}

  /**
   * Takes the reply over as an event stream of `session`; over a limit, throws TOO_MANY_REQUESTS
   * before anything is sent, so the error handler still answers.
   */
  open(session: string, reply: FastifyReply): LiveStream {
    const held = this.perSession.get(session) ?? 0;
    if (held >= this.limits.maxStreamsPerSession) {
      throw new HubError(
        "TOO_MANY_REQUESTS",
        `This session already has ${held} live streams open, the most one session may have (--max-live-streams-per-session); close one first.`,
      );
    }
    if (this.openCount >= this.limits.maxStreams) {
      throw new HubError(
        "TOO_MANY_REQUESTS",
        `The hub already serves ${this.openCount} live streams, the most it serves at once (--max-live-streams); try again later.`,
      );
    }
    this.perSession.set(session, held + 1);
    this.openCount++;
    reply.hijack();
    const res = reply.raw;
    // The slot is given back only when the connection is gone, so a draining stream still counts.
    res.once("close", () => this.release(session));
    const stream = new LiveStream(res, {
      wrote: (buffered) => {
        if (buffered > this.peakBufferedBytes) this.peakBufferedBytes = buffered;
      },
      tooSlow: () => {
        this.closedAsTooSlow++;
      },
    });
    const streams = this.streamsOf.get(session) ?? new Set();
    streams.add(stream);
    this.streamsOf.set(session, streams);
    stream.onStop(() => {
      streams.delete(stream);
      if (streams.size === 0 && this.streamsOf.get(session) === streams) this.streamsOf.delete(session);
      if (this.streamsOf.size === 0) this.stopSessionCheck();
    });
    this.sessionCheck ??= setInterval(() => {
      this.endLoggedOut().catch((err: unknown) =>
        this.logger?.warn("live streams: the session check failed; it is tried again", {
          error: String(err),
        }),
      );
    }, SESSION_CHECK_MS).unref();
    return stream;
  }

  /**
   * Ends the streams of every session that no longer exists (logged out, its password changed or reset,
   * expired), each with a last `closed` event: a logged-out viewer must not go on receiving data.
   */
  async endLoggedOut(): Promise<void> {
    for (const [session, streams] of [...this.streamsOf]) {
      if (await this.sessionAlive(session)) continue;
      for (const stream of [...streams])
        stream.end(
          "logged-out",
          "the session ended (logged out, or the password changed); log in again to go on",
        );
    }
  }

  private stopSessionCheck(): void {
    clearInterval(this.sessionCheck);
    this.sessionCheck = undefined;
  }

  stats(): LiveStreamStats {
    return {
      open: this.openCount,
      closedAsTooSlow: this.closedAsTooSlow,
      peakBufferedBytes: this.peakBufferedBytes,
    };
  }

  private release(session: string): void {
    this.openCount--;
    const held = (this.perSession.get(session) ?? 1) - 1;
    if (held === 0) this.perSession.delete(session);
    else this.perSession.set(session, held);
  }
}

/** What a stream tells its owner. */
interface StreamObserver {
  wrote(bufferedBytes: number): void;
  tooSlow(): void;
}

/** One open event stream; it never holds more than its limit of unsent bytes. */
export class LiveStream {
  private stopped = false;
  private readonly stopHandlers: Array<() => void> = [];
  private readonly keepalive: NodeJS.Timeout;

  constructor(
    private readonly res: ServerResponse,
    private readonly observer: StreamObserver,
  ) {
    res.writeHead(200, {
      "content-type": "text/event-stream; charset=utf-8",
      "cache-control": "no-store",
      connection: "keep-alive",
      "x-accel-buffering": "no",
    });
    this.keepalive = setInterval(() => this.write(": keepalive\n\n"), KEEPALIVE_MS);
    res.once("close", () => this.stop());
    this.write(": connected\n\n");
  }

  /** Sends one event; does nothing once the stream has stopped. */
  send(event: string, data: unknown): void {
    if (this.stopped) return;
    this.write(`event: ${event}\ndata: ${JSON.stringify(data)}\n\n`);
  }

  /** Runs `handler` once, when the stream stops taking events (closed by either side). */
  onStop(handler: () => void): void {
    if (this.stopped) handler();
    else this.stopHandlers.push(handler);
  }

  private write(chunk: string): void {
    if (this.stopped) return;
    // Checked before writing, so the limit holds after every write; the byte count only near the limit.
    const room = MAX_BUFFERED_BYTES - this.res.writableLength;
    if (chunk.length * MAX_UTF8_BYTES_PER_UNIT > room && Buffer.byteLength(chunk) > room) {
      this.closeAsTooSlow();
      return;
    }
    this.res.write(chunk);
    this.observer.wrote(this.res.writableLength);
  }

  /** Ends the stream with a last `closed` event saying why. */
  end(reason: string, message: string): void {
    if (this.stopped) return;
    this.write(`event: closed\ndata: ${JSON.stringify({ reason, message })}\n\n`);
    this.stop();
    this.res.end();
  }

  /** Stops taking events, says why if the limit leaves room, ends the response, and cuts it if it is not read. */
  private closeAsTooSlow(): void {
    this.stop();
    this.observer.tooSlow();
    const message = `the client did not read fast enough: more than ${MAX_BUFFERED_BYTES} bytes were waiting to be sent, so the hub closed this stream; connect again to go on`;
    const notice = `event: closed\ndata: ${JSON.stringify({ reason: "overflow", message })}\n\n`;
    if (this.res.writableLength + Buffer.byteLength(notice) <= MAX_BUFFERED_BYTES) {
      this.res.write(notice);
      this.observer.wrote(this.res.writableLength);
    }
    this.res.end();
    // The connection goes too, once its last bytes are sent: kept alive, a client would wait on it for nothing.
    this.res.socket?.end();
    // A client that reads slowly gets the rest and the notice; one that never reads is cut off.
    const cut = setTimeout(() => this.res.destroy(), CLOSE_GRACE_MS);
    cut.unref();
    this.res.once("close", () => clearTimeout(cut));
  }

  private stop(): void {
    if (this.stopped) return;
    this.stopped = true;
    clearInterval(this.keepalive);
    for (const handler of this.stopHandlers.splice(0)) handler();
  }
}
