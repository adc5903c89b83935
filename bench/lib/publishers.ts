import { type ProtocolVersion, PublishTemplate, WireClient } from "./mqtt-wire.ts";
import { cimMessage } from "./payload.ts";
import { cpuSeconds, ownCpuSeconds, sleep } from "./proc.ts";
import type { Device } from "./provision.ts";
import { TS_LEAD_MS } from "./provision.ts";
import { SUBSCRIBER, type Target } from "./servers.ts";
import { type LatencyPercentiles, Samples } from "./stats.ts";

/** One connected device: its client, message templates and the messages it has in flight. */
export interface Publisher {
  readonly device: Device;
  readonly client: WireClient;
  /** QoS 1 packet id → performance.now() when it was written. */
  readonly inflight: Map<number, number>;
  nextId: number;
  refillScheduled: boolean;
  templates: [PublishTemplate | undefined, PublishTemplate | undefined];
}

/** A set of connected devices; pings them in time for their keep-alive while open. */
export interface Pool {
  readonly publishers: Publisher[];
  /** Wall time from the first connect attempt to the last CONNACK, ms. */
  readonly connectMs: number;
  readonly failures: number;
  readonly errors: string[];
  close(): Promise<void>;
}

const KEEPALIVE_SEC = 120;

/**
 * Connects every device to the target with at most `concurrency` connection attempts pending at
 * once (the listen backlog is 511; more would make the kernel drop SYNs and retry after a second).
 */
export async function connectPool(
  target: Target,
  devices: readonly Device[],
  o: { concurrency?: number; connectTimeoutMs?: number; protocolVersion?: ProtocolVersion } = {},
): Promise<Pool> {
  const concurrency = o.concurrency ?? 500;
  const publishers: Publisher[] = new Array(devices.length);
  const errors: string[] = [];
  let failures = 0;
  let next = 0;
  const t0 = performance.now();
  const worker = async () => {
    while (next < devices.length) {
      const i = next++;
      const device = devices[i] as Device;
      try {
        const client = await WireClient.connect({
          host: target.host,
          port: target.port,
          clientId: `bench-${device.index}-${Math.random().toString(36).slice(2, 8)}`,
          ...target.credentials(device),
          keepaliveSec: KEEPALIVE_SEC,
          connectTimeoutMs: o.connectTimeoutMs ?? 60_000,
          protocolVersion: o.protocolVersion ?? 4,
          tlsCa: target.tlsCa,
        });
        publishers[i] = {
          device,
          client,
          inflight: new Map(),
          nextId: 0,
          refillScheduled: false,
          templates: [undefined, undefined],
        };
      } catch (err) {
        failures++;
        if (errors.length < 5) errors.push(`connect ${device.id}: ${(err as Error).message}`);
      }
    }
  };
  await Promise.all(Array.from({ length: Math.min(concurrency, devices.length) }, worker));
  const connectMs = performance.now() - t0;
  const connected = publishers.filter((p) => p !== undefined);
  const pinger = setInterval(
    () => {
      for (const p of connected) p.client.ping();
    },
    (KEEPALIVE_SEC * 1000) / 2,
  );
  return {
    publishers: connected,
    connectMs,
    failures,
    errors,
    async close() {
      clearInterval(pinger);
      const closing = connected.map(
        (p) =>
          new Promise<void>((resolve) => {
            if (p.client.closed) return resolve();
            p.client.socket.once("close", () => resolve());
            p.client.end();
            setTimeout(() => {
              p.client.destroy();
              resolve();
            }, 5000).unref();
          }),
      );
      await Promise.all(closing);
    },
  };
}

function templateOf(p: Publisher, qos: 0 | 1): PublishTemplate {
  let t = p.templates[qos];
  if (!t) {
    const m = cimMessage(p.device.id, p.device.index);
    t = new PublishTemplate(p.device.topic, m.payload, m.tsOffset, qos, p.client.protocolVersion);
    p.templates[qos] = t;
  }
  return t;
}

/** The next message's timestamp: unique per device, so every message becomes its own record. */
function nextIso(d: Device): string {
  d.tsBase ??= Date.now() - TS_LEAD_MS;
  d.seq++;
  return new Date(d.tsBase + d.seq).toISOString();
}

/** `n` consecutive PUBLISH packets of one device in one buffer; QoS 1 ones are entered as in flight. */
function packets(
  p: Publisher,
  qos: 0 | 1,
  n: number,
  now: number,
  onSent?: (p: Publisher, iso: string, t: number) => void,
): Buffer {
  const t = templateOf(p, qos);
  const out = Buffer.allocUnsafe(t.length * n);
  for (let i = 0; i < n; i++) {
    const iso = nextIso(p.device);
    let id = 0;
    if (qos === 1) {
      p.nextId = p.nextId >= 65535 ? 1 : p.nextId + 1;
      id = p.nextId;
      p.inflight.set(id, now);
    }
    t.fill(out, i * t.length, id, iso);
    onSent?.(p, iso, now);
  }
  return out;
}

/** Average payload bytes of the devices' messages. */
export function averagePayloadBytes(devices: readonly Device[]): number {
  let sum = 0;
  for (const d of devices) sum += cimMessage(d.id, d.index).payload.length;
  return devices.length === 0 ? 0 : sum / devices.length;
}

/** Fraction of one core a process used between two cpuSeconds() readings over `ms`. */
function coreFraction(cpuDelta: number, ms: number): number {
  return ms > 0 ? cpuDelta / (ms / 1000) : Number.NaN;
}

/** The result of a closed-loop run with a window of in-flight QoS 1 messages per device. */
export interface WindowedResult {
  readonly sent: number;
  readonly acked: number;
  /** Acknowledged messages per second in the measurement window. */
  readonly rate: number;
  readonly ackLatency: LatencyPercentiles;
  /** Cores used by the bench process (the load generator) in the window. */
  readonly generatorCores: number;
  /** Cores used by the server process in the window. */
  readonly serverCores: number;
  /** Cores used in the window by what `o.otherCpuSeconds` measures (the database server); NaN without it. */
  readonly otherCores: number;
  /** Messages still without PUBACK after the drain timeout. */
  readonly unacked: number;
  readonly connectionsLost: number;
  /** MQTT 5 PUBACKs with a non-zero reason code (refused, or "no matching subscribers"), by code. */
  readonly pubackReasonCodes: Record<number, number>;
}

/**
 * Every device keeps `window` QoS 1 messages in flight: a PUBACK lets it send the next one. After
 * `warmupMs` the acks of `measureMs` are counted; then sending stops and the rest is drained.
 */
export async function runWindowed(
  pubs: readonly Publisher[],
  serverPid: number,
  o: {
    window: number;
    warmupMs: number;
    measureMs: number;
    drainMs?: number;
    /** CPU seconds of other processes the server relies on (PostgreSQL), read at the window's ends. */
    otherCpuSeconds?: () => number;
  },
): Promise<WindowedResult> {
  const latency = new Samples();
  let running = true;
  let measuring = false;
  let sent = 0;
  let acked = 0;
  let lost = 0;
  const reasonCodes: Record<number, number> = {};
  const refill = (p: Publisher) => {
    p.refillScheduled = false;
    if (!running || p.client.closed) return;
    const n = o.window - p.inflight.size;
    if (n <= 0) return;
    p.client.write(packets(p, 1, n, performance.now()));
    sent += n;
  };
  for (const p of pubs) {
    p.client.onPuback = (id, reasonCode) => {
      const t = p.inflight.get(id);
      if (t === undefined) return;
      p.inflight.delete(id);
      acked++;
      if (reasonCode !== 0) reasonCodes[reasonCode] = (reasonCodes[reasonCode] ?? 0) + 1;
      if (measuring) latency.push(performance.now() - t);
      if (running && !p.refillScheduled) {
        p.refillScheduled = true;
        queueMicrotask(() => refill(p));
      }
    };
    p.client.onClose = () => {
      if (running) lost++;
    };
  }
  for (const p of pubs) refill(p);
  await sleep(o.warmupMs);
  measuring = true;
  const a0 = acked;
  const t0 = performance.now();
  const g0 = ownCpuSeconds();
  const s0 = cpuSeconds(serverPid);
  const o0 = o.otherCpuSeconds?.() ?? Number.NaN;
  await sleep(o.measureMs);
  measuring = false;
  const a1 = acked;
  const t1 = performance.now();
  const g1 = ownCpuSeconds();
  const s1 = cpuSeconds(serverPid);
  const o1 = o.otherCpuSeconds?.() ?? Number.NaN;
  running = false;
  const unacked = await drain(pubs, o.drainMs ?? 20_000);
  return {
    sent,
    acked,
    rate: ((a1 - a0) * 1000) / (t1 - t0),
    ackLatency: latency.latency(),
    generatorCores: coreFraction(g1 - g0, t1 - t0),
    serverCores: coreFraction(s1 - s0, t1 - t0),
    otherCores: coreFraction(o1 - o0, t1 - t0),
    unacked,
    connectionsLost: lost,
    pubackReasonCodes: reasonCodes,
  };
}

/** Waits until no QoS 1 message is in flight (or the timeout); returns how many still are. */
async function drain(pubs: readonly Publisher[], timeoutMs: number): Promise<number> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    let left = 0;
    for (const p of pubs) if (!p.client.closed) left += p.inflight.size;
    if (left === 0 || Date.now() > deadline) {
      let lostInFlight = 0;
      for (const p of pubs) lostInFlight += p.inflight.size;
      return lostInFlight;
    }
    await sleep(20);
  }
}

/** Publish→delivery timing keyed by topic and timestamp (raw subscriber or the hub's live stream). */
export class DeliveryTracker {
  private readonly sentAt = new Map<string, number>();
  readonly latency = new Samples();
  delivered = 0;
  unknown = 0;
  window: [number, number] = [0, 0];

  sent(key: string, t: number): void {
    this.sentAt.set(key, t);
  }

  deliver(key: string): void {
    const t = this.sentAt.get(key);
    if (t === undefined) {
      this.unknown++;
      return;
    }
    this.sentAt.delete(key);
    this.delivered++;
    if (t >= this.window[0] && t < this.window[1]) this.latency.push(performance.now() - t);
  }

  /** Messages sent in the window that were never delivered. */
  missingInWindow(): number {
    let n = 0;
    for (const t of this.sentAt.values()) if (t >= this.window[0] && t < this.window[1]) n++;
    return n;
  }
}

/** The result of an open-loop run at a fixed total rate. */
export interface PacedResult {
  readonly sent: number;
  readonly acked: number;
  readonly ackLatency: LatencyPercentiles;
  /** How late the generator sent messages against their schedule: p99 and max, ms. */
  readonly scheduleLagP99: number;
  readonly scheduleLagMax: number;
  readonly generatorCores: number;
  readonly serverCores: number;
  readonly unacked: number;
  readonly connectionsLost: number;
  /** [start, end) of the measurement window (performance.now()), for trackers. */
  readonly window: readonly [number, number];
}

/**
 * Open loop: message k is due at start + k / rate and goes to device k mod n, whatever the acks do
 * (so a slow server shows as latency, not as a lower send rate). QoS 1.
 */
export async function runPaced(
  pubs: readonly Publisher[],
  serverPid: number,
  o: {
    ratePerSec: number;
    warmupMs: number;
    measureMs: number;
    drainMs?: number;
    tracker?: DeliveryTracker;
    /** Called once a second during the run (sampling memory, issuing queries). */
    everySecond?: (elapsedMs: number) => void;
  },
): Promise<PacedResult> {
  const latency = new Samples();
  const lag = new Samples();
  const start = performance.now() + 20;
  const windowStart = start + o.warmupMs;
  const windowEnd = windowStart + o.measureMs;
  if (o.tracker) o.tracker.window = [windowStart, windowEnd];
  let sent = 0;
  let acked = 0;
  let lost = 0;
  let running = true;
  for (const p of pubs) {
    p.client.onPuback = (id) => {
      const t = p.inflight.get(id);
      if (t === undefined) return;
      p.inflight.delete(id);
      acked++;
      if (t >= windowStart && t < windowEnd) latency.push(performance.now() - t);
    };
    p.client.onClose = () => {
      if (running) lost++;
    };
  }
  const onSent = o.tracker
    ? (p: Publisher, iso: string, t: number) => o.tracker?.sent(`${p.device.topic}|${iso}`, t)
    : undefined;
  const interval = 1000 / o.ratePerSec;
  let k = 0;
  let g0 = 0;
  let s0 = 0;
  let g1 = 0;
  let s1 = 0;
  let nextSecond = start + 1000;
  await new Promise<void>((resolve) => {
    const tick = () => {
      const now = performance.now();
      if (g0 === 0 && now >= windowStart) {
        g0 = ownCpuSeconds();
        s0 = cpuSeconds(serverPid);
      }
      if (now >= windowEnd) {
        g1 = ownCpuSeconds();
        s1 = cpuSeconds(serverPid);
        resolve();
        return;
      }
      const due = Math.floor((now - start) / interval);
      while (k < due) {
        const p = pubs[k % pubs.length] as Publisher;
        const scheduled = start + k * interval;
        k++;
        if (p.client.closed) continue;
        const t = performance.now();
        if (scheduled >= windowStart) lag.push(t - scheduled);
        p.client.write(packets(p, 1, 1, t, onSent));
        sent++;
      }
      if (now >= nextSecond) {
        nextSecond += 1000;
        o.everySecond?.(now - start);
      }
      setTimeout(tick, 1);
    };
    setTimeout(tick, Math.max(0, start - performance.now()));
  });
  running = false;
  const unacked = await drain(pubs, o.drainMs ?? 20_000);
  const lagStats = lag.latency();
  return {
    sent,
    acked,
    ackLatency: latency.latency(),
    scheduleLagP99: lagStats.p99,
    scheduleLagMax: lagStats.max,
    generatorCores: coreFraction(g1 - g0, windowEnd - windowStart),
    serverCores: coreFraction(s1 - s0, windowEnd - windowStart),
    unacked,
    connectionsLost: lost,
    window: [windowStart, windowEnd],
  };
}

/** Counters of a flood while it runs. */
export interface Flood {
  readonly stats: { sent: number; acked: number };
  /** Stops sending; QoS 1 in-flight messages are left to the caller (close the pool). */
  stop(): void;
}

/**
 * Every device writes as fast as its socket takes it (TCP back-pressure is the only brake; at
 * QoS 1 at most `maxInflight` unacknowledged messages per device, to keep packet ids unique).
 */
export function startFlood(pubs: readonly Publisher[], o: { qos: 0 | 1; maxInflight?: number }): Flood {
  const stats = { sent: 0, acked: 0 };
  const maxInflight = o.maxInflight ?? 50_000;
  const batch = 16;
  let running = true;
  const blocked = new Set<Publisher>();
  const pump = (p: Publisher) => {
    if (!running || p.client.closed) return;
    if (o.qos === 1 && p.inflight.size >= maxInflight) {
      blocked.add(p);
      return;
    }
    const ok = p.client.write(packets(p, o.qos, batch, performance.now()));
    stats.sent += batch;
    if (ok) setImmediate(pump, p);
    else p.client.socket.once("drain", () => pump(p));
  };
  for (const p of pubs) {
    p.client.onPuback = (id) => {
      if (p.inflight.delete(id)) stats.acked++;
      if (blocked.has(p) && p.inflight.size < maxInflight / 2) {
        blocked.delete(p);
        setImmediate(pump, p);
      }
    };
    p.client.onClose = undefined;
  }
  for (const p of pubs) pump(p);
  return {
    stats,
    stop() {
      running = false;
    },
  };
}

/** A subscriber on every device's data topic, for the raw brokers' pub→sub figures. */
export async function connectSubscriber(
  target: Target,
  qos: 0 | 1,
  onMessage: (topic: string, payload: Buffer) => void,
): Promise<WireClient> {
  const client = await WireClient.connect({
    host: target.host,
    port: target.port,
    clientId: `bench-subscriber-${Math.random().toString(36).slice(2, 8)}`,
    ...(target.kind === "aedes" || target.kind === "aedes-fsync" ? SUBSCRIBER : {}),
    keepaliveSec: 0,
  });
  client.onPublish = onMessage;
  await client.subscribe("aiida/+/data", qos);
  return client;
}
