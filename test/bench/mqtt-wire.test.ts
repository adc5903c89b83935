import assert from "node:assert/strict";
import { rmSync } from "node:fs";
import { after, before, describe, it } from "node:test";
import { createContext, type RunContext } from "../../bench/lib/context.ts";
import {
  ConnectError,
  type ProtocolVersion,
  PublishTemplate,
  WireClient,
} from "../../bench/lib/mqtt-wire.ts";
import { startMosquitto, type Target } from "../../bench/lib/servers.ts";
import { waitFor } from "../helpers/wait-for.ts";

/**
 * The bench's load client against Debian's Mosquitto (which speaks MQTT 3.1.1 and 5, over TCP and
 * TLS): what it sends must be what the broker accepts, and what it reads back must be what was sent.
 */
describe("bench MQTT wire client", () => {
  let ctx: RunContext;
  let plain: Target;
  let tls: Target;
  /** A CA certificate that did not sign `tls`'s certificate (another run's). */
  let otherCa: string | undefined;

  before(async () => {
    ctx = createContext(
      { only: [], quick: true, reps: 1, cpuProf: false, yearScale: 1, database: "sqlite" },
      "",
    );
    plain = await startMosquitto(ctx, { label: "wire-plain" });
    tls = await startMosquitto(ctx, { label: "wire-tls", tls: true });
    const other = await startMosquitto(ctx, { label: "wire-other-ca", tls: true });
    otherCa = other.tlsCa;
    await other.stop();
  });

  after(async () => {
    await plain?.stop();
    await tls?.stop();
    rmSync(ctx.tmpRoot, { recursive: true, force: true });
  });

  const connect = (target: Target, clientId: string, protocolVersion: ProtocolVersion) =>
    WireClient.connect({
      host: target.host,
      port: target.port,
      clientId,
      protocolVersion,
      tlsCa: target.tlsCa,
      connectTimeoutMs: 5000,
    });

  /** Publishes one QoS 1 message and resolves with its PUBACK's reason code. */
  function publishOnce(client: WireClient, topic: string, payload: string, id: number): Promise<number> {
    const template = new PublishTemplate(topic, Buffer.from(payload), 0, 1, client.protocolVersion);
    const out = Buffer.allocUnsafe(template.length);
    const ts = payload.slice(0, 24);
    template.fill(out, 0, id, ts);
    return new Promise((resolve, reject) => {
      client.onPuback = (ackId, reasonCode) => {
        if (ackId === id) resolve(reasonCode);
      };
      // A packet the broker cannot parse ends the connection instead of an acknowledgement.
      client.onClose = () => reject(new Error("connection closed before PUBACK"));
      client.write(out);
    });
  }

  const PAYLOAD = `${new Date(0).toISOString()} hello`;

  for (const [name, pick] of [
    ["TCP", () => plain],
    ["TLS", () => tls],
  ] as const) {
    for (const version of [4, 5] as const) {
      it(`MQTT ${version === 5 ? "5" : "3.1.1"} over ${name}: a subscriber gets the payload, the publisher a PUBACK with reason 0`, async () => {
        const target = pick();
        const subscriber = await connect(target, `sub-${name}-${version}`, version);
        const received: string[] = [];
        subscriber.onPublish = (topic, payload) => received.push(`${topic}|${payload.toString()}`);
        await subscriber.subscribe(`wire/${name}/${version}`, 1);
        const publisher = await connect(target, `pub-${name}-${version}`, version);
        const reason = await publishOnce(publisher, `wire/${name}/${version}`, PAYLOAD, 7);
        assert.equal(reason, 0);
        await waitFor(() => received.length === 1, "the subscriber's message");
        assert.deepEqual(received, [`wire/${name}/${version}|${PAYLOAD}`]);
        publisher.end();
        subscriber.end();
      });
    }
  }

  it("MQTT 5: a PUBACK's non-zero reason code reaches the caller (Mosquitto: 0x10, no matching subscribers)", async () => {
    const publisher = await connect(plain, "pub-nobody-listens", 5);
    assert.equal(await publishOnce(publisher, "wire/nobody", PAYLOAD, 9), 0x10);
    publisher.end();
  });

  it("TLS: a client that trusts another CA is not connected", async () => {
    assert.ok(otherCa);
    await assert.rejects(
      WireClient.connect({
        host: tls.host,
        port: tls.port,
        clientId: "wrong-ca",
        tlsCa: otherCa,
        connectTimeoutMs: 5000,
      }),
      ConnectError,
    );
  });
});
