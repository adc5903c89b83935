import type { Duplex } from "node:stream";
import { generate, type IConnectPacket, type IPublishPacket, type Packet } from "mqtt-packet";
import type { ConnectionEvent } from "../domain/connection-event.ts";
import { type DataSource, dataTopic, feedbackTopic } from "../domain/data-source.ts";
import type { IngestVerdict } from "../domain/ingest-verdict.ts";
import { clip as clipText, type Logger, type LogLevel } from "../platform/logger.ts";
import { AckQueue } from "./ack-queue.ts";
import { decideConnect, expiryFromSeconds, hasInvalidText } from "./connect-decision.ts";
import { protocolName } from "./connection-log.ts";
import type { DeviceDirectory } from "./device-directory.ts";
import type { DeviceSessions, FeedbackItem, SessionConnection } from "./device-sessions.ts";
import { FeedbackFlow } from "./feedback-flow.ts";
import { PacketFramer } from "./packet-framer.ts";
import type { PacketReader } from "./packet-reader.ts";
import { REASON, returnCodeV3 } from "./reason-codes.ts";

/** Called for every publish a device may make; resolves, once its outcome is committed, with what became of it. */
export type DevicePublishHandler = (
  source: DataSource,
  payload: Buffer,
  refusable: boolean,
) => Promise<IngestVerdict>;

/** Limits the endpoint announces (MQTT 5 CONNACK) and enforces for every version. */
export interface EndpointLimits {
  /** Packets larger than this close the connection on their header, before their body is buffered. */
  readonly maxPacketBytes: number;
  /** QoS 1 and 2 messages a device may have unacknowledged at once (MQTT 5 Receive Maximum). */
  readonly receiveMaximum: number;
  readonly topicAliasMaximum: number;
  /** A connection that has not sent CONNECT by then is closed. */
  readonly connectDeadlineMs: number;
}

/** What a connection needs of the endpoint that accepted it. */
export interface ConnectionHost {
  readonly devices: DeviceDirectory;
  readonly sessions: DeviceSessions;
  readonly onPublish: DevicePublishHandler;
  readonly limits: EndpointLimits;
  readonly logger: Logger;
  /** Decodes the frames of every connection. */
  readonly reader: PacketReader;
  /** Logs a refusal (in full once per address, then counted). */
  refuse(address: string, level: LogLevel, message: string, fields: Record<string, string | undefined>): void;
  /** A message could not be stored (storage failing): logged once per address, then counted. */
  storeFailed(address: string, sourceId: string, error: unknown): void;
  /** Adds an event to a data source's connection log. */
  note(sourceId: string, event: Omit<ConnectionEvent, "at">): void;
  /** The device is authenticated and has its CONNACK. */
  opened(connection: DeviceConnection): void;
  /** An opened connection has ended. */
  closed(connection: DeviceConnection): void;
}

/** Keep-alive is enforced at 1.5 times the interval the device chose (MQTT 3.1.1, 3.1.2.10). */
const KEEP_ALIVE_GRACE = 1.5;

/** A connection that is told to go is cut this long after its last packet was handed to the network. */
const CLOSE_LINGER_MS = 2000;

/** Longest text from the network kept in a connection log event. */
const MAX_EVENT_TEXT = 200;

/** MQTT 5 reason codes at and above this say "not done". */
const FAILURE = 0x80;

type State = "awaiting-connect" | "open" | "closed";

/**
 * One device connection over any transport: MQTT 3.1, 3.1.1 and 5.0, nothing routed between clients.
 * The device may publish to its own data topic only (each message goes to ingest, and is acknowledged
 * after its outcome is committed, with that outcome in MQTT 5's reason code) and subscribe to its own
 * feedback topic only. Packets that arrive before the CONNACK are handled after the CONNECT in order.
 */
export class DeviceConnection implements SessionConnection {
  private state: State = "awaiting-connect";
  private version: 3 | 4 | 5 = 4;
  private source: DataSource | undefined;
  private clientId = "";
  /** The only topic this connection may publish to, made once at CONNECT rather than per message. */
  private ownDataTopic = "";
  private readonly framer: PacketFramer;
  /** Made on the first QoS 1/2 message, so that an idle connection does not carry one. */
  private ackQueue: AckQueue | undefined;
  private deviceReceiveMaximum = 0xffff;
  private feedback: FeedbackFlow | undefined;
  private feedbackQos: 0 | 1 | null = null;
  /** Live reports that came while the queued ones were read from the store: sent after them, in order. */
  private heldFeedback: FeedbackItem[] | undefined;
  /** QoS 2 packet ids: "storing" until the outcome is committed, "received" until PUBREL. */
  private qos2: Map<number, "storing" | "received"> | undefined;
  private topicAliases: Map<number, string> | undefined;
  private deviceMaxPacketBytes = Number.POSITIVE_INFINITY;
  private wantsReasons = true;
  private keepAliveMs = 0;
  private lastPacketAt = 0;
  private timer: NodeJS.Timeout | undefined;
  /** Messages of this connection handed to ingest whose outcome is not committed yet. */
  private ingesting = 0;
  /** Why the hub ended the connection, for the connection log; unset when the device or network ended it. */
  private closeReason: string | undefined;

  constructor(
    private readonly stream: Duplex,
    readonly address: string,
    private readonly host: ConnectionHost,
  ) {
    this.framer = new PacketFramer(host.limits.maxPacketBytes);
    stream.on("data", (chunk: Buffer) => this.receive(chunk));
    // A device that half-closes has nothing more to send; what it sent is handled already.
    stream.on("end", () => this.stream.end());
    stream.on("error", () => this.stream.destroy());
    stream.once("close", () => this.onClose());
    this.timer = setTimeout(() => this.close(undefined, "no CONNECT in time"), host.limits.connectDeadlineMs);
  }

  /** The data source of an authenticated connection. */
  get sourceId(): string | undefined {
    return this.source?.id;
  }

  /** Sends a feedback report at the device's subscription QoS. */
  sendFeedback(item: FeedbackItem): void {
    if (this.state !== "open" || this.feedbackQos === null) return;
    if (this.heldFeedback !== undefined) this.heldFeedback.push(item);
    else this.feedbackFlow.offer(item, this.feedbackQos);
  }

  takeOver(): FeedbackItem[] {
    const undelivered = this.takeUndelivered();
    this.close(REASON.sessionTakenOver, "another connection with the same client id took the session over");
    return undelivered;
  }

  /** Ends the connection; MQTT 5 devices are told why first. */
  close(reasonCode: number | undefined, reason: string): void {
    if (this.state === "closed") return;
    this.closeReason = reason;
    const wasOpen = this.state === "open";
    this.state = "closed";
    this.clearTimer();
    if (wasOpen && this.version === 5 && reasonCode !== undefined) {
      this.write({ cmd: "disconnect", reasonCode, properties: this.reasonProperty(reason, 8) });
    }
    // Destroyed once the last packet is handed to the network, or after a while if the device does not read.
    this.stream.once("finish", () => this.stream.destroy());
    this.stream.end();
    setTimeout(() => this.stream.destroy(), CLOSE_LINGER_MS).unref();
  }

  private receive(chunk: Buffer): void {
    if (this.state === "closed") return;
    this.lastPacketAt = performance.now();
    const frames = this.framer.push(chunk);
    if (frames === "too-large") {
      this.tooLarge(chunk);
      return;
    }
    if (frames === "malformed-length") {
      this.malformed("a remaining length of more than four bytes");
      return;
    }
    for (const frame of frames) {
      // Handling one packet may close the connection; the rest are not read then.
      if (this.closed) return;
      const packet = this.host.reader.read(
        frame,
        this.state === "awaiting-connect" ? undefined : this.version,
      );
      if (packet instanceof Error) this.malformed(packet.message);
      else this.handle(packet);
    }
  }

  private get acks(): AckQueue {
    this.ackQueue ??= new AckQueue((packet) => this.write(packet));
    return this.ackQueue;
  }

  /** Made on the first feedback report, so that an idle connection does not carry one. */
  private get feedbackFlow(): FeedbackFlow {
    this.feedback ??= new FeedbackFlow(
      (item, packetId) => this.sendReport(item, packetId),
      this.deviceReceiveMaximum,
    );
    return this.feedback;
  }

  private get closed(): boolean {
    return this.state === "closed";
  }

  private handle(packet: Packet): void {
    if (this.state === "closed") return;
    if (this.state === "awaiting-connect") {
      if (packet.cmd !== "connect") {
        this.malformed(`${packet.cmd} before CONNECT`);
        return;
      }
      this.connect(packet);
      return;
    }
    switch (packet.cmd) {
      case "publish":
        this.publish(packet);
        return;
      case "puback":
        this.feedbackAcknowledged(packet.messageId);
        return;
      case "pubrel":
        this.released(packet.messageId ?? 0);
        return;
      case "subscribe":
        this.subscribe(packet.messageId ?? 0, packet.subscriptions);
        return;
      case "unsubscribe":
        this.unsubscribe(packet.messageId ?? 0, packet.unsubscriptions);
        return;
      case "pingreq":
        this.write({ cmd: "pingresp" });
        return;
      case "disconnect":
        this.disconnect(packet.properties?.sessionExpiryInterval);
        return;
      case "pubrec":
      case "pubcomp":
        // The hub sends feedback at QoS 0 or 1 only, so these answer nothing of ours.
        return;
      default:
        this.protocolError(`unexpected ${packet.cmd}`);
        return;
    }
  }

  private connect(packet: IConnectPacket): void {
    this.version = packet.protocolVersion ?? 4;
    const decision = decideConnect(packet, this.host.devices, (id, source) =>
      this.host.sessions.mayUse(id, source),
    );
    if (!decision.accepted) {
      if (decision.sourceId !== undefined) {
        const wrongPassword = decision.reasonCode === REASON.badUsernameOrPassword;
        this.noteEvent(
          decision.sourceId,
          "refused",
          wrongPassword ? "wrong password" : decision.reason,
          packet.clientId,
        );
      }
      this.host.refuse(
        this.address,
        "info",
        `device connection refused: ${decision.reason}`,
        decision.logFields,
      );
      this.refuseConnect(decision.reasonCode, decision.reason);
      return;
    }
    if (packet.will) {
      this.host.logger.info("a device's will message is ignored: the hub stores only what it publishes", {
        dataSource: decision.source.id,
      });
    }
    this.source = decision.source;
    this.ownDataTopic = dataTopic(decision.source.id);
    this.clientId = decision.clientId;
    const properties = packet.properties;
    this.deviceMaxPacketBytes = properties?.maximumPacketSize ?? Number.POSITIVE_INFINITY;
    this.wantsReasons = properties?.requestProblemInformation !== false;
    this.deviceReceiveMaximum = properties?.receiveMaximum ?? 0xffff;
    const resumed = this.host.sessions.attach(this, {
      clientId: decision.clientId,
      sourceId: decision.source.id,
      cleanStart: decision.cleanStart,
      expiryMs: decision.expiryMs,
    });
    this.state = "open";
    this.keepAliveMs = (packet.keepalive ?? 0) * 1000 * KEEP_ALIVE_GRACE;
    this.clearTimer();
    if (this.keepAliveMs > 0) this.armKeepAlive(this.keepAliveMs);
    this.write(this.connack(resumed.sessionPresent, decision.assignedClientId));
    this.noteEvent(
      decision.source.id,
      "connected",
      resumed.sessionPresent ? "session resumed" : "new session",
      this.clientId,
    );
    this.host.opened(this);
    this.feedbackQos = resumed.feedbackQos === null ? null : resumed.feedbackQos === 0 ? 0 : 1;
    this.heldFeedback = [];
    resumed.waiting
      .then((waiting) => this.sendWaiting(waiting))
      .catch((error: unknown) =>
        this.host.logger.error("queued feedback could not be sent", {
          dataSource: this.source?.id,
          error: String(error),
        }),
      );
  }

  /** Sends the reports that waited for the device, then those that came live while they were read. */
  private sendWaiting(waiting: readonly FeedbackItem[]): void {
    const held = this.heldFeedback ?? [];
    this.heldFeedback = undefined;
    // Closed meanwhile: the queued reports stay in the store, the held ones went with the session.
    if (this.state !== "open") return;
    for (const item of [...waiting, ...held]) this.feedbackFlow.offer(item, this.feedbackQos ?? 1);
  }

  /** Every report not yet acknowledged, oldest first, including those held back; none are left here. */
  private takeUndelivered(): FeedbackItem[] {
    const held = this.heldFeedback ?? [];
    if (this.heldFeedback !== undefined) this.heldFeedback = [];
    return [...(this.feedback?.takeUndelivered() ?? []), ...held];
  }

  private connack(sessionPresent: boolean, assignedClientId: string | undefined): Packet {
    if (this.version !== 5) return { cmd: "connack", returnCode: 0, sessionPresent };
    const limits = this.host.limits;
    return {
      cmd: "connack",
      reasonCode: REASON.success,
      sessionPresent,
      properties: {
        receiveMaximum: limits.receiveMaximum,
        maximumPacketSize: limits.maxPacketBytes,
        topicAliasMaximum: limits.topicAliasMaximum,
        wildcardSubscriptionAvailable: false,
        sharedSubscriptionAvailable: false,
        subscriptionIdentifiersAvailable: false,
        ...(assignedClientId !== undefined && { assignedClientIdentifier: assignedClientId }),
      },
    };
  }

  private refuseConnect(reasonCode: number, reason: string): void {
    const packet: Packet =
      this.version === 5
        ? { cmd: "connack", reasonCode, sessionPresent: false, properties: { reasonString: reason } }
        : { cmd: "connack", returnCode: returnCodeV3(reasonCode), sessionPresent: false };
    this.write(packet);
    this.close(undefined, reason);
  }

  private publish(packet: IPublishPacket): void {
    const source = this.source as DataSource;
    const topic = this.topicOf(packet);
    if (topic === undefined) return;
    const qos = packet.qos;
    const id = packet.messageId ?? 0;
    if (qos === 2) {
      const known = this.qos2?.get(id);
      // A resent QoS 2 message is stored once: answered when its first copy is, or at once if it was.
      if (known === "storing") return;
      if (known === "received") {
        this.write({ cmd: "pubrec", messageId: id });
        return;
      }
    }
    if (qos > 0 && (this.ackQueue?.size ?? 0) >= this.host.limits.receiveMaximum && this.version === 5) {
      this.close(
        REASON.receiveMaximumExceeded,
        `more than ${this.host.limits.receiveMaximum} messages unacknowledged`,
      );
      return;
    }
    if (topic !== this.ownDataTopic) {
      // Only a topic that is not the device's own needs its syntax checked: the own one is valid.
      if (!validTopicName(topic)) {
        this.malformed("a PUBLISH without a valid topic name");
        return;
      }
      this.refusePublish(topic, qos, id);
      return;
    }
    const entry = this.host.devices.get(source.id);
    if (!entry?.source.enabled) {
      this.host.refuse(this.address, "info", "message refused: the data source is disabled or deleted", {
        dataSource: source.id,
      });
      this.close(REASON.notAuthorized, "the data source is disabled or deleted");
      return;
    }
    const acknowledge = qos > 0 ? this.acks.reserve() : undefined;
    if (qos === 2) {
      this.qos2 ??= new Map();
      this.qos2.set(id, "storing");
    }
    const payload = typeof packet.payload === "string" ? Buffer.from(packet.payload) : packet.payload;
    this.ingesting++;
    // A device over its rate limit waits in ingest; reading on would pile its messages up in memory.
    if (this.ingesting >= this.host.limits.receiveMaximum) this.stream.pause();
    // MQTT 5 devices learn of a refusal from their acknowledgement; 3.x QoS 1/2 ones are only slowed down.
    const refusable = qos === 0 || this.version === 5;
    this.host.onPublish(entry.source, payload, refusable).then(
      (verdict) => {
        this.ingested();
        if (!acknowledge) return;
        const reasonCode = reasonCodeOf(verdict);
        if (qos === 2) {
          if (reasonCode < FAILURE) this.qos2?.set(id, "received");
          else this.qos2?.delete(id);
        }
        acknowledge(this.acknowledgement(qos === 1 ? "puback" : "pubrec", id, reasonCode, verdict.summary));
      },
      (error: unknown) => {
        this.ingested();
        this.qos2?.delete(id);
        this.host.storeFailed(this.address, source.id, error);
        // No acknowledgement: the device keeps the message and sends it again after reconnecting.
        this.close(REASON.unspecifiedError, "the message could not be stored; send it again later");
      },
    );
  }

  private ingested(): void {
    this.ingesting--;
    if (this.stream.isPaused() && this.ingesting < this.host.limits.receiveMaximum) this.stream.resume();
  }

  /** The topic of a PUBLISH after MQTT 5 topic aliases ("" when unknown); undefined when the connection was closed for it. */
  private topicOf(packet: IPublishPacket): string | undefined {
    let topic = packet.topic;
    const alias = packet.properties?.topicAlias;
    if (alias !== undefined) {
      if (this.version !== 5 || alias === 0 || alias > this.host.limits.topicAliasMaximum) {
        this.close(REASON.topicAliasInvalid, `topic alias ${alias} is out of range`);
        return undefined;
      }
      this.topicAliases ??= new Map();
      if (topic.length > 0) this.topicAliases.set(alias, topic);
      else topic = this.topicAliases.get(alias) ?? "";
    }
    return topic;
  }

  private refusePublish(topic: string, qos: number, id: number): void {
    const reason = `publishing to ${topic} is not allowed; publish to ${this.ownDataTopic}`;
    this.noteEvent(this.source?.id ?? "", "publish-refused", reason, this.clientId);
    this.host.refuse(this.address, "warn", "publish refused", { dataSource: this.source?.id, topic });
    // MQTT 5 can say so in the acknowledgement; MQTT 3.x can only close the connection.
    if (this.version === 5 && qos > 0) {
      const acknowledge = this.acks.reserve();
      acknowledge(this.acknowledgement(qos === 1 ? "puback" : "pubrec", id, REASON.notAuthorized, reason));
      return;
    }
    this.close(REASON.notAuthorized, reason);
  }

  private acknowledgement(
    cmd: "puback" | "pubrec",
    messageId: number,
    reasonCode: number,
    reason: string | undefined,
  ): Packet {
    if (this.version !== 5) return { cmd, messageId };
    // A device that asked for no problem information gets reason strings only in CONNACK and DISCONNECT.
    const properties = this.wantsReasons ? this.reasonProperty(reason, 8) : {};
    return { cmd, messageId, reasonCode, properties };
  }

  /** A reason string, left out when the device could not take a packet that large (MQTT 5, 3.1.2.11.4). */
  private reasonProperty(reason: string | undefined, packetBytesWithout: number): { reasonString?: string } {
    if (reason === undefined) return {};
    const bytes = packetBytesWithout + 3 + Buffer.byteLength(reason);
    return bytes <= this.deviceMaxPacketBytes ? { reasonString: reason } : {};
  }

  private released(messageId: number): void {
    const known = this.qos2?.get(messageId) === "received";
    this.qos2?.delete(messageId);
    if (this.version !== 5 || known) {
      this.write({ cmd: "pubcomp", messageId });
      return;
    }
    this.write({ cmd: "pubcomp", messageId, reasonCode: REASON.packetIdNotFound });
  }

  private subscribe(messageId: number, subscriptions: ReadonlyArray<{ topic: string; qos: number }>): void {
    const own = feedbackTopic(this.source?.id ?? "");
    const refusedCode = this.version === 5 ? REASON.notAuthorized : 0x80;
    const granted = subscriptions.map((subscription) => {
      if (subscription.topic !== own) {
        this.noteEvent(
          this.source?.id ?? "",
          "subscribe-refused",
          `subscribing to ${subscription.topic} is not allowed; subscribe to ${own}`,
          this.clientId,
        );
        this.host.refuse(this.address, "warn", "subscription refused", {
          dataSource: this.source?.id,
          topic: subscription.topic,
        });
        return refusedCode;
      }
      // Feedback is sent at QoS 1 at most.
      const qos: 0 | 1 = subscription.qos === 0 ? 0 : 1;
      this.feedbackQos = qos;
      this.host.sessions.subscribe(this.clientId, qos);
      return qos;
    });
    this.write({ cmd: "suback", messageId, granted });
  }

  private unsubscribe(messageId: number, topics: readonly string[]): void {
    const own = feedbackTopic(this.source?.id ?? "");
    const codes = topics.map((topic) => {
      if (topic !== own || this.feedbackQos === null) return REASON.noSubscriptionExisted;
      this.feedbackQos = null;
      this.host.sessions.subscribe(this.clientId, null);
      return REASON.success;
    });
    this.write(
      this.version === 5
        ? { cmd: "unsuback", messageId, granted: codes }
        : { cmd: "unsuback", messageId, granted: [] },
    );
  }

  private disconnect(sessionExpirySeconds: number | undefined): void {
    if (sessionExpirySeconds !== undefined) {
      this.host.sessions.setExpiry(this.clientId, expiryFromSeconds(sessionExpirySeconds));
    }
    this.close(undefined, "the device disconnected");
  }

  private feedbackAcknowledged(messageId: number | undefined): void {
    const item = messageId === undefined ? undefined : this.feedback?.acknowledged(messageId);
    if (item?.storeId !== undefined) this.host.sessions.delivered(this.clientId, item.storeId);
  }

  private sendReport(item: FeedbackItem, packetId: number | undefined): void {
    const packet: Packet = {
      cmd: "publish",
      topic: feedbackTopic(this.source?.id ?? ""),
      payload: item.payload,
      qos: packetId === undefined ? 0 : 1,
      dup: false,
      retain: false,
      ...(packetId !== undefined && { messageId: packetId }),
    };
    const bytes = generate(packet, { protocolVersion: this.version });
    if (bytes.length > this.deviceMaxPacketBytes) {
      this.host.logger.warn("a feedback report is larger than the device accepts and is not sent", {
        dataSource: this.source?.id,
        bytes: bytes.length,
      });
      if (packetId !== undefined) this.feedbackAcknowledged(packetId);
      return;
    }
    if (!this.stream.destroyed && !this.stream.writableEnded) this.stream.write(bytes);
  }

  private tooLarge(chunk: Buffer): void {
    this.host.refuse(this.address, "warn", "packet larger than the limit; connection closed", {
      dataSource: this.source?.id,
    });
    if (this.state === "awaiting-connect") {
      this.version = announcedVersion(chunk) ?? 4;
      this.refuseConnect(
        REASON.packetTooLarge,
        `packets may be at most ${this.host.limits.maxPacketBytes} bytes`,
      );
      return;
    }
    this.close(REASON.packetTooLarge, `packets may be at most ${this.host.limits.maxPacketBytes} bytes`);
  }

  private malformed(why: string): void {
    if (this.state === "awaiting-connect" && /protocol version/i.test(why)) {
      this.version = 4;
      this.refuseConnect(REASON.unsupportedProtocolVersion, "MQTT 3.1, 3.1.1 and 5.0 are supported");
      return;
    }
    this.host.refuse(this.address, "info", "malformed packet; connection closed", {
      dataSource: this.source?.id,
      problem: why,
    });
    this.close(REASON.malformedPacket, why);
  }

  private protocolError(why: string): void {
    this.host.refuse(this.address, "info", "protocol error; connection closed", {
      dataSource: this.source?.id,
      problem: why,
    });
    this.close(REASON.protocolError, why);
  }

  private noteEvent(sourceId: string, kind: ConnectionEvent["kind"], reason: string, clientId: string): void {
    this.host.note(sourceId, {
      kind,
      reason: clip(reason),
      address: this.address,
      clientId: clientId.length > 0 ? clip(clientId) : null,
      protocol: protocolName(this.version),
    });
  }

  private armKeepAlive(ms: number): void {
    this.timer = setTimeout(() => {
      // While its messages wait in ingest the hub is not reading the device, so its silence is the hub's doing.
      const idle = this.ingesting > 0 ? 0 : performance.now() - this.lastPacketAt;
      if (idle >= this.keepAliveMs)
        this.close(REASON.keepAliveTimeout, "nothing received within 1.5 times the keep-alive");
      else this.armKeepAlive(this.keepAliveMs - idle);
    }, ms);
    this.timer.unref();
  }

  private clearTimer(): void {
    if (this.timer) clearTimeout(this.timer);
    this.timer = undefined;
  }

  private write(packet: Packet): void {
    if (this.stream.destroyed || this.stream.writableEnded) return;
    this.stream.write(generate(packet, { protocolVersion: this.version }));
  }

  private onClose(): void {
    this.state = "closed";
    this.clearTimer();
    // Only an authenticated connection has a session and a place in the connection log.
    if (this.source === undefined) return;
    this.host.sessions.detach(this, this.clientId, this.takeUndelivered());
    const reason = this.closeReason ?? "the network connection ended without DISCONNECT";
    this.noteEvent(this.source?.id ?? "", "disconnected", reason, this.clientId);
    this.host.closed(this);
  }
}

/** A PUBLISH topic name as MQTT allows it: not empty, no wildcards, valid text. */
function validTopicName(topic: string): boolean {
  return topic.length > 0 && !topic.includes("+") && !topic.includes("#") && !hasInvalidText(topic);
}

/** The acknowledgement reason code for a message's outcome (MQTT 5; 3.x has none). */
function reasonCodeOf(verdict: IngestVerdict): number {
  switch (verdict.kind) {
    case "rejected":
      return REASON.payloadFormatInvalid;
    case "flooded":
      return REASON.quotaExceeded;
    default:
      return REASON.success;
  }
}

/** The protocol level a CONNECT announces in its first bytes, read without parsing the whole packet. */
function announcedVersion(head: Buffer): 3 | 4 | 5 | undefined {
  if (head.length < 2 || head[0] !== 0x10) return undefined;
  let at = 1;
  while (at < head.length && ((head[at] as number) & 0x80) !== 0) at++;
  at++;
  if (at + 2 > head.length) return undefined;
  const nameLength = head.readUInt16BE(at);
  const level = head[at + 2 + nameLength];
  return level === 3 || level === 4 || level === 5 ? level : undefined;
}

function clip(text: string): string {
  return clipText(text, MAX_EVENT_TEXT);
}
