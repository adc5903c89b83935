import { execFile, spawn } from "node:child_process";
import type { TestContext } from "node:test";
import { promisify } from "node:util";
import type { DeviceCredentials } from "./hub-harness.ts";

/** The `-V` values of Debian's mosquitto-clients. */
export type MosquittoVersion = "mqttv31" | "mqttv311" | "mqttv5";

type Credentials = Pick<DeviceCredentials, "id" | "password" | "brokerUrl">;

/** Host, port and login arguments shared by mosquitto_pub and mosquitto_sub. */
function connectionArgs(credentials: Credentials, version: MosquittoVersion): string[] {
  const url = new URL(credentials.brokerUrl);
  // MQTT 3.1 allows client ids of at most 23 characters.
  const clientId = `mosq-${Math.random().toString(16).slice(2, 14)}`;
  return [
    "-h",
    url.hostname,
    "-p",
    url.port,
    "-u",
    credentials.id,
    "-P",
    credentials.password,
    "-V",
    version,
    "-i",
    clientId,
  ];
}

/** Publishes one message with mosquitto_pub; rejects with its output when it fails. Async: the hub may run in this process. */
export async function mosquittoPub(
  credentials: Credentials,
  version: MosquittoVersion,
  topic: string,
  qos: 0 | 1 | 2,
  message: string,
): Promise<void> {
  await promisify(execFile)(
    "mosquitto_pub",
    [...connectionArgs(credentials, version), "-t", topic, "-q", String(qos), "-m", message],
    { timeout: 15_000 },
  );
}

/**
 * Runs mosquitto_pub (MQTT 3.1.1) with a wrong password, as a misconfigured device does, and resolves once
 * the hub has refused it; fails the test if the hub let it in.
 */
export async function mosquittoPubWithWrongPassword(
  credentials: Pick<DeviceCredentials, "id" | "brokerUrl" | "topic">,
  clientId?: string,
): Promise<void> {
  const url = new URL(credentials.brokerUrl);
  const args = ["-h", url.hostname, "-p", url.port, "-u", credentials.id, "-P", "wrong"];
  if (clientId !== undefined) args.push("-i", clientId);
  const refused = await promisify(execFile)("mosquitto_pub", [...args, "-t", credentials.topic, "-m", "{}"], {
    timeout: 15_000,
  }).then(
    () => false,
    () => true,
  );
  if (!refused) throw new Error("mosquitto_pub with a wrong password was let in");
}

/** A running mosquitto_sub with debug output, whose SUBACK and messages the test reads. */
export interface MosquittoSubscriber {
  /** The SUBACK codes it printed ("Subscribed (mid: 1): 128"), or undefined if it ended without one. */
  readonly suback: Promise<number[] | undefined>;
  /** Resolves when the process exits: the payloads it printed, and everything else it wrote. */
  readonly exited: Promise<{ messages: string[]; output: string }>;
}

/**
 * Starts `mosquitto_sub -d` on one topic. `count` messages (-C) end it, `exitAfterSubscribe` (-E)
 * ends it once the SUBACK came, and `seconds` (-W) bounds it either way. Killed when the test ends.
 */
export function mosquittoSub(
  t: TestContext,
  credentials: Credentials,
  version: MosquittoVersion,
  topic: string,
  options: { count?: number; exitAfterSubscribe?: boolean; seconds: number },
): MosquittoSubscriber {
  const args = [
    ...connectionArgs(credentials, version),
    "-d",
    "-t",
    topic,
    "-q",
    "1",
    "-W",
    String(options.seconds),
  ];
  if (options.count !== undefined) args.push("-C", String(options.count));
  if (options.exitAfterSubscribe) args.push("-E");
  // Line-buffered: into a pipe, mosquitto_sub's stdio would hold the SUBACK line back until it exits.
  const child = spawn("stdbuf", ["-oL", "mosquitto_sub", ...args], { stdio: ["ignore", "pipe", "pipe"] });
  t.after(() => {
    if (child.exitCode === null && child.signalCode === null) child.kill("SIGKILL");
  });
  let output = "";
  let resolveSuback: (codes: number[] | undefined) => void = () => {};
  const suback = new Promise<number[] | undefined>((resolve) => {
    resolveSuback = resolve;
  });
  const onData = (chunk: Buffer) => {
    output += chunk.toString();
    const granted = /^Subscribed \(mid: \d+\): ([\d, ]+)$/m.exec(output);
    if (granted?.[1]) resolveSuback(granted[1].split(",").map((c) => Number(c.trim())));
  };
  child.stdout.on("data", onData);
  child.stderr.on("data", onData);
  const exited = new Promise<{ messages: string[]; output: string }>((resolve) =>
    child.once("close", () => {
      resolveSuback(undefined);
      // Debug lines start with "Client " or "Subscribed"; payloads (JSON reports) are the rest.
      const messages = output.split("\n").filter((l) => l.startsWith("{"));
      resolve({ messages, output });
    }),
  );
  return { suback, exited };
}
