import assert from "node:assert/strict";
import { randomUUID } from "node:crypto";
import { join } from "node:path";
import { describe, it, type TestContext } from "node:test";
import type Database from "better-sqlite3";
import Fastify from "fastify";
import { documentPermissionId } from "../../src/cim/document-permission-id.ts";
import type { AiidaRecord } from "../../src/domain/aiida-record.ts";
import {
  OUTBOUND_AIIDA,
  type OutboundSchema,
  SUPPORTED_OUTBOUND_SCHEMAS,
} from "../../src/domain/data-need.ts";
import { HubError } from "../../src/domain/hub-error.ts";
import { obisByCode } from "../../src/domain/obis-code.ts";
import { outboundDataTopic, sharingTopics } from "../../src/domain/sharing-topics.ts";
import { errorHandler } from "../../src/http/error-mapping.ts";
import type { HttpContext } from "../../src/http/http-context.ts";
import { requireSessionUnlessPublic } from "../../src/http/route-access.ts";
import { registerSharingFlowRoutes } from "../../src/http/sharing-flow-routes.ts";
import { RecordBus } from "../../src/ingest/record-bus.ts";
import { createLogger, type Logger, silentLogger } from "../../src/platform/logger.ts";
import type { PermissionCommand } from "../../src/sharing/permission-command.ts";
import type { GrantedPermission } from "../../src/sharing/sharing-ports.ts";
import {
  MqttPermissionStreaming,
  type StreamingOptions,
} from "../../src/sharing/streaming/mqtt-permission-streaming.ts";
import { openDatabase } from "../../src/storage/sqlite/open-database.ts";
import { SqliteSharingOutboxStore } from "../../src/storage/sqlite/sharing-outbox-repository.ts";
import { tempDataDir } from "../helpers/hub-harness.ts";
import {
  collectMessages,
  type StandInEpBroker,
  startStandInEpBroker,
} from "../helpers/stand-in-ep-broker.ts";
import { waitFor } from "../helpers/wait-for.ts";

type Json = Record<string, any>;

/** Every log line, for assertions on what was logged. */
function capturingLogger(): { logger: Logger; lines: string[] } {
  const lines: string[] = [];
  return { logger: createLogger("debug", (line) => lines.push(line)), lines };
}

interface Setup {
  readonly db: Database.Database;
  readonly store: SqliteSharingOutboxStore;
  readonly bus: RecordBus;
  readonly streaming: MqttPermissionStreaming;
  readonly commands: Array<[string, PermissionCommand]>;
  readonly lines: string[];
  /** A second streaming side over the same database, as after a hub restart. */
  restart(): Promise<MqttPermissionStreaming>;
}

const FAST: Partial<StreamingOptions> = { reconnectInitialMs: 50, reconnectMaxMs: 200 };

async function setup(t: TestContext, options: Partial<StreamingOptions> = {}): Promise<Setup> {
  const db = openDatabase(join(tempDataDir(t), "hub.sqlite"));
  const store = new SqliteSharingOutboxStore(db);
  const bus = new RecordBus(silentLogger);
  const { logger, lines } = capturingLogger();
  const commands: Array<[string, PermissionCommand]> = [];
  const make = () =>
    new MqttPermissionStreaming({
      store,
      records: bus,
      onCommand: async (permissionId, command) => {
        commands.push([permissionId, command]);
      },
      logger,
      options: { ...FAST, ...options },
    });
  const sides = [make()];
  t.after(async () => {
    for (const side of sides) await side.close();
    db.close();
  });
  const streaming = sides[0] as MqttPermissionStreaming;
  return {
    db,
    store,
    bus,
    streaming,
    commands,
    lines,
    async restart() {
      await streaming.close();
      const next = make();
      sides.push(next);
      return next;
    },
  };
}

function grantedPermission(
  broker: StandInEpBroker,
  changes: Partial<GrantedPermission> = {},
): GrantedPermission {
  const permissionId = randomUUID();
  const topics = sharingTopics(permissionId);
  const password = `pw-${randomUUID()}`;
  broker.grant(permissionId, password);
  const schedule = changes.transmissionSchedule ?? "* * * * * *";
  return {
    permissionId,
    eddieId: randomUUID(),
    connectionId: "1",
    dataNeedId: randomUUID(),
    aiidaId: randomUUID(),
    dataNeed: {
      id: randomUUID(),
      type: OUTBOUND_AIIDA,
      name: "Near real-time data",
      description: "",
      purpose: "",
      policyLink: "",
      transmissionSchedule: schedule,
      schemas: [...SUPPORTED_OUTBOUND_SCHEMAS],
      asset: "CONNECTION-AGREEMENT-POINT",
      dataTags: [],
      allowedPermissionCommands: [],
      acknowledgementRequired: false,
    },
    dataSource: {
      id: randomUUID(),
      asset: "CONNECTION-AGREEMENT-POINT",
      countryCode: "AT",
      meterId: "003114735",
      operatorId: "AT003000",
    },
    credentials: {
      serverUri: broker.url.replace("mqtt:", "tcp:"),
      brokerUrl: broker.url,
      username: permissionId,
      password,
      dataTopic: topics.data,
      statusTopic: topics.status,
      commandTopic: topics.command,
      acknowledgementTopic: null,
    },
    startTime: Date.now() - 86_400_000,
    expirationTime: Date.now() + 86_400_000,
    transmissionEnabled: true,
    transmissionSchedule: schedule,
    ...changes,
  };
}

function record(dataSourceId: string, timestamp: number, values: Record<string, number>): AiidaRecord {
  return {
    dataSourceId,
    timestamp,
    timestampSource: "device",
    receivedAt: timestamp,
    values: Object.entries(values).map(([code, value]) => {
      const obis = obisByCode(code);
      if (obis === undefined) throw new Error(`no OBIS code ${code}`);
      return { obis, rawTag: code, value, quality: "AS_PROVIDED" };
    }),
  };
}

/** EDDIE, subscribed to every permission's data and status topics. */
async function eddie(t: TestContext, broker: StandInEpBroker) {
  const client = await broker.connectEddie(t);
  await client.subscribeAsync({ "aiida/v1/+/data/outbound/+": { qos: 1 }, "aiida/v1/+/status": { qos: 1 } });
  return { client, received: collectMessages(client) };
}

const rawValues = (payload: string) =>
  Object.fromEntries((JSON.parse(payload) as Json).values.map((v: Json) => [v.dataTag, v.value]));

describe("streaming to EDDIE's broker", () => {
  it("sends one aggregated message per schema per firing, on the schema's topic, with the permission id inside", async (t) => {
    const broker = await startStandInEpBroker(t);
    const { received } = await eddie(t, broker);
    const { streaming, bus, store, lines } = await setup(t);
    const permission = grantedPermission(broker);
    await streaming.start(permission);
    const sourceId = permission.dataSource.id;
    const now = Date.now();
    bus.publish(record(sourceId, now - 3000, { "1-0:1.8.0": 100.5, "1-0:1.7.0": 1.25 }));
    bus.publish(record(sourceId, now - 2000, { "1-0:1.7.0": 1.5 }));
    bus.publish(record(randomUUID(), now - 1000, { "1-0:1.7.0": 99 })); // another data source
    bus.publish(record(sourceId, permission.startTime - 1, { "1-0:1.7.0": 7 })); // before the start
    bus.publish(record(sourceId, permission.expirationTime, { "1-0:1.7.0": 8 })); // at the expiration

    await waitFor(() => received.length >= 3 || undefined, "three messages");
    const topics = received.map((m) => m.topic).sort();
    const expected = SUPPORTED_OUTBOUND_SCHEMAS.map((s) =>
      outboundDataTopic(permission.permissionId, s),
    ).sort();
    assert.deepEqual(topics, expected);
    for (const message of received) {
      const schema = SUPPORTED_OUTBOUND_SCHEMAS.find((s) => message.topic.endsWith(s.toLowerCase()));
      assert.equal(
        documentPermissionId(schema as OutboundSchema, JSON.parse(message.payload)),
        permission.permissionId,
      );
      assert.equal(message.retain, false);
    }
    const raw = received.find((m) => m.topic.endsWith("smart-meter-p1-raw"));
    assert.deepEqual(rawValues(raw?.payload ?? "{}"), { "1-0:1.8.0": "100.5", "1-0:1.7.0": "1.5" });
    assert.equal((JSON.parse(raw?.payload ?? "{}") as Json).timestamp, new Date(now - 2000).toISOString());

    // Firings with nothing buffered send nothing: wait for two of them, then one more record.
    const quiet = () =>
      lines.filter((l) => l.includes("nothing to send") && l.includes(permission.permissionId));
    const before = quiet().length;
    await waitFor(() => quiet().length >= before + 2 || undefined, "two firings with nothing to send");
    assert.equal(received.length, 3);
    bus.publish(record(sourceId, Date.now(), { "1-0:1.7.0": 2 }));
    await waitFor(() => received.length >= 6 || undefined, "three more messages");
    await waitFor(
      async () => (await store.state(permission.permissionId))?.dataMessages === 0 || undefined,
      "an empty outbox",
    );
    assert.equal(received.length, 6);
    assert.deepEqual(broker.refused, []);
  });

  it("sends only the data need's data tags, and nothing when none is left", async (t) => {
    const broker = await startStandInEpBroker(t);
    const { received } = await eddie(t, broker);
    const { streaming, bus, lines } = await setup(t);
    const base = grantedPermission(broker);
    const permission = {
      ...base,
      dataNeed: { ...base.dataNeed, dataTags: ["1-0:1.7.0"], schemas: ["SMART-METER-P1-RAW"] },
    };
    await streaming.start(permission);
    const sourceId = permission.dataSource.id;
    bus.publish(record(sourceId, Date.now(), { "1-0:1.8.0": 100.5 }));
    await waitFor(
      () =>
        lines.some((l) => l.includes("nothing to send") && l.includes(permission.permissionId)) || undefined,
      "a firing that finds no wanted value",
    );
    bus.publish(record(sourceId, Date.now(), { "1-0:1.8.0": 101, "1-0:1.7.0": 2.5 }));
    await waitFor(() => received.length >= 1 || undefined, "a message");
    assert.equal(received.length, 1);
    assert.deepEqual(rawValues(received[0]?.payload ?? "{}"), { "1-0:1.7.0": "2.5" });
  });

  it("keeps messages in the outbox while EDDIE's broker is away and delivers them in order when it is back", async (t) => {
    const broker = await startStandInEpBroker(t);
    const { received } = await eddie(t, broker);
    const { streaming, bus, store } = await setup(t);
    const permission = grantedPermission(broker);
    const id = permission.permissionId;
    await streaming.start(permission);
    const sourceId = permission.dataSource.id;
    bus.publish(record(sourceId, Date.now(), { "1-0:1.7.0": 1 }));
    await waitFor(() => received.length >= 3 || undefined, "the first messages");
    await waitFor(async () => (await store.state(id))?.dataMessages === 0 || undefined, "their PUBACKs");

    await broker.stop();
    await waitFor(
      async () => !(await streaming.dataFlow(id)).brokerConnected || undefined,
      "the connection to drop",
    );
    for (const [i, value] of [2, 3].entries()) {
      bus.publish(record(sourceId, Date.now(), { "1-0:1.7.0": value }));
      await waitFor(
        async () => (await store.state(id))?.dataMessages === 3 * (i + 1) || undefined,
        `firing ${i + 1} stored`,
      );
    }
    const waiting = await store.next(id, 100, true);
    assert.equal(waiting.length, 6);
    assert.deepEqual(
      waiting.map((m) => m.id),
      [...waiting.map((m) => m.id)].sort((a, b) => a - b),
    );
    assert.deepEqual((await streaming.dataFlow(id)).dataMessages, 6);

    const seenBefore = new Set(received.map((m) => m.payload));
    await broker.restart();
    // The broker may hand EDDIE a message again whose PUBACK from EDDIE it lost in the outage (QoS 1).
    const fresh = () => received.filter((m) => !seenBefore.has(m.payload));
    await waitFor(() => fresh().length >= 6 || undefined, "the held messages");
    assert.deepEqual(
      fresh().map((m) => m.payload),
      waiting.map((m) => m.payload),
    );
    await waitFor(async () => (await store.state(id))?.dataMessages === 0 || undefined, "an empty outbox");
  });

  it("drops the oldest data messages beyond the cap and counts them", async (t) => {
    const broker = await startStandInEpBroker(t);
    const { received } = await eddie(t, broker);
    const { streaming, bus, store } = await setup(t, { outboxMaxMessages: 4 });
    await broker.stop();
    const permission = grantedPermission(broker);
    const id = permission.permissionId;
    await streaming.start(permission);
    const sourceId = permission.dataSource.id;
    let appended = 0;
    for (const value of [1, 2, 3]) {
      bus.publish(record(sourceId, Date.now(), { "1-0:1.7.0": value }));
      appended += 3;
      await waitFor(async () => {
        const state = await store.state(id);
        return (state?.droppedOldest ?? 0) + (state?.dataMessages ?? 0) === appended || undefined;
      }, `firing with value ${value}`);
    }
    const state = await store.state(id);
    assert.equal(state?.dataMessages, 4);
    assert.equal(state?.droppedOldest, 5);
    const kept = await store.next(id, 100, true);
    assert.deepEqual(
      kept.map((m) => rawValueOf(m.payload, m.channel)),
      [2, 3, 3, 3],
    );
    assert.equal((await streaming.dataFlow(id)).droppedOldest, 5);

    await broker.restart();
    // QoS 1 is at least once: a message whose PUBACK was cut off by the reconnect may come twice.
    const distinct = () => [...new Set(received.map((m) => m.payload))];
    await waitFor(() => distinct().length >= 4 || undefined, "the kept messages");
    assert.deepEqual(
      distinct(),
      kept.map((m) => m.payload),
    );
  });

  it("holds data messages while transmission is disabled and sends them in order when it is enabled", async (t) => {
    const broker = await startStandInEpBroker(t);
    const { received } = await eddie(t, broker);
    const { streaming, bus, store } = await setup(t);
    const permission = grantedPermission(broker, { transmissionEnabled: false });
    const id = permission.permissionId;
    await streaming.start(permission);
    await waitFor(async () => (await streaming.dataFlow(id)).brokerConnected || undefined, "the connection");
    const sourceId = permission.dataSource.id;
    for (const [i, value] of [1, 2].entries()) {
      bus.publish(record(sourceId, Date.now(), { "1-0:1.7.0": value }));
      await waitFor(
        async () => (await store.state(id))?.dataMessages === 3 * (i + 1) || undefined,
        `firing ${i + 1} held`,
      );
    }
    assert.equal(received.length, 0);
    assert.equal((await streaming.dataFlow(id)).transmissionEnabled, false);
    const held = await store.next(id, 100, true);

    streaming.setTransmissionEnabled(id, true);
    await waitFor(() => received.length >= 6 || undefined, "the held messages");
    assert.deepEqual(
      received.map((m) => m.payload),
      held.map((m) => m.payload),
    );
  });
});

/** The one value of a test message (RAW, or CIM v1.04 / v1.12). */
function rawValueOf(payload: string, schema: string): number {
  const document = JSON.parse(payload) as Json;
  if (schema === "SMART-METER-P1-RAW") return Number(document.values[0].value);
  return document.MarketDocument.TimeSeries[0].Quantity[0].quantity;
}

describe("ending a permission", () => {
  it("sends a retained REVOKED status message, also for a permission that never streamed", async (t) => {
    const broker = await startStandInEpBroker(t);
    const { streaming, store } = await setup(t);
    const streamed = grantedPermission(broker);
    const neverStreamed = grantedPermission(broker);
    await streaming.start(streamed);
    await waitFor(
      async () => (await streaming.dataFlow(streamed.permissionId)).brokerConnected || undefined,
      "the connection",
    );
    for (const permission of [streamed, neverStreamed]) {
      await streaming.finish(permission, "REVOKED");
      assert.equal((await store.state(permission.permissionId))?.finishingStatus, "REVOKED"); // durable on return
      await waitFor(
        async () => (await store.state(permission.permissionId))?.finishedAt ?? undefined,
        "the outbox delivered",
      );
      const flow = await streaming.dataFlow(permission.permissionId);
      assert.equal(flow.phase, "finished");
      assert.equal(flow.brokerConnected, false);

      // A subscriber that comes later still gets it: retained.
      const late = await broker.connectEddie(t, undefined, true);
      const received = collectMessages(late);
      await late.subscribeAsync(permission.credentials.statusTopic, { qos: 1 });
      await waitFor(() => received[0], "the retained status message");
      const message = JSON.parse(received[0]?.payload ?? "{}") as Json;
      assert.equal(received[0]?.retain, true);
      assert.deepEqual(
        { ...message, timestamp: typeof message.timestamp },
        {
          connectionId: "1",
          dataNeedId: permission.dataNeedId,
          timestamp: "string",
          status: "REVOKED",
          permissionId: permission.permissionId,
          eddieId: permission.eddieId,
        },
      );
    }
    // Idempotent: no second status message.
    await streaming.finish(streamed, "REVOKED");
    assert.equal((await streaming.dataFlow(streamed.permissionId)).statusMessages, 0);
  });

  it("delivers the rest of the outbox before the status message, also after a hub restart", async (t) => {
    const broker = await startStandInEpBroker(t);
    const { received } = await eddie(t, broker);
    const side = await setup(t);
    const permission = grantedPermission(broker);
    const id = permission.permissionId;
    await broker.stop();
    await side.streaming.start(permission);
    side.bus.publish(record(permission.dataSource.id, Date.now(), { "1-0:1.7.0": 1 }));
    await waitFor(
      async () => (await side.store.state(id))?.dataMessages === 3 || undefined,
      "a firing stored",
    );
    await side.streaming.finish(permission, "FULFILLED");
    const next = await side.restart();
    await next.resumeFinishing(async (permissionId) => (permissionId === id ? permission : undefined));
    assert.equal((await next.dataFlow(id)).phase, "finishing");
    await broker.restart();
    await waitFor(async () => (await side.store.state(id))?.finishedAt ?? undefined, "the outbox delivered");
    await waitFor(
      () => received.some((m) => m.topic.endsWith("/status")) || undefined,
      "EDDIE to receive the status",
    );
    // QoS 1 is at least once: a message whose PUBACK a broken connection lost goes out again on the next.
    const topics = received
      .map((m) => m.topic.split("/").slice(3).join("/"))
      .filter((topic, i, all) => topic !== all[i - 1]);
    assert.deepEqual(topics, [
      "data/outbound/smart-meter-p1-raw",
      "data/outbound/smart-meter-p1-cim-v1-04",
      "data/outbound/smart-meter-p1-cim-v1-12",
      "status",
    ]);
    assert.equal((JSON.parse(received.at(-1)?.payload ?? "{}") as Json).status, "FULFILLED");
  });

  it("discards and counts what is left once EDDIE's broker refuses the credentials", async (t) => {
    const broker = await startStandInEpBroker(t);
    const { received } = await eddie(t, broker);
    const { streaming, store, lines } = await setup(t);
    const permission = grantedPermission(broker);
    const id = permission.permissionId;
    await broker.stop();
    await streaming.finish(permission, "REVOKED");
    broker.revoke(id);
    await broker.restart();
    await waitFor(async () => (await store.state(id))?.finishedAt ?? undefined, "the permission finished");
    assert.equal((await store.state(id))?.discardedAtEnd, 1);
    assert.equal((await streaming.dataFlow(id)).discardedAtEnd, 1);
    assert.equal(received.length, 0);
    assert.ok(lines.some((l) => l.includes("refused the credentials") && l.includes(id)));
  });
});

describe("commands from EDDIE", () => {
  it("hands authorised commands to the permission side and refuses the others with a log line", async (t) => {
    const broker = await startStandInEpBroker(t);
    const { client: eddieClient } = await eddie(t, broker);
    const { streaming, commands, lines } = await setup(t);
    const base = grantedPermission(broker);
    const permission = {
      ...base,
      dataNeed: {
        ...base.dataNeed,
        transmissionSchedule: "*/5 * * * * *",
        allowedPermissionCommands: ["UPDATE_TRANSMISSION_SCHEDULE"],
      },
    };
    const id = permission.permissionId;
    const subscribed = broker.whenSubscribed(id);
    await streaming.start(permission);
    await subscribed;
    const command = (action: string, body: unknown) =>
      eddieClient.publishAsync(
        `aiida/v1/${id}/command/${action}`,
        typeof body === "string" ? body : JSON.stringify(body),
        {
          qos: 1,
        },
      );
    const logged = (text: string) => lines.some((l) => l.includes(text) && l.includes(id));

    await command("TERMINATE", {
      action: "TERMINATE",
      permissionId: randomUUID(),
      regionConnectorId: "aiida",
    });
    await waitFor(
      () => logged("arrived on the topic of") || undefined,
      "the refusal of another permission's command",
    );
    await command("SET_TRANSMISSION_ENABLED", {
      action: "SET_TRANSMISSION_ENABLED",
      permissionId: id,
      enabled: false,
    });
    await waitFor(
      () => logged("does not allow SET_TRANSMISSION_ENABLED") || undefined,
      "the refusal of an ungranted command",
    );
    await command("UPDATE_TRANSMISSION_SCHEDULE", {
      action: "UPDATE_TRANSMISSION_SCHEDULE",
      permissionId: id,
      transmissionSchedule: "* * * * * *",
    });
    await waitFor(
      () => logged("fires as often as every 1 s") || undefined,
      "the refusal of a faster schedule",
    );
    await command("TERMINATE", "{not json");
    await waitFor(
      () => logged("not a command this hub can read") || undefined,
      "the unreadable command logged",
    );
    await command("TERMINATE", {
      action: "TERMINATE",
      permissionId: id,
      regionConnectorId: "aiida",
      futureField: 1,
    });
    await waitFor(() => commands.length > 0 || undefined, "the TERMINATE handed over");

    assert.deepEqual(commands, [[id, { action: "TERMINATE", permissionId: id, regionConnectorId: "aiida" }]]);
    assert.equal((await streaming.dataFlow(id)).brokerConnected, true);
  });

  it("subscribes to the command topic again on every connect", async (t) => {
    const broker = await startStandInEpBroker(t);
    const { streaming } = await setup(t);
    const permission = grantedPermission(broker);
    await streaming.start(permission);
    await broker.whenSubscribed(permission.permissionId, 1);
    await broker.stop();
    await broker.restart();
    await broker.whenSubscribed(permission.permissionId, 2);
    assert.deepEqual(broker.refused, []);
  });
});

describe("data flow and consent record", () => {
  it("counts what EDDIE's broker acknowledged and serves it as JSON and CSV", async (t) => {
    const broker = await startStandInEpBroker(t);
    const { received } = await eddie(t, broker);
    const { streaming, bus, store } = await setup(t);
    const permission = grantedPermission(broker);
    const id = permission.permissionId;
    await streaming.start(permission);
    const before = Date.now();
    bus.publish(
      record(permission.dataSource.id, Date.now(), {
        "1-0:1.7.0": 1,
        "1-0:1.8.0": 10,
        "1-0:21.8.0": 3,
        "1-0:9.7.0": 4,
      }),
    );
    await waitFor(() => received.length >= 3 || undefined, "three messages");
    bus.publish(record(permission.dataSource.id, Date.now(), { "1-0:1.7.0": 2 }));
    await waitFor(() => received.length >= 6 || undefined, "three more");
    await waitFor(
      async () => (await store.state(id))?.dataMessages === 0 || undefined,
      "every PUBACK recorded",
    );

    const app = Fastify();
    app.setErrorHandler(errorHandler(silentLogger));
    const grantTime = Date.parse("2026-02-11T15:00:00Z");
    // The session hook and the permission side as far as these routes read them: the session's user
    // owns this one permission.
    const session = "session-token";
    requireSessionUnlessPublic(app, async (request) =>
      request.headers.authorization === `Bearer ${session}` ? { token: session, user: "admin" } : undefined,
    );
    const permissionSide = {
      permissions: {
        get: async (owner: string, permissionId: string) => {
          if (owner !== "admin" || permissionId !== id)
            throw new HubError("NOT_FOUND", `No permission with id ${permissionId}.`);
          return { permissionId, status: "STREAMING_DATA", grantTime, revokeTime: null, dataNeed: null };
        },
      },
      sharingFlow: streaming,
    };
    registerSharingFlowRoutes(app, permissionSide as unknown as HttpContext);
    t.after(() => app.close());
    const get = (url: string) => app.inject({ url, headers: { authorization: `Bearer ${session}` } });

    const consent = (await get(`/api/permissions/${id}/consent-record`)).json() as Json;
    const counts = Object.fromEntries(
      consent.values.map((v: Json) => [`${v.schema} ${v.obisCode}`, v.values]),
    );
    assert.deepEqual(counts, {
      "SMART-METER-P1-RAW 1-0:1.7.0": 2,
      "SMART-METER-P1-RAW 1-0:1.8.0": 1,
      "SMART-METER-P1-RAW 1-0:21.8.0": 1,
      "SMART-METER-P1-RAW 1-0:9.7.0": 1,
      "SMART-METER-P1-CIM-V1-04 1-0:1.7.0": 2,
      "SMART-METER-P1-CIM-V1-04 1-0:1.8.0": 1,
      "SMART-METER-P1-CIM-V1-12 1-0:1.7.0": 2,
      "SMART-METER-P1-CIM-V1-12 1-0:1.8.0": 1,
      "SMART-METER-P1-CIM-V1-12 1-0:21.8.0": 1,
    });
    const power = consent.values.find(
      (v: Json) => v.schema === "SMART-METER-P1-RAW" && v.obisCode === "1-0:1.7.0",
    );
    assert.equal(power.name, "POSITIVE_ACTIVE_INSTANTANEOUS_POWER");
    assert.ok(
      Date.parse(power.firstSentAt) >= before &&
        Date.parse(power.lastSentAt) >= Date.parse(power.firstSentAt),
    );
    assert.equal(consent.grantTime, "2026-02-11T15:00:00.000Z");
    assert.equal(consent.revokeTime, null);

    const csv = await get(`/api/permissions/${id}/consent-record?format=csv`);
    assert.equal(csv.statusCode, 200);
    assert.match(csv.headers["content-type"] as string, /^text\/csv/);
    const [header, ...rows] = csv.body.trimEnd().split("\r\n");
    assert.equal(
      header,
      "permissionId,schema,obisCode,name,unit,values,firstSentAt,lastSentAt,grantTime,revokeTime",
    );
    assert.equal(rows.length, 9);
    assert.ok(
      rows.some((row) =>
        row.startsWith(`${id},SMART-METER-P1-RAW,1-0:1.7.0,POSITIVE_ACTIVE_INSTANTANEOUS_POWER,kW,2,`),
      ),
    );

    const flow = (await get(`/api/permissions/${id}/data-flow`)).json() as Json;
    assert.equal(flow.phase, "streaming");
    assert.equal(flow.brokerConnected, true);
    assert.equal(flow.transmissionEnabled, true);
    assert.equal(flow.transmissionSchedule, "* * * * * *");
    assert.deepEqual(flow.outbox, {
      dataMessages: 0,
      statusMessages: 0,
      maxDataMessages: 1_000_000,
      oldestWaitingSince: null,
      droppedOldest: 0,
      discardedAtEnd: 0,
    });
    assert.deepEqual(flow.lastSent.map((m: Json) => m.schema).sort(), [...SUPPORTED_OUTBOUND_SCHEMAS].sort());
    const lastRaw = flow.lastSent.find((m: Json) => m.schema === "SMART-METER-P1-RAW");
    assert.equal(lastRaw.content.permissionId, id);
    assert.deepEqual(
      lastRaw.content.values.map((v: Json) => v.value),
      ["2"],
    );
    assert.equal(flow.lastStatusMessage, null);

    const unknown = randomUUID();
    for (const path of [
      `/api/permissions/${unknown}/data-flow`,
      `/api/permissions/${unknown}/consent-record`,
    ]) {
      const res = await get(path);
      assert.equal(res.statusCode, 404, path);
      assert.equal((res.json() as Json).error.code, "NOT_FOUND");
    }
    const bad = await get(`/api/permissions/${id}/consent-record?format=xml`);
    assert.equal(bad.statusCode, 400);
  });
});
