import { PublishTemplate, WireClient } from "./mqtt-wire.ts";
import { cimMessage } from "./payload.ts";
import { sleep } from "./proc.ts";
import type { Device } from "./provision.ts";
import { TS_LEAD_MS } from "./provision.ts";
import type { Target } from "./servers.ts";

/** Pause between a PUBACK and the next message: a busy meter, not a load generator. */
const SEND_INTERVAL_MS = 10;
/** Pause before trying again when a connection attempt fails (the server refused or is not there). */
const RETRY_MS = 50;

/** One acknowledged message: when its PUBACK came (performance.now()) and its timestamp. */
export interface Ack {
  readonly at: number;
  readonly iso: string;
}

/**
 * A device that keeps one QoS 1 message in flight (the next one 10 ms after each PUBACK) and, when its
 * connection drops, connects again at once to whatever server `targetFor` names then, sending the
 * message that was not acknowledged again, as an MQTT client does after a reconnect.
 */
export class FailoverDevice {
  readonly acks: Ack[] = [];
  /** Connections made (the first one included). */
  connections = 0;
  /** Connection attempts that failed. */
  failedAttempts = 0;
  private client: WireClient | undefined;
  private running = true;
  private inflight: { id: number; iso: string } | undefined;
  private nextId = 0;
  private seq = 0;
  private readonly tsBase = Date.now() - TS_LEAD_MS;
  private readonly message: { payload: Buffer; tsOffset: number };
  private timer: NodeJS.Timeout | undefined;

  constructor(
    private readonly device: Device,
    private readonly targetFor: () => Target,
  ) {
    this.message = cimMessage(device.id, device.index);
  }

  /** Connects to the first target and starts sending. */
  start(): Promise<void> {
    return this.connect();
  }

  /** The first PUBACK that came after `t` (performance.now()), or undefined. */
  firstAckAfter(t: number): Ack | undefined {
    return this.acks.find((a) => a.at > t);
  }

  /** Stops sending and closes the connection (the message in flight, if any, is left). */
  stop(): void {
    this.running = false;
    clearTimeout(this.timer);
    this.client?.end();
    this.client = undefined;
  }

  private async connect(): Promise<void> {
    while (this.running) {
      const target = this.targetFor();
      try {
        const client = await WireClient.connect({
          host: target.host,
          port: target.port,
          clientId: `bench-failover-${this.device.index}`,
          ...target.credentials(this.device),
          keepaliveSec: 60,
          connectTimeoutMs: 5000,
        });
        if (!this.running) {
          client.end();
          return;
        }
        this.connections++;
        this.client = client;
        client.onPuback = (id) => this.acked(id);
        client.onClose = () => {
          if (this.client !== client) return;
          this.client = undefined;
          void this.connect();
        };
        // A send the PUBACK scheduled before the drop would send the same message twice.
        clearTimeout(this.timer);
        this.send();
        return;
      } catch {
        this.failedAttempts++;
        await sleep(RETRY_MS);
      }
    }
  }

  private send(): void {
    const client = this.client;
    if (!this.running || !client) return;
    // A message not acknowledged before the connection dropped goes again, with the same timestamp.
    if (!this.inflight) {
      this.seq++;
      this.inflight = { id: 0, iso: new Date(this.tsBase + this.seq).toISOString() };
    }
    this.nextId = this.nextId >= 65535 ? 1 : this.nextId + 1;
    this.inflight.id = this.nextId;
    const template = new PublishTemplate(
      this.device.topic,
      this.message.payload,
      this.message.tsOffset,
      1,
      client.protocolVersion,
    );
    const out = Buffer.allocUnsafe(template.length);
    template.fill(out, 0, this.inflight.id, this.inflight.iso);
    client.write(out);
  }

  private acked(id: number): void {
    if (this.inflight?.id !== id) return;
    this.acks.push({ at: performance.now(), iso: this.inflight.iso });
    this.inflight = undefined;
    this.timer = setTimeout(() => this.send(), SEND_INTERVAL_MS);
  }
}
