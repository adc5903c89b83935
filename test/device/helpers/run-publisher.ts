import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import type { TestContext } from "node:test";
import type { ReadingSource } from "../../../src/device/meter-reading.ts";
import type { MqttVersion } from "../../../src/device/mqtt-version.ts";
import { Publisher, type PublisherOutcome, type PublisherSettings } from "../../../src/device/publisher.ts";
import { queueFilePath } from "../../../src/device/reading-queue.ts";
import { NoticeRecorder } from "./notice-recorder.ts";

/** A temporary state directory, removed after the test. */
export function tempStateDir(t: TestContext): string {
  const dir = mkdtempSync(join(tmpdir(), "aiida-pub-state-"));
  t.after(() => rmSync(dir, { recursive: true, force: true }));
  return dir;
}

/** A publisher running in this process; `stop()` is Ctrl-C. */
export interface RunningPublisher {
  readonly recorder: NoticeRecorder;
  readonly outcome: Promise<PublisherOutcome>;
  readonly queueFile: string;
  stop(): Promise<PublisherOutcome>;
}

/** Starts a Publisher with test-friendly settings (fast reconnects) for a data source; stopped after the test. */
export function runPublisher(
  t: TestContext,
  options: {
    source: ReadingSource;
    broker: string;
    username: string;
    password: string;
    mqttVersion?: MqttVersion;
    stateDir?: string;
    overrides?: Partial<PublisherSettings>;
  },
): RunningPublisher {
  const stateDir = options.stateDir ?? tempStateDir(t);
  const recorder = new NoticeRecorder();
  const queueFile = queueFilePath(stateDir, options.username);
  const publisher = new Publisher(
    {
      source: options.source,
      queueFile,
      queueLimit: 10_000,
      link: {
        brokerUrl: options.broker,
        mqttVersion: options.mqttVersion ?? 4,
        ca: undefined,
        username: options.username,
        password: options.password,
        clientId: `aiida-pub-${options.username}`,
        feedbackTopic: `aiida/${options.username}/feedback`,
        reconnectMinMs: 100,
        reconnectMaxMs: 1000,
        connectTimeoutMs: 5000,
      },
      topic: `aiida/${options.username}/data`,
      registeredResource: undefined,
      maxInFlight: 16,
      maxPerSecond: 200,
      once: false,
      flushTimeoutMs: 5000,
      summaryIntervalMs: 60_000,
      ...options.overrides,
    },
    recorder.sink,
  );
  const controller = new AbortController();
  const outcome = publisher.run(controller.signal);
  const stop = async () => {
    controller.abort();
    return outcome;
  };
  t.after(stop);
  return { recorder, outcome, queueFile, stop };
}
