import type { MqttVersion } from "./mqtt-version.ts";

/** Everything the publisher tells its user about; the console reporter prints them, tests record them. */
export type PublisherNotice =
  | {
      readonly kind: "started";
      readonly source: string;
      readonly broker: string;
      readonly topic: string;
      readonly queueFile: string;
      readonly backlog: number;
    }
  /** A reading was committed to the on-disk queue. */
  | { readonly kind: "queued"; readonly seq: number; readonly payload: string; readonly backlog: number }
  /** The queue was full: the oldest readings were dropped to make room. */
  | {
      readonly kind: "dropped";
      readonly count: number;
      readonly droppedTotal: number;
      readonly limit: number;
    }
  /**
   * The disk is full: the oldest readings were dropped to make room (`consecutive`: the how-many-th such
   * drop since the disk filled; the queue keeps its size until the disk has room).
   */
  | {
      readonly kind: "disk-full";
      readonly count: number;
      readonly droppedTotal: number;
      readonly consecutive: number;
    }
  /** The disk is full and nothing could be dropped to make room: a reading was read but not queued. */
  | { readonly kind: "not-queued"; readonly message: string; readonly consecutive: number }
  /** The disk had been full and has room again: the queue is back to its size limit. */
  | { readonly kind: "disk-room"; readonly limit: number }
  /** The broker acknowledged a reading; it has left the queue. */
  | { readonly kind: "acknowledged"; readonly seq: number }
  /**
   * An acknowledged reading could not be deleted from the queue file (`waiting` such readings now); it is
   * remembered as acknowledged, not sent again, and deleted by a later write.
   */
  | {
      readonly kind: "delete-failed";
      readonly diskFull: boolean;
      readonly message: string;
      readonly waiting: number;
    }
  | { readonly kind: "read-failed"; readonly message: string; readonly consecutive: number }
  | { readonly kind: "read-recovered"; readonly failedReads: number }
  /**
   * The hub took a reading but not all of it (MQTT 5): "partial", a success PUBACK with a reason string
   * (only part was stored), or "rejected", PUBACK 0x99 (nothing was stored). Follows its "acknowledged".
   */
  | {
      readonly kind: "hub-verdict";
      readonly seq: number;
      readonly verdict: "partial" | "rejected";
      readonly reasonCode: number;
      readonly reasonString: string | undefined;
    }
  /**
   * The broker refused a publish (MQTT 5 PUBACK ≥ 0x80 other than 0x99, e.g. 0x97 quota exceeded): the
   * reading stays queued and is sent again in `retryInMs`. Only the first refusal of a streak is told.
   */
  | {
      readonly kind: "publish-refused";
      readonly reasonCode: number;
      readonly reasonString: string | undefined;
      readonly retryInMs: number;
    }
  /** The broker takes publishes again after refusing `refused` of them. */
  | { readonly kind: "publish-accepted-again"; readonly refused: number }
  | { readonly kind: "connected"; readonly broker: string; readonly mqttVersion: MqttVersion }
  | { readonly kind: "connection-lost"; readonly message: string }
  /**
   * A connection attempt failed; `credentialsRefused` when the broker refused the username or password.
   * `givingUp` when the publisher will not try again before it ends: --once after refused credentials, or
   * the next try would come after --flush-timeout ends.
   */
  | {
      readonly kind: "connect-failed";
      readonly message: string;
      readonly retryInMs: number;
      readonly credentialsRefused: boolean;
      readonly givingUp?: "credentials-refused" | "flush-timeout";
    }
  /**
   * The flush began with no connection and the next try to connect, in `nextTryInMs`, comes after
   * --flush-timeout (`flushTimeoutMs`) ends: the publisher ends now and keeps what is unsent.
   */
  | { readonly kind: "flush-given-up"; readonly nextTryInMs: number; readonly flushTimeoutMs: number }
  /** A report the hub published on `aiida/<id>/feedback` (JSON text, as received). */
  | { readonly kind: "feedback"; readonly payload: string }
  | { readonly kind: "feedback-unavailable"; readonly topic: string }
  | {
      readonly kind: "summary";
      readonly periodMs: number;
      readonly sent: number;
      readonly failed: number;
      readonly backlog: number;
      readonly droppedTotal: number;
    }
  | { readonly kind: "stopped"; readonly backlog: number; readonly sentTotal: number };

/** Receives notices; must not throw (the publisher does not guard against a failing reporter). */
export type NoticeSink = (notice: PublisherNotice) => void;
