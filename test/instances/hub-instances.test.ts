import assert from "node:assert/strict";
import { describe, test } from "node:test";
import mqtt from "mqtt";
import type { HubProcess } from "../helpers/hub-process.ts";
import { api, createSource, instances, loggedAt, login, reading } from "../helpers/instance-cluster.ts";
import { startTcpBalancer } from "../helpers/tcp-balancer.ts";
import { waitFor } from "../helpers/wait-for.ts";

describe("several hub instances on one PostgreSQL database", () => {
  test("a re-key on instance B ends the device's connection on instance A within a second, and B says it is connected", async (t) => {
    const { hubs } = await instances(t, 2);
    const [a, b] = hubs as [HubProcess, HubProcess];
    const tokenA = await login(a);
    const tokenB = await login(b);
    const source = await createSource(a, tokenA);
    const device = await mqtt.connectAsync(a.mqttUrl, {
      username: source.id,
      password: source.password,
      reconnectPeriod: 0,
    });
    t.after(() => device.endAsync(true));
    await device.publishAsync(source.topic, reading(1), { qos: 1 });
    const published = performance.now();
    await waitFor(
      async () =>
        (await api(b, tokenB, "GET", `/api/datasources/${source.id}/health`)).body?.connected === true,
      "instance B to report the device connected to A",
      5000,
    );
    t.diagnostic(
      `B reported A's device connected ${(performance.now() - published).toFixed(0)} ms after its first message`,
    );
    const closed = new Promise<number>((resolve) => device.once("close", () => resolve(performance.now())));
    const asked = performance.now();
    const rekey = await api(b, tokenB, "POST", `/api/datasources/${source.id}/regenerate-password`);
    assert.equal(rekey.status, 200);
    const elapsed = (await closed) - asked;
    t.diagnostic(`device on A disconnected ${elapsed.toFixed(0)} ms after the re-key on B`);
    assert.ok(
      elapsed < 1000,
      `the device on A was disconnected ${elapsed.toFixed(0)} ms after the re-key on B`,
    );
    // The old password no longer opens A either; the new one does.
    await assert.rejects(
      mqtt.connectAsync(a.mqttUrl, { username: source.id, password: source.password, reconnectPeriod: 0 }),
    );
    const again = await mqtt.connectAsync(a.mqttUrl, {
      username: source.id,
      password: rekey.body.password,
      reconnectPeriod: 0,
    });
    await again.endAsync(true);
  });

  test("a live viewer on instance B sees the records of a device connected to instance A", async (t) => {
    const { hubs } = await instances(t, 2);
    const [a, b] = hubs as [HubProcess, HubProcess];
    const tokenA = await login(a);
    const tokenB = await login(b);
    const source = await createSource(a, tokenA);
    const abort = new AbortController();
    t.after(() => abort.abort());
    const stream = await fetch(`${b.httpUrl}/api/datasources/${source.id}/live`, {
      headers: { authorization: `Bearer ${tokenB}` },
      signal: abort.signal,
    });
    assert.equal(stream.status, 200);
    const reader = (stream.body as ReadableStream<Uint8Array>).getReader();
    let seen = "";
    const sawValue = (async () => {
      for (;;) {
        const { value, done } = await reader.read();
        if (done) return false;
        seen += new TextDecoder().decode(value);
        if (/event: record\ndata: .*"value":42\b/.test(seen)) return true;
      }
    })();
    const device = await mqtt.connectAsync(a.mqttUrl, {
      username: source.id,
      password: source.password,
      reconnectPeriod: 0,
    });
    t.after(() => device.endAsync(true));
    // B announces what it watches within its first second; publish until the record shows up.
    const publisher = setInterval(() => {
      // Publishes that meet the end of the test (the device closed) are of no interest.
      device.publishAsync(source.topic, reading(42, Date.now()), { qos: 1 }).catch(() => {});
    }, 200);
    t.after(() => clearInterval(publisher));
    assert.equal(await sawValue, true);
  });

  test("kill -9 of the instance a device publishes to: it reconnects through the balancer to another, and every acknowledged message is stored", async (t) => {
    const { hubs } = await instances(t, 2);
    const [a, b] = hubs as [HubProcess, HubProcess];
    const token = await login(b);
    const source = await createSource(a, await login(a));
    const port = (url: string) => Number(new URL(url).port);
    const balancer = await startTcpBalancer(t, [
      { host: "127.0.0.1", port: port(a.mqttUrl) },
      { host: "127.0.0.1", port: port(b.mqttUrl) },
    ]);
    const device = await mqtt.connectAsync(balancer.url("mqtt"), {
      username: source.id,
      password: source.password,
      clientId: "meter-failover",
      reconnectPeriod: 100,
      connectTimeout: 2000,
    });
    t.after(() => device.endAsync(true));
    assert.equal(
      balancer.counts.get(`127.0.0.1:${port(a.mqttUrl)}`),
      1,
      "the device's first connection went to A",
    );
    const acknowledged: number[] = [];
    const base = Date.now() - 3_600_000;
    const sends: Promise<void>[] = [];
    for (let i = 0; i < 300; i++) {
      if (i === 100) a.child.kill("SIGKILL");
      sends.push(
        device.publishAsync(source.topic, reading(i, base), { qos: 1 }).then(() => {
          acknowledged.push(i);
        }),
      );
      if (i % 20 === 19) await Promise.allSettled(sends);
    }
    await Promise.allSettled(sends);
    assert.equal(
      acknowledged.length,
      300,
      "mqtt.js sends what was not acknowledged again after reconnecting",
    );
    assert.ok((balancer.counts.get(`127.0.0.1:${port(b.mqttUrl)}`) ?? 0) >= 1, "the device reconnected to B");
    const stored = await api(b, token, "GET", `/api/datasources/${source.id}/records?limit=1000`);
    assert.equal(stored.status, 200);
    const records = (stored.body as { records: { values: { value: number }[] }[] }).records;
    const values = new Set(records.flatMap((r) => r.values.map((v) => v.value)));
    const missing = acknowledged.filter((i) => !values.has(i));
    assert.deepEqual(missing, [], "every acknowledged message is stored");
  });

  test("the retention and rollup leader killed or frozen: another instance takes over, the old one stops first", async (t) => {
    const { hubs } = await instances(t, 3);
    const [a, b, c] = hubs as [HubProcess, HubProcess, HubProcess];
    const leads = (hub: HubProcess) =>
      hub.output().split("this instance runs the retention and rollup jobs").length - 1;
    const stops = (hub: HubProcess) =>
      hub.output().split("this instance no longer runs the retention and rollup jobs").length - 1;
    assert.deepEqual([leads(a), leads(b), leads(c)], [1, 0, 0], "the first instance leads");
    const killedAt = performance.now();
    a.child.kill("SIGKILL");
    const next = await waitFor(
      () => (leads(b) === 1 ? b : leads(c) === 1 ? c : undefined),
      "a new leader",
      5000,
    );
    const crashTakeover = performance.now() - killedAt;
    t.diagnostic(`jobs taken over ${crashTakeover.toFixed(0)} ms after kill -9 of the leader`);
    assert.ok(crashTakeover < 2000, `took over ${crashTakeover.toFixed(0)} ms after kill -9`);
    const standby = next === b ? c : b;
    next.child.kill("SIGSTOP");
    const frozenAt = performance.now();
    await waitFor(() => leads(standby) === 1, "the standby to lead while the leader is frozen", 16_000);
    const frozenTakeover = performance.now() - frozenAt;
    t.diagnostic(`jobs taken over ${frozenTakeover.toFixed(0)} ms after SIGSTOP of the leader`);
    assert.ok(frozenTakeover < 15_000, `took over ${frozenTakeover.toFixed(0)} ms after SIGSTOP`);
    next.child.kill("SIGCONT");
    await waitFor(() => stops(next) >= 1, "the woken leader to say it stopped", 10_000);
    assert.equal(leads(next), 1, "the woken leader does not lead again while the other does");
  });
  test("the jobs' leader cut off from the database: the other instance takes over within 15 s, after the cut-off one stopped", async (t) => {
    const { hubs, networks } = await instances(t, 2, { networks: true });
    const [a, b] = hubs as [HubProcess, HubProcess];
    const LEADS = "this instance runs the retention and rollup jobs";
    const STOPS = "this instance no longer runs the retention and rollup jobs";
    assert.ok(a.output().includes(LEADS), "the first instance leads");
    const cutAt = performance.now();
    networks[0]?.cut();
    await waitFor(() => b.output().includes(LEADS), "the other instance to lead", 16_000);
    const takeover = performance.now() - cutAt;
    t.diagnostic(`jobs taken over ${takeover.toFixed(0)} ms after the leader was cut off`);
    assert.ok(takeover < 15_000, `took over ${takeover.toFixed(0)} ms after the cut`);
    await waitFor(() => a.output().includes(STOPS), "the cut-off leader to say it stopped", 5000);
    // Each process stamps its lines with the machine's clock: the old leader stopped before the new one began.
    const stopped = loggedAt(a, STOPS);
    const began = loggedAt(b, LEADS);
    assert.ok(Number.isFinite(stopped) && Number.isFinite(began), "both lines carry their time");
    assert.ok(
      stopped < began,
      `the cut-off leader stopped ${new Date(stopped).toISOString()}, the new one began ${new Date(began).toISOString()}`,
    );
  });
});
