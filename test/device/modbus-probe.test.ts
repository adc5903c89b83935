import assert from "node:assert/strict";
import { describe, it } from "node:test";
import { type ProbeResult, probeModbus } from "../../src/device/modbus-probe.ts";
import { loadProfile } from "../../src/device/profile-catalogue.ts";
import type { ModbusProfile } from "../../src/device/profile-schema.ts";
import { registerMapFixture, startModbusServer } from "./helpers/fake-meters.ts";
import { freePort } from "./helpers/free-port.ts";

describe("probe-modbus", () => {
  it("tries each port and unit id and says which one answers", async (t) => {
    const server = await startModbusServer(t, registerMapFixture("huawei-sun2000-registers.json"));
    const closedPort = await freePort();
    const huawei = loadProfile("huawei-sun2000") as ModbusProfile;
    const field = huawei.fields.find((f) => f.address === 37101);
    assert.ok(field);
    const reported: ProbeResult[] = [];
    const results = await probeModbus(
      {
        host: "127.0.0.1",
        ports: [server.port, closedPort],
        unitIds: [0, 1, 16],
        registerKind: "holding",
        field,
        timing: { connectDelayMs: 0, requestSpacingMs: 0, timeoutMs: 300, retries: 3 },
      },
      (result) => reported.push(result),
    );
    assert.deepEqual(reported, results, "each outcome is reported as soon as it is known");
    assert.deepEqual(
      results.map((r) => [r.port, r.unitId, r.outcome]),
      [
        [server.port, 0, "no-answer"],
        [server.port, 1, "answers"],
        [server.port, 16, "no-answer"],
        [closedPort, undefined, "no-connection"],
      ],
    );
    assert.equal(results[1]?.detail, "register 37101 = 2305");
    assert.match(results[3]?.detail ?? "", /connection refused/);
  });
});
