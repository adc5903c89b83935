import assert from "node:assert/strict";
import { mkdirSync, readdirSync, statSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { describe, it } from "node:test";
import { ConfigurationError } from "../../src/device/configuration-error.ts";
import { defaultStateDir, ensureStateDir } from "../../src/device/state-dir.ts";
import { startTestHub } from "../helpers/hub-harness.ts";
import { spawnPublisher } from "./helpers/publisher-process.ts";
import { tempStateDir } from "./helpers/run-publisher.ts";

describe("the publisher's default state directory", () => {
  const cases: Array<{
    name: string;
    platform: NodeJS.Platform;
    env: Record<string, string>;
    home: string;
    dir: string;
  }> = [
    {
      name: "Linux with XDG_STATE_HOME",
      platform: "linux",
      env: { XDG_STATE_HOME: "/srv/state" },
      home: "/home/ada",
      dir: "/srv/state/aiida-hub/publisher",
    },
    {
      name: "Linux without XDG_STATE_HOME",
      platform: "linux",
      env: {},
      home: "/home/ada",
      dir: "/home/ada/.local/state/aiida-hub/publisher",
    },
    {
      name: "Linux with an empty XDG_STATE_HOME",
      platform: "linux",
      env: { XDG_STATE_HOME: "" },
      home: "/home/ada",
      dir: "/home/ada/.local/state/aiida-hub/publisher",
    },
    {
      name: "Linux with a relative XDG_STATE_HOME (the spec says to ignore it)",
      platform: "linux",
      env: { XDG_STATE_HOME: "state" },
      home: "/home/ada",
      dir: "/home/ada/.local/state/aiida-hub/publisher",
    },
    {
      name: "another Unix (FreeBSD), as Linux",
      platform: "freebsd",
      env: { XDG_STATE_HOME: "/var/db/ada" },
      home: "/home/ada",
      dir: "/var/db/ada/aiida-hub/publisher",
    },
    {
      name: "macOS (XDG_STATE_HOME is not macOS's)",
      platform: "darwin",
      env: { XDG_STATE_HOME: "/srv/state" },
      home: "/Users/ada",
      dir: "/Users/ada/Library/Application Support/aiida-hub/publisher",
    },
    {
      name: "Windows with LOCALAPPDATA",
      platform: "win32",
      env: { LOCALAPPDATA: "D:\\Profiles\\ada\\AppData\\Local" },
      home: "C:\\Users\\ada",
      dir: "D:\\Profiles\\ada\\AppData\\Local\\aiida-hub\\publisher",
    },
    {
      name: "Windows without LOCALAPPDATA",
      platform: "win32",
      env: {},
      home: "C:\\Users\\ada",
      dir: "C:\\Users\\ada\\AppData\\Local\\aiida-hub\\publisher",
    },
  ];
  for (const c of cases) {
    it(c.name, () => {
      assert.equal(defaultStateDir({ platform: c.platform, env: c.env, home: c.home }), c.dir);
    });
  }

  it("is made with mode 0700 when missing, parents included; an existing folder keeps its mode", (t) => {
    const root = tempStateDir(t);
    const dir = join(root, "state", "aiida-hub", "publisher");
    ensureStateDir(dir);
    assert.equal(statSync(dir).mode & 0o777, 0o700);
    assert.equal(statSync(join(root, "state")).mode & 0o777, 0o700);

    const shared = join(root, "shared");
    mkdirSync(shared, { mode: 0o755 });
    ensureStateDir(shared);
    assert.equal(statSync(shared).mode & 0o777, 0o755, "not changed");
  });

  it("a file where the folder should be is one sentence naming --state-dir", (t) => {
    const file = join(tempStateDir(t), "taken");
    writeFileSync(file, "");
    assert.throws(
      () => ensureStateDir(join(file, "publisher")),
      (error: Error) =>
        error instanceof ConfigurationError &&
        error.message ===
          `cannot make the state directory ${join(file, "publisher")} (ENOTDIR); choose another --state-dir`,
    );
  });

  it("--help shows the resolved default", async (t) => {
    const stateHome = tempStateDir(t);
    const run = spawnPublisher(t, ["publish", "--help"], { env: { XDG_STATE_HOME: stateHome } });
    assert.equal((await run.exited).code, 0, run.stderr());
    // Commander wraps long lines: compare without the wrapping.
    const help = run.stdout().replace(/\s+/g, " ");
    assert.ok(help.includes(`(default: "${join(stateHome, "aiida-hub", "publisher")}")`), help);
  });

  it("without --state-dir the queue goes to the per-user folder, not the current directory", async (t) => {
    const hub = await startTestHub(t);
    const creds = await hub.createDataSource();
    const stateHome = tempStateDir(t);
    const cwd = tempStateDir(t);
    const run = spawnPublisher(t, ["publish", "simulate", "--once"], {
      cwd,
      env: {
        XDG_STATE_HOME: stateHome,
        AIIDA_BROKER: creds.brokerUrl,
        AIIDA_USERNAME: creds.id,
        AIIDA_PASSWORD: creds.password,
      },
    });
    assert.equal((await run.exited).code, 0, run.stderr());
    const dir = join(stateHome, "aiida-hub", "publisher");
    assert.ok(readdirSync(dir).includes(`${creds.id}.queue.sqlite`), readdirSync(dir).join(", "));
    assert.equal(statSync(dir).mode & 0o777, 0o700);
    assert.deepEqual(readdirSync(cwd), [], "nothing written to the current directory");
    const records = await hub.api("GET", `/api/datasources/${creds.id}/records`);
    assert.equal(records.body.records.length, 1);
  });
});
