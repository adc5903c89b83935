import assert from "node:assert/strict";
import { readFileSync } from "node:fs";
import { connect, type Socket } from "node:net";
import { describe, it } from "node:test";
import { bulkyMessage } from "../helpers/bulky-message.ts";
import { TEST_ADMIN_PASSWORD, tempDataDir } from "../helpers/hub-harness.ts";
import { createSourceOver, spawnHub } from "../helpers/hub-process.ts";
import { connectDevice } from "../helpers/mqtt-device.ts";
import { waitFor } from "../helpers/wait-for.ts";

// Few streams, many messages: each stream is sent far more than the kernel's socket buffers take in
// (several MiB per loopback connection), so what the hub holds for it shows in its own memory.
const STREAMS = 10;
const MESSAGES = 500;
const MIB = 1024 * 1024;

/** Resident memory of a process, from the kernel's own accounting. */
function rssBytes(pid: number): number {
  const kib = /^VmRSS:\s+(\d+) kB$/m.exec(readFileSync(`/proc/${pid}/status`, "utf8"))?.[1];
  if (kib === undefined) throw new Error(`no VmRSS for process ${pid}`);
  return Number(kib) * 1024;
}

describe("live streams that never read", () => {
  it(`${STREAMS} of them, while a device sends ${MESSAGES} messages with 60 KB reports, leave the hub's memory bounded`, async (t) => {
    const hub = await spawnHub(
      t,
      [
        ...["--http-port", "0", "--mqtt-port", "0", "--data-dir", tempDataDir(t)],
        ...["--retention-days", "36500", "--rate-limit", "100000"],
      ],
      {
        AIIDA_HUB_MAX_LIVE_STREAMS: String(STREAMS),
        AIIDA_HUB_MAX_LIVE_STREAMS_PER_SESSION: String(STREAMS),
      },
    );
    const pid = hub.child.pid as number;
    const source = await createSourceOver(hub.httpUrl);
    const { token } = (await fetch(`${hub.httpUrl}/api/auth/login`, {
      method: "POST",
      headers: { "content-type": "application/json" },
      body: JSON.stringify({ username: "admin", password: TEST_ADMIN_PASSWORD }),
    }).then((r) => r.json())) as { token: string };

    const { port } = new URL(hub.httpUrl);
    const sockets: Socket[] = [];
    t.after(() => {
      for (const socket of sockets) socket.destroy();
    });
    for (let i = 0; i < STREAMS; i++) {
      const socket = connect(Number(port), "127.0.0.1");
      sockets.push(socket);
      // Reads the response head only, then never again: the kernel's buffers fill and the hub's must not.
      await new Promise<void>((resolve) => {
        socket.once("data", () => {
          socket.pause();
          resolve();
        });
        socket.write(
          `GET /api/datasources/${source.id}/live HTTP/1.1\r\nhost: 127.0.0.1\r\nauthorization: Bearer ${token}\r\n\r\n`,
        );
      });
    }
    const before = rssBytes(pid);

    const device = await connectDevice(t, hub.mqttUrl, source);
    for (let i = 0; i < MESSAGES; i++) await device.publishAsync(source.topic, bulkyMessage(i), { qos: 1 });
    // Every report has been handed to every stream (or the stream was closed) once the hub answers again.
    await waitFor(async () => (await fetch(`${hub.httpUrl}/api/health`)).status === 200, "the hub answering");

    const grown = rssBytes(pid) - before;
    // Unbounded, each stream would hold what the kernel did not take of 500 × 60 KB ≈ 30 MB (over
    // 200 MiB in all). Bounded, at most 1 MiB each, plus garbage the collector has not returned yet.
    assert.ok(
      grown < STREAMS * MIB + 100 * MIB,
      `the hub grew by ${Math.round(grown / MIB)} MiB with ${STREAMS} streams that never read`,
    );
  });
});
