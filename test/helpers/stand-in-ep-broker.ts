import { once } from "node:events";
import { createServer, type Server, type Socket } from "node:net";
import type { TestContext } from "node:test";
import { Aedes, type AuthenticateError, type Client } from "aedes";
import mqtt, { type MqttClient } from "mqtt";

/** EDDIE's own account on its broker (its region connector subscribes to every permission's topics). */
const EDDIE_USER = "eddie-region-connector-aiida";
const EDDIE_PASSWORD = "eddie-secret";

/** A message EDDIE received. */
export interface ReceivedMessage {
  readonly topic: string;
  readonly payload: string;
  readonly retain: boolean;
}

/**
 * A stand-in for EDDIE's MQTT broker: a real Aedes broker on a free port with EDDIE's rules. Each
 * permission has a user (username = permission id) that may publish only to `aiida/v1/<id>/data/outbound/+`
 * and `aiida/v1/<id>/status` and subscribe only to `aiida/v1/<id>/command/+`. It can be stopped (every
 * connection cut, nothing accepted) and started again on the same port; sessions and retained messages
 * survive that, as on a broker with persistence.
 */
export interface StandInEpBroker {
  readonly url: string;
  /** Gives a permission its credentials, as EDDIE does on PATCH ACCEPT. */
  grant(permissionId: string, password: string): void;
  /** Takes them away again, as EDDIE does on revoke: the next CONNACK refuses (5, not authorised). */
  revoke(permissionId: string): void;
  stop(): Promise<void>;
  restart(): Promise<void>;
  /** Resolves once a client of this permission subscribed to its command topic `times` times in all. */
  whenSubscribed(permissionId: string, times?: number): Promise<void>;
  /** How often clients of this permission subscribed to its command topic so far. */
  subscribeCount(permissionId: string): number;
  /** Publishes to the topics and subscriptions the ACL refused, for assertions. */
  readonly refused: string[];
  /** A real mqtt.js client logged in as EDDIE (persistent session, reconnecting), closed when the test ends. */
  connectEddie(t: TestContext, clientId?: string, clean?: boolean): Promise<MqttClient>;
}

function mayPublish(permissionId: string, topic: string): boolean {
  const base = `aiida/v1/${permissionId}/`;
  if (topic === `${base}status`) return true;
  const rest = topic.startsWith(`${base}data/outbound/`) ? topic.slice(`${base}data/outbound/`.length) : "";
  return rest !== "" && !rest.includes("/");
}

export async function startStandInEpBroker(t: TestContext): Promise<StandInEpBroker> {
  const passwords = new Map<string, string>();
  const refused: string[] = [];
  const subscriptions = new Map<string, number>();
  let waiters: Array<{ permissionId: string; times: number; resolve: () => void }> = [];
  const wake = () => {
    const ready = waiters.filter((w) => (subscriptions.get(w.permissionId) ?? 0) >= w.times);
    waiters = waiters.filter((w) => !ready.includes(w));
    for (const w of ready) w.resolve();
  };
  const userOf = new WeakMap<Client, string>();
  const aedes = await Aedes.createBroker({
    authenticate: (client, username, password, done) => {
      const expected = username === EDDIE_USER ? EDDIE_PASSWORD : passwords.get(username ?? "");
      if (expected === undefined || password?.toString("utf8") !== expected) {
        const returnCode =
          username !== undefined && username !== EDDIE_USER && !passwords.has(username) ? 5 : 4;
        done(Object.assign(new Error("not authorised"), { returnCode }) as AuthenticateError, false);
        return;
      }
      userOf.set(client, username ?? "");
      done(null, true);
    },
    authorizePublish: (client, packet, done) => {
      const user = client ? userOf.get(client) : EDDIE_USER;
      if (user === EDDIE_USER || (user !== undefined && mayPublish(user, packet.topic))) return done(null);
      refused.push(`publish ${packet.topic} by ${user}`);
      done(new Error(`${user} may not publish to ${packet.topic}`));
    },
    authorizeSubscribe: (client, subscription, done) => {
      const user = userOf.get(client);
      if (user === EDDIE_USER) return done(null, subscription);
      if (user !== undefined && subscription.topic === `aiida/v1/${user}/command/+`) {
        subscriptions.set(user, (subscriptions.get(user) ?? 0) + 1);
        done(null, subscription);
        wake();
        return;
      }
      refused.push(`subscribe ${subscription.topic} by ${user}`);
      done(null, null);
    },
  });
  const sockets = new Set<Socket>();
  let server: Server | undefined;
  let port = 0;

  const listen = async () => {
    const next = createServer((socket) => {
      sockets.add(socket);
      socket.once("close", () => sockets.delete(socket));
      aedes.handle(socket);
    });
    next.listen(port, "127.0.0.1");
    await once(next, "listening");
    const address = next.address();
    port = typeof address === "object" && address ? address.port : port;
    server = next;
  };
  const stop = async () => {
    const current = server;
    server = undefined;
    if (current === undefined) return;
    const closed = new Promise<void>((resolve) => current.close(() => resolve()));
    for (const socket of sockets) socket.destroy();
    await closed;
  };
  await listen();
  const url = `mqtt://127.0.0.1:${port}`;
  t.after(async () => {
    await stop();
    await new Promise<void>((resolve) => aedes.close(() => resolve()));
  });

  return {
    url,
    refused,
    grant: (permissionId, password) => passwords.set(permissionId, password),
    revoke: (permissionId) => passwords.delete(permissionId),
    stop,
    restart: listen,
    subscribeCount: (permissionId) => subscriptions.get(permissionId) ?? 0,
    whenSubscribed: (permissionId, times = 1) =>
      new Promise<void>((resolve) => {
        waiters.push({ permissionId, times, resolve });
        wake();
      }),
    async connectEddie(t2, clientId = `eddie-${Math.random().toString(16).slice(2, 10)}`, clean = false) {
      const client = await mqtt.connectAsync(url, {
        username: EDDIE_USER,
        password: EDDIE_PASSWORD,
        clientId,
        clean,
        reconnectPeriod: 100,
        connectTimeout: 5000,
      });
      t2.after(() => client.endAsync(true));
      return client;
    },
  };
}

/** Every message the client receives from now on, in order. */
export function collectMessages(client: MqttClient): ReceivedMessage[] {
  const received: ReceivedMessage[] = [];
  client.on("message", (topic, payload, packet) =>
    received.push({ topic, payload: payload.toString("utf8"), retain: packet.retain }),
  );
  return received;
}
