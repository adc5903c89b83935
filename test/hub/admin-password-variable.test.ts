import assert from "node:assert/strict";
import { it } from "node:test";
import { capturingLogger, startTestHub, TEST_ADMIN_PASSWORD, tempDataDir } from "../helpers/hub-harness.ts";

it("says in the log when AIIDA_HUB_ADMIN_PASSWORD is ignored because the admin account exists", async (t) => {
  const dataDir = tempDataDir(t);
  const firstLog = capturingLogger();
  const first = await startTestHub(t, { dataDir, logger: firstLog });
  await first.stop();
  assert.equal(
    firstLog.events.some((e) => e.message.includes("AIIDA_HUB_ADMIN_PASSWORD")),
    false,
    "the first start uses the variable and has nothing to say about it",
  );

  // The harness sets the variable on every start; the second start finds the account made by the first.
  const secondLog = capturingLogger();
  const second = await startTestHub(t, { dataDir, logger: secondLog });
  const said = secondLog.events.find((e) => e.message.includes("AIIDA_HUB_ADMIN_PASSWORD is ignored"));
  assert.equal(said?.level, "warn");
  assert.equal(
    JSON.stringify(secondLog.events).includes(TEST_ADMIN_PASSWORD),
    false,
    "the password is never logged",
  );
  const login = await second.api(
    "POST",
    "/api/auth/login",
    { username: "admin", password: TEST_ADMIN_PASSWORD },
    null,
  );
  assert.equal(login.status, 200);
});
