import { type ChildProcess, execFileSync, spawn } from "node:child_process";
import { once } from "node:events";
import { mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir, userInfo } from "node:os";
import { join } from "node:path";
import type { TestContext } from "node:test";
import { waitFor } from "../../helpers/wait-for.ts";
import { freePort } from "./free-port.ts";

/** A real Mosquitto on 127.0.0.1 with password authentication, one per test. */
export interface Mosquitto {
  readonly port: number;
  readonly url: string;
  /** Stops the broker (SIGTERM saves its persistence file) and waits until it has exited. */
  stop(): Promise<void>;
  /** Starts it again on the same port with the same users and persistence. */
  start(): Promise<void>;
  /** Everything it logged so far. */
  log(): string;
}

/** PEM files of a TLS listener. */
export interface ListenerTls {
  readonly caFile: string;
  readonly certFile: string;
  readonly keyFile: string;
}

/**
 * How the one listener speaks: plain MQTT over TCP unless asked for TLS or WebSocket (Debian's Mosquitto
 * 2.0.11 cannot open a WebSocket listener with TLS: put a TLS terminator in front of a ws:// one).
 */
export interface ListenerOptions {
  readonly tls?: ListenerTls;
  readonly websockets?: boolean;
}

/**
 * Starts /usr/sbin/mosquitto with a temporary config: the given users, no anonymous access, and
 * persistence in a temporary folder so persistent subscriber sessions survive a restart. Its url is
 * mqtt://, mqtts://, ws:// or wss:// as the listener options say.
 */
export async function startMosquitto(
  t: TestContext,
  users: Record<string, string>,
  listener: ListenerOptions = {},
): Promise<Mosquitto> {
  const dir = mkdtempSync(join(tmpdir(), "aiida-pub-mosquitto-"));
  const passwordFile = join(dir, "passwords");
  writeFileSync(passwordFile, "");
  for (const [user, password] of Object.entries(users)) {
    execFileSync("mosquitto_passwd", ["-b", passwordFile, user, password]);
  }
  const port = await freePort();
  // Mosquitto 2.0.11 counts no WebSocket listener as a listening socket and exits without a plain one too.
  const plainBeside = listener.websockets ? [`listener ${await freePort()} 127.0.0.1`] : [];
  const config = join(dir, "mosquitto.conf");
  writeFileSync(
    config,
    [
      // Run as whoever runs the tests: as root, mosquitto would switch to a user who cannot read the temp folder.
      `user ${userInfo().username}`,
      `listener ${port} 127.0.0.1`,
      ...(listener.websockets ? ["protocol websockets"] : []),
      ...(listener.tls
        ? [
            `cafile ${listener.tls.caFile}`,
            `certfile ${listener.tls.certFile}`,
            `keyfile ${listener.tls.keyFile}`,
          ]
        : []),
      ...plainBeside,
      "allow_anonymous false",
      `password_file ${passwordFile}`,
      "persistence true",
      `persistence_location ${dir}/`,
      "autosave_interval 1",
      "log_dest stderr",
      "log_type error",
      "log_type warning",
      "log_type notice",
      "log_type information",
      "",
    ].join("\n"),
  );
  let child: ChildProcess | undefined;
  let output = "";
  const start = async () => {
    const started = spawn("/usr/sbin/mosquitto", ["-c", config], { stdio: ["ignore", "ignore", "pipe"] });
    child = started;
    const before = output.length;
    started.stderr?.on("data", (chunk: Buffer) => {
      output += chunk.toString();
    });
    await waitFor(
      () => output.slice(before).includes(" running") || started.exitCode !== null,
      `mosquitto to start on port ${port}`,
    );
    if (started.exitCode !== null) throw new Error(`mosquitto exited at start:\n${output}`);
  };
  const stop = async () => {
    const running = child;
    child = undefined;
    if (running === undefined || running.exitCode !== null) return;
    const exited = once(running, "exit");
    running.kill("SIGTERM");
    await exited;
  };
  t.after(async () => {
    await stop();
    rmSync(dir, { recursive: true, force: true });
  });
  await start();
  const scheme = `${listener.websockets ? "ws" : "mqtt"}${listener.tls ? "s" : ""}`;
  return { port, url: `${scheme}://127.0.0.1:${port}`, stop, start, log: () => output };
}
