import assert from "node:assert/strict";
import { execFile, execFileSync } from "node:child_process";
import { mkdirSync, mkdtempSync, readdirSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { type TestContext, test } from "node:test";
import { promisify } from "node:util";
import { cliSnippet, isLoopbackHost, mosquittoSnippet, pythonSnippet } from "../../web/src/lib/snippets.ts";
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

/** The hub's bin, as `npm install -g` of the packed tarball links it (and `npx aiida-hub` runs it in the checkout). */
const BIN = new URL("../../bin/aiida-hub.js", import.meta.url).pathname;

/** A fresh temporary folder, removed when the test ends. */
function tempDir(t: TestContext, prefix: string): string {
  const dir = mkdtempSync(join(tmpdir(), prefix));
  t.after(() => rmSync(dir, { recursive: true, force: true }));
  return dir;
}

/** The environment a snippet runs in: the caller's own AIIDA_* settings must not leak into a test. */
function cleanEnv(extra: Record<string, string> = {}): NodeJS.ProcessEnv {
  const env: NodeJS.ProcessEnv = { ...process.env, ...extra };
  for (const name of ["AIIDA_BROKER", "AIIDA_USERNAME", "AIIDA_PASSWORD"]) delete env[name];
  return { ...env, ...extra };
}

/** Runs the snippet in bash with a stand-in mosquitto_pub that prints its arguments as JSON. */
function mosquittoArgs(snippet: string): string[] {
  const stub = `mosquitto_pub() { node -e 'process.stdout.write(JSON.stringify(process.argv.slice(1)))' -- "$@"; }\n`;
  return JSON.parse(
    execFileSync("bash", ["-c", stub + snippet], { encoding: "utf8", env: cleanEnv() }),
  ) as string[];
}

/** The lines of a snippet that hold the password. */
function linesWith(snippet: string, password: string): string[] {
  return snippet.split("\n").filter((line) => line.includes(password));
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

test("the mosquitto_pub snippet takes the password from an exported variable and says who can see it", () => {
  const snippet = mosquittoSnippet(credentials, credentials.password);
  assert.deepEqual(linesWith(snippet, credentials.password), [
    `export AIIDA_PASSWORD='${credentials.password}'`,
  ]);
  assert.match(snippet, /^mosquitto_pub .*\n {2}-u '[^']+' -P "\$AIIDA_PASSWORD" \\$/m);
  assert.match(snippet, /^# .*other users of this computer can see the expanded password/m);
});

test("the mosquitto_pub snippet uses TLS for mqtts:// and quotes awkward passwords", () => {
  const args = mosquittoArgs(
    mosquittoSnippet({ ...credentials, brokerUrl: "mqtts://hub.example:8883" }, "it's$x"),
  );
  assert.ok(args.includes("--tls-use-os-certs"));
  assert.equal(args[args.indexOf("-P") + 1], "it's$x");
});

/**
 * A stand-in paho-mqtt for the Python snippet: records what the script hands the client and prints
 * it as JSON at the first publish, then ends the script (which would loop for ever).
 */
function fakePaho(t: TestContext): string {
  const root = tempDir(t, "aiida-hub-fake-paho-");
  mkdirSync(join(root, "paho", "mqtt"), { recursive: true });
  writeFileSync(join(root, "paho", "__init__.py"), "");
  writeFileSync(join(root, "paho", "mqtt", "__init__.py"), "");
  writeFileSync(
    join(root, "paho", "mqtt", "client.py"),
    `import json
import sys


class CallbackAPIVersion:
    VERSION2 = 2


class Client:
    def __init__(self, version):
        self.calls = {"version": version}

    def username_pw_set(self, username, password):
        self.calls.update(username=username, password=password)

    def tls_set(self, **options):
        self.calls["tls"] = options

    def connect(self, host, port):
        self.calls["connect"] = [host, port]

    def loop_start(self):
        pass

    def publish(self, topic, payload, qos=0):
        self.calls.update(topic=topic, payload=json.loads(payload), qos=qos)
        print(json.dumps(self.calls))
        sys.exit(0)
`,
  );
  return root;
}

test("the Python snippet reads the password from AIIDA_PASSWORD and sends a CIM reading with the credentials", (t) => {
  const code = pythonSnippet(credentials);
  assert.equal(linesWith(code, credentials.password).length, 0, "the password is not in the script");
  assert.match(code, /^PASSWORD = os\.environ\["AIIDA_PASSWORD"\]$/m);
  assert.match(code, /^# {3}export AIIDA_PASSWORD='<password>'$/m);
  const run = (env: Record<string, string>) =>
    execFileSync("python3", ["-"], { input: code, env: cleanEnv({ PYTHONPATH: fakePaho(t), ...env }) });
  const calls = JSON.parse(run({ AIIDA_PASSWORD: "from the environment" }).toString());
  assert.equal(calls.password, "from the environment");
  assert.equal(calls.username, credentials.username);
  assert.deepEqual(calls.connect, ["hub.local", 1883]);
  assert.equal(calls.topic, credentials.topic);
  assert.equal(calls.qos, 1);
  assert.deepEqual(
    calls.payload.Quantity.map((q: { type: string }) => q.type),
    ["0", "2"],
  );
  assert.equal(calls.tls, undefined);
  // Without the variable the script stops at once, naming it.
  assert.throws(
    () => run({}),
    (err: { stderr: Buffer }) => /KeyError: 'AIIDA_PASSWORD'/.test(String(err.stderr)),
  );
});

test("the publisher CLI snippet exports broker, username and password and then runs the simulator", () => {
  assert.equal(
    cliSnippet(credentials, credentials.password),
    [
      "# Installed with npm install -g ./aiida-hub-*.tgz (from npm pack in the hub's checkout);",
      "# inside the hub's checkout itself, run npx aiida-hub instead of aiida-hub.",
      `export AIIDA_BROKER=mqtt://hub.local:1883 AIIDA_USERNAME='${credentials.username}' AIIDA_PASSWORD='${credentials.password}'`,
      "aiida-hub publish simulate",
    ].join("\n"),
  );
  const awkward = cliSnippet(credentials, "it's $HOME");
  const printed = execFileSync("bash", ["-c", `${awkward.split("\n")[2]}\nprintf %s "$AIIDA_PASSWORD"`], {
    encoding: "utf8",
    env: cleanEnv(),
  });
  assert.equal(printed, "it's $HOME");
});

/**
 * Runs the CLI snippet as a user pastes it, in an empty folder, with `aiida-hub` the hub's own bin
 * (plus --once, so it sends one reading and exits). HOME and XDG_STATE_HOME point to a temporary
 * folder: a per-user state directory lands there, never in the real home.
 */
async function runCliSnippet(t: TestContext) {
  const hub = await startTestHub(t);
  const device = await hub.createDataSource();
  const snippet = cliSnippet(
    {
      ...credentials,
      dataSourceId: device.id,
      username: device.id,
      topic: device.topic,
      brokerUrl: hub.mqttUrl,
    },
    device.password,
  );
  const cwd = tempDir(t, "aiida-hub-snippet-cwd-");
  const home = tempDir(t, "aiida-hub-snippet-home-");
  const shim = `aiida-hub() { "${process.execPath}" "${BIN}" "$@" --once; }\n`;
  // Asynchronously: the hub runs in this process and must answer meanwhile.
  await promisify(execFile)("bash", ["-c", shim + snippet], {
    cwd,
    env: cleanEnv({ HOME: home, XDG_STATE_HOME: join(home, "state") }),
    timeout: 60_000,
  });
  return { hub, device, cwd };
}

test("the publisher CLI snippet, pasted into a shell, sends a reading the hub stores and writes nothing into the current directory", async (t) => {
  const { hub, device, cwd } = await runCliSnippet(t);
  const latest = await hub.api("GET", `/api/datasources/${device.id}/records/latest`);
  assert.equal(latest.status, 200, "--once exits after the hub acknowledged the reading");
  assert.ok(latest.body.values.length > 0);
  assert.deepEqual(
    readdirSync(cwd),
    [],
    "the queue lives in the per-user state folder, not where it was pasted",
  );
});

test("with the hub's CA certificate the snippets trust that file instead of the system's CAs", () => {
  const tls = { ...credentials, brokerUrl: "mqtts://hub.example:8883" };
  const trust = { caFile: "aiida-hub-ca.pem" };
  const args = mosquittoArgs(mosquittoSnippet(tls, credentials.password, trust));
  assert.equal(args[args.indexOf("--cafile") + 1], "aiida-hub-ca.pem");
  assert.ok(!args.includes("--tls-use-os-certs"));
  const python = pythonSnippet(tls, trust);
  execFileSync("python3", ["-c", "import ast, sys; ast.parse(sys.stdin.read())"], { input: python });
  assert.match(python, /^client\.tls_set\(ca_certs="aiida-hub-ca\.pem"\)$/m);
  assert.match(
    cliSnippet(tls, credentials.password, trust),
    /^aiida-hub publish simulate --ca aiida-hub-ca\.pem$/m,
  );
  // A plain mqtt:// broker needs no certificate, whatever the hub offers.
  assert.doesNotMatch(mosquittoSnippet(credentials, credentials.password, trust), /--cafile/);
  assert.doesNotMatch(pythonSnippet(credentials, trust), /tls_set/);
  assert.doesNotMatch(cliSnippet(credentials, credentials.password, trust), /--ca /);
});

test("loopback broker hosts are told apart from hosts other computers can reach", () => {
  for (const host of ["localhost", "127.0.0.1", "127.1.2.3", "[::1]", "::1", "LOCALHOST", "hub.localhost"])
    assert.equal(isLoopbackHost(host), true, host);
  for (const host of ["hub.local", "192.168.1.10", "[fe80::1]", "localhost.example", "127.0.0.1.example"])
    assert.equal(isLoopbackHost(host), false, host);
});
