import assert from "node:assert/strict";
import { describe, type TestContext, test } from "node:test";
import { capturingLogger, startTestHub, type TestHub } from "../helpers/hub-harness.ts";
import { waitFor } from "../helpers/wait-for.ts";
import { type StandInEmqxApi, startStandInEmqxApi } from "./stand-in-emqx-api.ts";

const API_KEY = "hub-key";
const API_SECRET = "hub-s3cret-value";

/** A hub with --emqx-api pointing at the stand-in, the key and secret given as `secret`. */
async function hubKickingThrough(
  t: TestContext,
  emqx: StandInEmqxApi,
  secret = API_SECRET,
): Promise<TestHub & { logger: ReturnType<typeof capturingLogger> }> {
  const logger = capturingLogger();
  const hub = await startTestHub(t, {
    config: { emqxApiUrl: emqx.baseUrl },
    env: { AIIDA_HUB_EMQX_API_KEY: API_KEY, AIIDA_HUB_EMQX_API_SECRET: secret },
    logger,
  });
  return Object.assign(hub, { logger });
}

/** Two clients of the data source and one of another, connected to the stand-in EMQX. */
function connectClients(emqx: StandInEmqxApi, sourceId: string, otherId: string): void {
  emqx.clients.set(`${sourceId}-a`, sourceId);
  emqx.clients.set(`${sourceId}-b`, sourceId);
  emqx.clients.set(`${otherId}-a`, otherId);
}

describe("a revoked device is disconnected from EMQX", () => {
  const changes: [string, (hub: TestHub, id: string) => Promise<number>][] = [
    [
      "disabled",
      async (hub, id) => (await hub.api("PATCH", `/api/datasources/${id}`, { enabled: false })).status,
    ],
    [
      "given a new password",
      async (hub, id) => (await hub.api("POST", `/api/datasources/${id}/regenerate-password`)).status,
    ],
    ["deleted", async (hub, id) => (await hub.api("DELETE", `/api/datasources/${id}`)).status],
  ];
  for (const [change, make] of changes) {
    test(`when its data source is ${change}: every client of its username, no other`, async (t) => {
      const emqx = await startStandInEmqxApi(t, API_KEY, API_SECRET);
      const hub = await hubKickingThrough(t, emqx);
      const source = await hub.createDataSource();
      const other = await hub.createDataSource();
      connectClients(emqx, source.id, other.id);

      assert.ok((await make(hub, source.id)) < 300);

      await waitFor(
        () => !emqx.clients.has(`${source.id}-a`) && !emqx.clients.has(`${source.id}-b`),
        "kicked",
      );
      assert.deepEqual([...emqx.clients.keys()], [`${other.id}-a`]);
    });
  }

  test("a renamed data source is not kicked", async (t) => {
    const emqx = await startStandInEmqxApi(t, API_KEY, API_SECRET);
    const hub = await hubKickingThrough(t, emqx);
    const source = await hub.createDataSource();
    const other = await hub.createDataSource();
    connectClients(emqx, source.id, other.id);

    assert.equal((await hub.api("PATCH", `/api/datasources/${source.id}`, { name: "renamed" })).status, 200);
    // A kick after the change would have been started by now: the request awaited the change itself.
    await hub.stop();
    assert.equal(emqx.calls.length, 0);
  });

  test("a refused kick is logged without the secret and never fails the request", async (t) => {
    const emqx = await startStandInEmqxApi(t, API_KEY, API_SECRET);
    const hub = await hubKickingThrough(t, emqx, "wrong-s3cret-value");
    const source = await hub.createDataSource();
    emqx.clients.set(`${source.id}-a`, source.id);

    const res = await hub.api("PATCH", `/api/datasources/${source.id}`, { enabled: false });

    assert.equal(res.status, 200);
    assert.equal(res.body.enabled, false);
    const logged = await waitFor(
      () => hub.logger.events.find((e) => e.message.startsWith("could not disconnect a revoked device")),
      "the failed kick logged",
    );
    assert.equal(logged.fields?.dataSource, source.id);
    assert.match(String(logged.fields?.error), /HTTP 401/);
    assert.ok(
      !JSON.stringify(hub.logger.events).includes("wrong-s3cret-value"),
      "the secret is never logged",
    );
    assert.ok(emqx.clients.has(`${source.id}-a`));
  });
});
