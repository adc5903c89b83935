import assert from "node:assert/strict";
import { describe, type TestContext, test } from "node:test";
import mqtt, { type IClientOptions, type MqttClient } from "mqtt";
import pg from "pg";
import { DEVICE_SESSION_CHANNEL } from "../../src/hub-cluster/session-sync.ts";
import { createSourceOver, type HubProcess } from "../helpers/hub-process.ts";
import { instances } from "../helpers/instance-cluster.ts";
import { connackCodeOf, nextMessage, publishRejected } from "../helpers/mqtt-device.ts";
import { UNPARSABLE } from "../helpers/readings.ts";
import { waitFor } from "../helpers/wait-for.ts";

const feedbackOf = (id: string) => `aiida/${id}/feedback`;
type Source = { id: string; password: string; topic: string };

/** Two hub processes on one fresh PostgreSQL database, and a client of that database for the test. */
async function twoInstances(t: TestContext): Promise<{ a: HubProcess; b: HubProcess; db: pg.Client }> {
  const { hubs, url } = await instances(t, 2);
  const db = new pg.Client({ connectionString: url });
  // The database is dropped (its sessions ended) when the test ends, maybe before this client is.
  db.on("error", () => {});
  await db.connect();
  t.after(() => db.end().catch(() => {}));
  return { a: hubs[0] as HubProcess, b: hubs[1] as HubProcess, db };
}

/** Connects and resolves once the CONNACK came: the client, its refusal code, session present, and every report from the start. */
async function connect(t: TestContext, hub: HubProcess, source: Source, options: IClientOptions) {
  const client: MqttClient = mqtt.connect(hub.mqttUrl, {
    username: source.id,
    password: source.password,
    reconnectPeriod: 0,
    connectTimeout: 5000,
    ...options,
  });
  t.after(() => client.endAsync(true));
  // Listening from the start: a kept session's queued reports follow the CONNACK at once.
  const reports: { dataSourceId: string; status: string }[] = [];
  client.on("message", (_topic, payload) => reports.push(JSON.parse(String(payload))));
  let sessionPresent = false;
  client.once("connect", (connack) => {
    sessionPresent = connack.sessionPresent;
  });
  const code = await connackCodeOf(client);
  return { client, code, sessionPresent, reports };
}

/** The feedback reports queued in the database for a client id. */
async function queuedCount(db: pg.Client, clientId: string): Promise<number> {
  const { rows } = await db.query<{ n: string }>(
    `SELECT count(*) AS n FROM device_session_feedback f JOIN device_session s ON s.client_key = f.client_key
     WHERE s.client_id = $1`,
    [clientId],
  );
  return Number(rows[0]?.n ?? 0);
}

describe("a device's session moves between hub instances on one PostgreSQL database", () => {
  test("a persistent session made on A resumes on B with the feedback queued while the device was away", async (t) => {
    const { a, b, db } = await twoInstances(t);
    const owner = await createSourceOver(a.httpUrl);
    const clientId = `meter-${owner.id.slice(0, 8)}`;
    const session = { protocolVersion: 4, clean: false, clientId } as const;

    const first = await connect(t, a, owner, session);
    assert.equal(first.code, 0);
    assert.equal(first.sessionPresent, false);
    await first.client.subscribeAsync(feedbackOf(owner.id), { qos: 1 });
    await first.client.endAsync();

    // Another connection of the data source, on A, sends two bad messages while the device is away.
    const other = await connect(t, a, owner, { protocolVersion: 4 });
    assert.equal(other.code, 0);
    for (const bad of [UNPARSABLE, "[1, 2]"]) await publishRejected(other.client, owner.topic, bad);
    await other.client.endAsync();
    await waitFor(async () => (await queuedCount(db, clientId)) === 2, "two reports queued on A");

    const back = await connect(t, b, owner, session);
    assert.equal(back.code, 0);
    assert.equal(back.sessionPresent, true, "B knows the session made on A");
    const reports = await waitFor(() => back.reports.length >= 2 && back.reports, "the two queued reports");
    assert.deepEqual(
      reports.map((r) => [r.dataSourceId, r.status]),
      [
        [owner.id, "rejected"],
        [owner.id, "rejected"],
      ],
    );
    // Acknowledged (QoS 1): B removes them from the queue.
    await waitFor(async () => (await queuedCount(db, clientId)) === 0, "the delivered reports removed");

    // The subscription came along: a report made on B now reaches the device too.
    const fresh = nextMessage(back.client, feedbackOf(owner.id));
    await publishRejected(back.client, owner.topic, UNPARSABLE);
    assert.equal(JSON.parse(String(await fresh)).status, "rejected");
    assert.equal(back.reports.length, 3, "each queued report came once");
  });

  test("the same client id connecting to B ends its connection to A (MQTT 5: session taken over)", async (t) => {
    const { a, b, db } = await twoInstances(t);
    const owner = await createSourceOver(a.httpUrl);
    const clientId = `meter-${owner.id.slice(0, 8)}`;
    // B answers sessionPresent from memory: the test goes on once A's announcement of the subscribed
    // session is out (B gets it alongside this listener), rather than racing it to B.
    await db.query(`LISTEN ${DEVICE_SESSION_CHANNEL}`);
    const subscribedAnnounced = new Promise<void>((resolve) =>
      db.on("notification", (message) => {
        const announced = JSON.parse(message.payload ?? "{}") as { c?: string; q?: number };
        if (announced.c === clientId && announced.q === 1) resolve();
      }),
    );
    const session: IClientOptions = {
      protocolVersion: 5,
      clean: false,
      clientId,
      properties: { sessionExpiryInterval: 3600 },
    };

    const onA = await connect(t, a, owner, session);
    assert.equal(onA.code, 0);
    await onA.client.subscribeAsync(feedbackOf(owner.id), { qos: 1 });
    await subscribedAnnounced;
    const reason = new Promise<number | undefined>((resolve) =>
      onA.client.once("disconnect", (packet) => resolve(packet.reasonCode)),
    );
    const closed = new Promise<number>((resolve) =>
      onA.client.once("close", () => resolve(performance.now())),
    );

    const asked = performance.now();
    const onB = await connect(t, b, owner, session);
    assert.equal(onB.code, 0);
    assert.equal(onB.sessionPresent, true, "the session made on A is resumed on B");
    assert.equal(await reason, 0x8e, "A tells its device the session was taken over");
    const elapsed = (await closed) - asked;
    t.diagnostic(`A's connection closed ${elapsed.toFixed(0)} ms after the device connected to B`);
    assert.ok(elapsed < 2000, `A's connection closed ${elapsed.toFixed(0)} ms after the connect to B`);
    // B's connection stays: A's taking the session away announces nothing that would end it.
    await onB.client.publishAsync(owner.topic, UNPARSABLE, { qos: 1 }).catch(() => {});
    assert.equal(onB.client.connected, true);
  });
});
