import assert from "node:assert/strict";
import { execFile as execFileCallback } from "node:child_process";
import { readFileSync } from "node:fs";
import { describe, it } from "node:test";
import { promisify } from "node:util";
import { startTestHub } from "../helpers/hub-harness.ts";

const execFile = promisify(execFileCallback);
const README = new URL("../../README.md", import.meta.url);

/** The README's shell block that sends a message with mosquitto_pub, without the list's indentation. */
function mosquittoSample(): string {
  const blocks = [...readFileSync(README, "utf8").matchAll(/^( *)```sh\n([\s\S]*?)^\1```$/gm)];
  const block = blocks.find((match) => match[2]?.includes("mosquitto_pub"));
  assert.ok(block?.[2], "the README has a mosquitto_pub sample");
  const indent = block[1] ?? "";
  return block[2]
    .split("\n")
    .map((line) => (line.startsWith(indent) ? line.slice(indent.length) : line))
    .join("\n");
}

/** A POSIX shell single-quoted word. */
function quoted(value: string): string {
  return `'${value.replaceAll("'", `'"'"'`)}'`;
}

describe("the README's mosquitto_pub sample", () => {
  it("takes host and port from the broker URL the hub hands out, and its message is stored", async (t) => {
    // The test hub's MQTT port is a free one, never 1883: a sample with a fixed port would miss it.
    const hub = await startTestHub(t);
    const creds = await hub.createDataSource();
    assert.notEqual(new URL(creds.brokerUrl).port, "1883");
    const sample = mosquittoSample();
    assert.doesNotMatch(sample, /-p 1883|:1883/, "no fixed port");
    const filled = sample
      .replace("'<credentials.brokerUrl>'", quoted(creds.brokerUrl))
      .replace("'<id>'", quoted(creds.id))
      .replace("'<password>'", quoted(creds.password));
    assert.doesNotMatch(filled, /<credentials\.brokerUrl>|'<id>'|'<password>'/, "every value filled in");
    await execFile("bash", ["-euc", filled]);
    const latest = await hub.api("GET", `/api/datasources/${creds.id}/records/latest`);
    assert.equal(latest.status, 200, JSON.stringify(latest.body));
    assert.deepEqual(
      (latest.body.values as Array<{ value: number }>).map((v) => v.value).sort((a, b) => a - b),
      [1.75, 25],
    );
  });
});
