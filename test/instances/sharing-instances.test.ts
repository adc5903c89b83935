import assert from "node:assert/strict";
import { describe, type TestContext, test } from "node:test";
import mqtt from "mqtt";
import { eddieWithBroker } from "../helpers/eddie-with-broker.ts";
import type { HubProcess } from "../helpers/hub-process.ts";
import {
  api,
  createSource,
  instances,
  loggedAt,
  login,
  reading,
  shardsSpread,
} from "../helpers/instance-cluster.ts";
import { base64Code } from "../helpers/stand-in-eddie.ts";
import type { ReceivedMessage } from "../helpers/stand-in-ep-broker.ts";
import { waitFor } from "../helpers/wait-for.ts";

const RAW = "SMART-METER-P1-RAW";

/** Two hubs on one database, EDDIE and its broker, and a permission granted on the first hub and streaming. */
async function streamingPermission(t: TestContext, options: { networks?: boolean } = {}) {
  const { broker, eddie, received } = await eddieWithBroker(t);
  const { hubs, networks, url } = await instances(t, 2, options);
  const [a, b] = hubs as [HubProcess, HubProcess];
  // The second instance takes half the shards from the first: a stream found before that could move.
  await shardsSpread(url, 2);
  const tokens = new Map([
    [a, await login(a)],
    [b, await login(b)],
  ]);
  const source = await createSource(a, tokens.get(a) as string);
  const code = eddie.issue(1, {
    dataNeed: { schemas: [RAW], transmissionSchedule: "* * * * * *", dataTags: ["1-0:1.7.0"] },
  });
  const permissionId = code.permissionIds[0] as string;
  const added = await api(a, tokens.get(a) as string, "POST", "/api/permissions", {
    aiidaCode: base64Code(code),
  });
  assert.equal(added.status, 201, JSON.stringify(added.body));
  const accepted = await api(a, tokens.get(a) as string, "PATCH", `/api/permissions/${permissionId}`, {
    operation: "ACCEPT",
    dataSourceId: source.id,
  });
  assert.equal(accepted.status, 200, JSON.stringify(accepted.body));
  const streams = (hub: HubProcess) =>
    hub.output().includes(`connected to EDDIE's broker`) && hub.output().includes(permissionId);
  // The permission streams on the instance holding its shard, whichever took the ACCEPT.
  const owner = await waitFor(
    () => (streams(a) ? a : streams(b) ? b : undefined),
    "a stream to EDDIE",
    10_000,
  );
  const other = owner === a ? b : a;
  assert.equal(streams(other), false, "one instance streams the permission, not both");
  const dataTopic = `aiida/v1/${permissionId}/data/outbound/${RAW.toLowerCase()}`;
  const values = (messages: readonly ReceivedMessage[]) =>
    messages
      .filter((m) => m.topic === dataTopic)
      .flatMap((m) =>
        (JSON.parse(m.payload) as { values: { value: string }[] }).values.map((v) => Number(v.value)),
      );
  const networkOf = (hub: HubProcess) => networks[hub === a ? 0 : 1];
  return { broker, received, permissionId, source, owner, other, tokens, dataTopic, values, networkOf };
}

/** A device publishing a reading (value `next()`) every 100 ms to `hub`, until the test ends. */
async function publishingDevice(
  t: TestContext,
  hub: HubProcess,
  source: { id: string; password: string; topic: string },
  next: () => number,
) {
  const device = await mqtt.connectAsync(hub.mqttUrl, {
    username: source.id,
    password: source.password,
    reconnectPeriod: 0,
  });
  const timer = setInterval(() => {
    device.publishAsync(source.topic, reading(next(), Date.now() - 1000), { qos: 1 }).catch(() => {});
  }, 100);
  t.after(async () => {
    clearInterval(timer);
    await device.endAsync(true);
  });
  return device;
}

describe("sharing with several hub instances on one PostgreSQL database", () => {
  test("a stream gets the records of a device on another instance, and moves to that instance within 2 s when its own is killed", async (t) => {
    const s = await streamingPermission(t);
    let value = 0;
    // The device publishes to the instance that does not stream: its records reach the stream through the database.
    await publishingDevice(t, s.other, s.source, () => ++value);
    await waitFor(() => s.values(s.received).length > 0, "a document at EDDIE's broker", 10_000);

    const killedAt = performance.now();
    const beforeKill = value;
    s.owner.child.kill("SIGKILL");
    await s.broker.whenSubscribed(s.permissionId, 2);
    const moved = performance.now() - killedAt;
    t.diagnostic(`the stream resumed on the other instance ${moved.toFixed(0)} ms after kill -9`);
    assert.ok(moved < 2000, `the stream resumed ${moved.toFixed(0)} ms after kill -9 of its instance`);
    await waitFor(
      () => s.other.output().includes("connected to EDDIE's broker"),
      "the surviving instance to log its stream",
      5000,
    );
    await waitFor(
      () => s.values(s.received).some((v) => v > beforeKill + 5),
      "documents of records stored after the kill",
      10_000,
    );
    const status = await api(
      s.other,
      s.tokens.get(s.other) as string,
      "GET",
      `/api/permissions/${s.permissionId}`,
    );
    assert.equal(status.body.status, "STREAMING_DATA");
  });

  test("a revoke on the instance that does not stream the permission ends the stream on the one that does: REVOKED last", async (t) => {
    const s = await streamingPermission(t);
    let value = 0;
    await publishingDevice(t, s.owner, s.source, () => ++value);
    await waitFor(() => s.values(s.received).length > 0, "a document at EDDIE's broker", 10_000);

    const revoked = await api(
      s.other,
      s.tokens.get(s.other) as string,
      "PATCH",
      `/api/permissions/${s.permissionId}`,
      {
        operation: "REVOKE",
      },
    );
    assert.equal(revoked.status, 200, JSON.stringify(revoked.body));
    assert.equal(revoked.body.status, "REVOKED");
    const statusTopic = `aiida/v1/${s.permissionId}/status`;
    const atRevoke = await waitFor(
      () => {
        const index = s.received.findIndex((m) => m.topic === statusTopic);
        return index >= 0 ? index : undefined;
      },
      "the REVOKED status message at EDDIE's broker",
      10_000,
    );
    const message = JSON.parse(s.received[atRevoke]?.payload ?? "{}") as { status?: string };
    assert.equal(message.status, "REVOKED");
    // The streaming instance lets go of the permission: its flow says finished, on either instance.
    for (const hub of [s.owner, s.other]) {
      await waitFor(
        async () =>
          (await api(hub, s.tokens.get(hub) as string, "GET", `/api/permissions/${s.permissionId}/data-flow`))
            .body?.phase === "finished",
        "the permission's outbox delivered and closed",
        10_000,
      );
    }
    // Records keep coming for two more seconds (two schedule firings): nothing may follow the status.
    const mark = value;
    await waitFor(() => value > mark + 20, "the device to go on publishing", 10_000);
    const after = s.received.slice(atRevoke + 1).filter((m) => m.topic === s.dataTopic);
    assert.deepEqual(after, [], "no document after the final status");
  });

  test("a stream's instance cut off from the database: the stream moves within 15 s, after the cut-off instance let it go", async (t) => {
    const s = await streamingPermission(t, { networks: true });
    let value = 0;
    await publishingDevice(t, s.other, s.source, () => ++value);
    await waitFor(() => s.values(s.received).length > 0, "a document at EDDIE's broker", 10_000);

    const cutAt = performance.now();
    const beforeCut = value;
    s.networkOf(s.owner)?.cut();
    await s.broker.whenSubscribed(s.permissionId, 2);
    const moved = performance.now() - cutAt;
    t.diagnostic(`the stream resumed on the other instance ${moved.toFixed(0)} ms after its own was cut off`);
    assert.ok(moved < 15_000, `the stream resumed ${moved.toFixed(0)} ms after the cut`);
    await waitFor(
      () => s.values(s.received).some((v) => v > beforeCut + 5),
      "documents of records stored after the cut",
      10_000,
    );
    // Each process stamps its lines with the machine's clock: the cut-off one gave the shards up first.
    await waitFor(
      () => s.owner.output().includes("lost shards"),
      "the cut-off instance to give up its shards",
    );
    await waitFor(
      () => s.other.output().includes("connected to EDDIE's broker"),
      "the new stream's log line",
    );
    const gaveUp = loggedAt(s.owner, "lost shards");
    const resumed = loggedAt(s.other, "connected to EDDIE's broker");
    assert.ok(
      gaveUp < resumed,
      `the cut-off instance let go at ${new Date(gaveUp).toISOString()}, the stream resumed at ${new Date(resumed).toISOString()}`,
    );
  });

  test("a stream's instance frozen (SIGSTOP): the stream moves within 15 s; woken, the frozen one lets it go", async (t) => {
    const s = await streamingPermission(t);
    let value = 0;
    await publishingDevice(t, s.other, s.source, () => ++value);
    await waitFor(() => s.values(s.received).length > 0, "a document at EDDIE's broker", 10_000);

    const frozenAt = performance.now();
    s.owner.child.kill("SIGSTOP");
    t.after(() => s.owner.child.kill("SIGCONT"));
    await s.broker.whenSubscribed(s.permissionId, 2);
    const moved = performance.now() - frozenAt;
    t.diagnostic(`the stream resumed on the other instance ${moved.toFixed(0)} ms after its own froze`);
    assert.ok(moved < 15_000, `the stream resumed ${moved.toFixed(0)} ms after SIGSTOP`);
    s.owner.child.kill("SIGCONT");
    await waitFor(() => s.owner.output().includes("lost shards"), "the woken instance to give up its shards");
    const afterWake = value;
    await waitFor(
      () => s.values(s.received).some((v) => v > afterWake + 10),
      "documents of records stored after the wake",
      10_000,
    );
    const subscribes = s.broker.subscribeCount(s.permissionId);
    // Two more seconds of records: the woken instance does not take the permission back.
    const mark = value;
    await waitFor(() => value > mark + 20, "the device to go on publishing", 10_000);
    assert.equal(s.broker.subscribeCount(s.permissionId), subscribes, "no other stream connected meanwhile");
  });
});
