import { execFile } from "node:child_process";
import type { DeviceCredentials } from "./hub-harness.ts";

/** Debian's interpreter: python3-paho-mqtt is installed for it, not for a python3 earlier on PATH. */
const PYTHON = "/usr/bin/python3";
const SCRIPT = new URL("../fixtures/mqtt/paho_device.py", import.meta.url).pathname;

/** The MQTT versions Paho speaks, as the script's --version takes them. */
export type PahoVersion = "31" | "311" | "5";

/** One JSON line the script printed. */
export type PahoEvent = { event: string } & Record<string, any>;

/**
 * Runs one Paho device session (test/fixtures/mqtt/paho_device.py): the messages, then a bad one
 * with its feedback report, then a subscription it may not make. Resolves with its events and exit code.
 */
export function runPahoSession(
  credentials: Pick<DeviceCredentials, "id" | "password" | "brokerUrl" | "topic">,
  version: PahoVersion,
  session: { messages: [0 | 1 | 2, string][]; bad: string; refusedTopic: string },
): Promise<{ code: number; events: PahoEvent[]; stderr: string }> {
  const url = new URL(credentials.brokerUrl);
  const args = [
    SCRIPT,
    ["--host", url.hostname],
    ["--port", url.port],
    ["--username", credentials.id],
    ["--password", credentials.password],
    // MQTT 3.1 allows client ids of at most 23 characters.
    ["--client-id", `paho-${Math.random().toString(16).slice(2, 14)}`],
    ["--version", version],
    ["--data-topic", credentials.topic],
    ["--feedback-topic", `aiida/${credentials.id}/feedback`],
    ["--refused-topic", session.refusedTopic],
    ["--messages", JSON.stringify(session.messages)],
    ["--bad", session.bad],
  ].flat();
  // Async: the hub runs in this process, so a synchronous child would block it.
  return new Promise((resolve) => {
    execFile(PYTHON, args, { timeout: 60_000 }, (err, stdout, stderr) => {
      const events = stdout
        .split("\n")
        .filter((l) => l.startsWith("{"))
        .map((l) => JSON.parse(l) as PahoEvent);
      const code = err ? ((err as { code?: number }).code ?? -1) : 0;
      resolve({ code: typeof code === "number" ? code : -1, events, stderr });
    });
  });
}
