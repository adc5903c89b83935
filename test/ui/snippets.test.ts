import assert from "node:assert/strict";
import { execFileSync } from "node:child_process";
import { test } from "node:test";
import { cliSnippet, mosquittoSnippet, pythonSnippet } from "../../web/src/lib/snippets.ts";
import { startTestHub } from "../helpers/hub-harness.ts";
import { connectDevice } from "../helpers/mqtt-device.ts";
import { waitFor } from "../helpers/wait-for.ts";

const credentials = {
  dataSourceId: "9c241518-fad1-479b-824a-e2354b507f17",
  brokerUrl: "mqtt://hub.local:1883",
  topic: "aiida/9c241518-fad1-479b-824a-e2354b507f17/data",
  username: "9c241518-fad1-479b-824a-e2354b507f17",
  password: "Ab3dEf6hIj9kLm2nOp5qRs8t",
};

/** Runs the snippet in bash with a stand-in mosquitto_pub that prints its arguments as JSON. */
function mosquittoArgs(snippet: string): string[] {
  const stub = `mosquitto_pub() { node -e 'process.stdout.write(JSON.stringify(process.argv.slice(1)))' -- "$@"; }\n`;
  return JSON.parse(execFileSync("bash", ["-c", stub + snippet], { encoding: "utf8" })) as string[];
}

test("the mosquitto_pub snippet expands in a shell to a CIM message the hub accepts with its device time", async (t) => {
  const hub = await startTestHub(t);
  const device = await hub.createDataSource();
  const c = {
    ...credentials,
    dataSourceId: device.id,
    username: device.id,
    topic: device.topic,
    brokerUrl: hub.mqttUrl,
  };
  const args = mosquittoArgs(mosquittoSnippet(c, device.password));
  const [host, port] = [args[args.indexOf("-h") + 1], args[args.indexOf("-p") + 1]];
  assert.equal(`mqtt://${host}:${port}`, hub.mqttUrl);
  assert.equal(args[args.indexOf("-u") + 1], device.id);
  assert.equal(args[args.indexOf("-P") + 1], device.password);
  assert.equal(args[args.indexOf("-t") + 1], device.topic);
  const payload = args[args.indexOf("-m") + 1] ?? "";

  const client = await connectDevice(t, hub.mqttUrl, device);
  await client.publishAsync(device.topic, payload, { qos: 1 });
  const latest = await waitFor(async () => {
    const res = await hub.api("GET", `/api/datasources/${device.id}/records/latest`);
    return res.status === 200 ? res.body : undefined;
  }, "the snippet's record");
  assert.equal(latest.timestampSource, "device");
  assert.ok(Math.abs(Date.parse(latest.timestamp) - Date.now()) < 60_000);
  assert.deepEqual(
    latest.values.map((v: { dataTag: string; value: number }) => [v.dataTag, v.value]),
    [
      ["1-0:1.8.0", 25],
      ["1-0:1.7.0", 1.75],
    ],
  );
});

test("the mosquitto_pub snippet uses TLS for mqtts:// and quotes awkward passwords", () => {
  const args = mosquittoArgs(
    mosquittoSnippet({ ...credentials, brokerUrl: "mqtts://hub.example:8883" }, "it's$x"),
  );
  assert.ok(args.includes("--tls-use-os-certs"));
  assert.equal(args[args.indexOf("-P") + 1], "it's$x");
});

test("the Python snippet is valid Python filled with the credentials", () => {
  const code = pythonSnippet(credentials, credentials.password);
  execFileSync("python3", ["-c", "import ast, sys; ast.parse(sys.stdin.read())"], { input: code });
  assert.match(code, /^HOST = "hub\.local"$/m);
  assert.match(code, /^PORT = 1883$/m);
  assert.match(code, new RegExp(`^PASSWORD = "${credentials.password}"$`, "m"));
  assert.match(code, new RegExp(`^FEEDBACK_TOPIC = "aiida/${credentials.username}/feedback"$`, "m"));
});

test("the publisher CLI snippet has the broker, username and password", () => {
  assert.equal(
    cliSnippet(credentials, credentials.password),
    `npx aiida-hub publish simulate --broker mqtt://hub.local:1883 --username '${credentials.username}' --password '${credentials.password}'`,
  );
});

test("with the hub's CA certificate the snippets trust that file instead of the system's CAs", () => {
  const tls = { ...credentials, brokerUrl: "mqtts://hub.example:8883" };
  const trust = { caFile: "aiida-hub-ca.pem" };
  const args = mosquittoArgs(mosquittoSnippet(tls, credentials.password, trust));
  assert.equal(args[args.indexOf("--cafile") + 1], "aiida-hub-ca.pem");
  assert.ok(!args.includes("--tls-use-os-certs"));
  const python = pythonSnippet(tls, credentials.password, trust);
  execFileSync("python3", ["-c", "import ast, sys; ast.parse(sys.stdin.read())"], { input: python });
  assert.match(python, /^client\.tls_set\(ca_certs="aiida-hub-ca\.pem"\)$/m);
  assert.match(cliSnippet(tls, credentials.password, trust), / --ca aiida-hub-ca\.pem /);
  // A plain mqtt:// broker needs no certificate, whatever the hub offers.
  assert.doesNotMatch(mosquittoSnippet(credentials, credentials.password, trust), /--cafile/);
  assert.doesNotMatch(pythonSnippet(credentials, credentials.password, trust), /tls_set/);
  assert.doesNotMatch(cliSnippet(credentials, credentials.password, trust), /--ca /);
});
