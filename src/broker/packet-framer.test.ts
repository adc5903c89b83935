import assert from "node:assert/strict";
import { test } from "node:test";
import { generate } from "mqtt-packet";
import { PacketFramer } from "./packet-framer.ts";

const ping = generate({ cmd: "pingreq" });
const publish = generate({
  cmd: "publish",
  topic: "aiida/x/data",
  payload: Buffer.alloc(300, 1),
  qos: 0,
  dup: false,
  retain: false,
});

test("splits packets that arrive together and packets that arrive byte by byte", () => {
  const framer = new PacketFramer(1000);
  const together = framer.push(Buffer.concat([ping, publish, ping]));
  assert.deepEqual(together, [ping, publish, ping]);
  const pieces: Buffer[] = [];
  for (const byte of publish) {
    const out = framer.push(Buffer.from([byte]));
    assert.ok(Array.isArray(out));
    pieces.push(...out);
  }
  assert.deepEqual(pieces, [publish]);
});

test("refuses a packet on its header when it announces more than the limit", () => {
  const framer = new PacketFramer(200);
  // Only the first three bytes: the header already says 300 bytes of body.
  assert.equal(framer.push(publish.subarray(0, 3)), "too-large");
});

test("refuses a remaining length of five bytes", () => {
  const framer = new PacketFramer(1_000_000);
  assert.equal(framer.push(Buffer.from([0x30, 0xff, 0xff, 0xff, 0xff, 0x01])), "malformed-length");
});
