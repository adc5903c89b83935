// A hub instance's cluster part in a process of its own, so that tests can SIGSTOP and SIGKILL it.
// Usage: node --import tsx cluster-child.ts <leader|registry> <database url> <instance id>
// Writes one line per event on stdout.
import { ConnectionRegistry } from "../../src/cluster/connection-registry.ts";
import { LeaderLock } from "../../src/cluster/leader-lock.ts";
import { openPgPool } from "../../src/storage/postgres/pg-pool.ts";
import { LEADER_KEY, recordStep, STEP_INTERVAL_MS } from "./leader-steps.ts";

const [role, url, instanceId] = process.argv.slice(2);
if (!role || !url || !instanceId)
  throw new Error("usage: cluster-child.ts <leader|registry> <url> <instance id>");
const say = (line: string) => process.stdout.write(`${line}\n`);
const pool = openPgPool(url, { max: 2 });

if (role === "leader") {
  // Default timings: the test proves that they meet the takeover times of issue 15.
  const lock = new LeaderLock({
    url,
    key: LEADER_KEY,
    holder: instanceId,
    onAcquired: (term) => say(`acquired ${term}`),
    onLost: (reason) => say(`lost ${reason}`),
  });
  lock.start();
  let wasLeader = false;
  setInterval(async () => {
    try {
      const done = await lock.runIfLeader((fence) => recordStep(pool, instanceId, fence));
      if (done) say("step");
      else if (wasLeader) say("skipped");
      wasLeader ||= done === true;
    } catch (error) {
      say(`step refused ${(error as Error).name}`);
    }
  }, STEP_INTERVAL_MS);
} else if (role === "registry") {
  const registry = new ConnectionRegistry({ pool, instanceId, heartbeatIntervalMs: 100, staleAfterMs: 1000 });
  await registry.start();
  await registry.connected("device-of-child", "source-of-child");
  say("ready");
} else {
  throw new Error(`unknown role ${role}`);
}
