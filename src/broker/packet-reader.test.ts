import assert from "node:assert/strict";
import { test } from "node:test";
import { generate, type Packet } from "mqtt-packet";
import { PacketReader } from "./packet-reader.ts";

const connect = (protocolVersion: 4 | 5): Packet => ({
  cmd: "connect",
  protocolId: "MQTT",
  protocolVersion,
  clientId: `c${protocolVersion}`,
  clean: true,
  keepalive: 30,
});
const puback5: Packet = { cmd: "puback", messageId: 7, reasonCode: 0x10, properties: { reasonString: "x" } };

test("one reader serves connections of different versions in any order", () => {
  const reader = new PacketReader();
  const first = reader.read(generate(connect(5), { protocolVersion: 5 }), undefined);
  assert.equal((first as { protocolVersion?: number }).protocolVersion, 5);
  const second = reader.read(generate(connect(4)), undefined);
  assert.equal((second as { protocolVersion?: number }).protocolVersion, 4);
  // The v5 connection's PUBACK is read with its properties although a v4 CONNECT came last.
  const ack = reader.read(generate(puback5, { protocolVersion: 5 }), 5) as typeof puback5;
  assert.equal(ack.reasonCode, 0x10);
  assert.equal(ack.properties?.reasonString, "x");
  const plain = reader.read(generate({ cmd: "puback", messageId: 9 }), 4) as { messageId?: number };
  assert.equal(plain.messageId, 9);
});

test("refuses a second CONNECT without letting it change the shared parser, and recovers after a bad packet", () => {
  const reader = new PacketReader();
  const again = reader.read(generate(connect(4)), 5);
  assert.ok(again instanceof Error);
  // SUBSCRIBE with reserved flags 0000 instead of 0010.
  const bad = reader.read(Buffer.from([0x80, 0x06, 0x00, 0x01, 0x00, 0x01, 0x61, 0x00]), 4);
  assert.ok(bad instanceof Error);
  const ack = reader.read(generate(puback5, { protocolVersion: 5 }), 5) as typeof puback5;
  assert.equal(ack.reasonCode, 0x10);
  const ping = reader.read(generate({ cmd: "pingreq" }), 4) as Packet;
  assert.equal(ping.cmd, "pingreq");
});
