import assert from "node:assert/strict";
import { describe, it } from "node:test";
import type { ProblemDetail } from "../../src/domain/hub-error.ts";
import { parseCommandTopic, sharingTopics } from "../../src/domain/sharing-topics.ts";
import {
  authorizeCommand,
  type CommandAuthority,
  describeSeconds,
} from "../../src/sharing/authorize-command.ts";
import { type PermissionCommand, parsePermissionCommand } from "../../src/sharing/permission-command.ts";
import { fixture } from "../helpers/fixtures.ts";

const PERMISSION_ID = "70744400-a059-4fc8-ab36-d68b2bb877e1";
const OTHER_ID = "11111111-2222-4333-8444-555555555555";
const EXAMPLES = fixture("sharing/permission-commands.examples.json") as unknown as Array<
  Record<string, unknown>
>;

function parsed(payload: string | Uint8Array): PermissionCommand {
  const result = parsePermissionCommand(payload);
  if (!result.ok) assert.fail(JSON.stringify(result.problems));
  return result.value;
}

function problems(payload: string | Uint8Array): readonly ProblemDetail[] {
  const result = parsePermissionCommand(payload);
  if (result.ok) assert.fail("expected the command to be refused");
  return result.problems;
}

function json(value: unknown): string {
  return JSON.stringify(value);
}

describe("parsePermissionCommand", () => {
  it("reads EDDIE's three commands", () => {
    const [terminate, enable, schedule] = EXAMPLES.map((example) => parsed(json(example)));
    assert.deepEqual(terminate, {
      action: "TERMINATE",
      permissionId: PERMISSION_ID,
      regionConnectorId: "aiida",
    });
    assert.deepEqual(enable, {
      action: "SET_TRANSMISSION_ENABLED",
      permissionId: PERMISSION_ID,
      regionConnectorId: "aiida",
      enabled: false,
    });
    assert.deepEqual(schedule, {
      action: "UPDATE_TRANSMISSION_SCHEDULE",
      permissionId: PERMISSION_ID,
      regionConnectorId: "aiida",
      transmissionSchedule: "0 */15 * * * *",
    });
  });

  it("reads bytes as UTF-8 and ignores fields a command does not use", () => {
    const payload = new TextEncoder().encode(
      json({ ...EXAMPLES[0], issuedBy: "EP", enabled: "x", note: "ü" }),
    );
    assert.deepEqual(parsed(payload), {
      action: "TERMINATE",
      permissionId: PERMISSION_ID,
      regionConnectorId: "aiida",
    });
    assert.equal(
      parsed(json({ action: "TERMINATE", permissionId: PERMISSION_ID })).regionConnectorId,
      undefined,
    );
  });

  it("refuses a command this hub does not know, such as EDDIE's newer UPDATE_LIMIT_DEFAULTS", () => {
    const newer = fixture(
      "sharing/permission-command.update-limit-defaults.examples.json",
    ) as unknown as unknown[];
    assert.deepEqual(problems(json(newer[0])), [
      {
        path: "$.action",
        reason:
          '"UPDATE_LIMIT_DEFAULTS" is not a command this hub knows (TERMINATE, SET_TRANSMISSION_ENABLED, UPDATE_TRANSMISSION_SCHEDULE)',
      },
    ]);
  });

  it("says exactly what is wrong with a command it cannot read", () => {
    assert.deepEqual(problems(new Uint8Array([0x7b, 0xc3, 0x28, 0x7d])), [
      { path: "$", reason: "not UTF-8" },
    ]);
    assert.match(problems("{action:")[0]?.reason ?? "", /^not JSON: /);
    assert.deepEqual(problems("[]"), [{ path: "$", reason: "expected a JSON object, got array" }]);
    assert.deepEqual(problems(json({ permissionId: "x" })), [
      { path: "$.action", reason: "missing" },
      {
        path: "$.permissionId",
        reason: 'not a UUID in canonical form (8-4-4-4-12 lower-case hex digits), got string "x"',
      },
    ]);
    assert.deepEqual(problems(json({ ...EXAMPLES[1], enabled: "false" })), [
      { path: "$.enabled", reason: "expected true or false, got string" },
    ]);
    assert.deepEqual(problems(json({ ...EXAMPLES[1], enabled: undefined })), [
      { path: "$.enabled", reason: "missing" },
    ]);
    assert.deepEqual(problems(json({ ...EXAMPLES[2], transmissionSchedule: "0 */15 * * *" })), [
      {
        path: "$.transmissionSchedule",
        reason:
          "not a Spring cron expression with 6 fields: a cron expression needs 6 fields (second minute hour day-of-month month day-of-week), found 5",
      },
    ]);
    assert.deepEqual(problems(json({ ...EXAMPLES[0], regionConnectorId: 7 })), [
      { path: "$.regionConnectorId", reason: "expected a string, got number 7" },
    ]);
  });
});

describe("command topics", () => {
  it("name the permission and the action; other topics are not command topics", () => {
    assert.deepEqual(parseCommandTopic(`aiida/v1/${PERMISSION_ID}/command/TERMINATE`), {
      permissionId: PERMISSION_ID,
      action: "TERMINATE",
    });
    assert.equal(sharingTopics(PERMISSION_ID).command, `aiida/v1/${PERMISSION_ID}/command/+`);
    for (const topic of [
      `aiida/v1/${PERMISSION_ID}/status`,
      `aiida/v1/${PERMISSION_ID}/command/`,
      `aiida/v1/${PERMISSION_ID}/command/TERMINATE/x`,
      `aiida/v2/${PERMISSION_ID}/command/TERMINATE`,
      "aiida/v1//command/TERMINATE",
    ]) {
      assert.equal(parseCommandTopic(topic), undefined, topic);
    }
  });
});

describe("authorizeCommand", () => {
  const authority: CommandAuthority = {
    topicPermissionId: PERMISSION_ID,
    allowedPermissionCommands: ["SET_TRANSMISSION_ENABLED", "UPDATE_TRANSMISSION_SCHEDULE"],
    dataNeedSchedule: "*/5 * * * * *",
  };
  const schedule = (transmissionSchedule: string): PermissionCommand => ({
    action: "UPDATE_TRANSMISSION_SCHEDULE",
    permissionId: PERMISSION_ID,
    regionConnectorId: "aiida",
    transmissionSchedule,
  });

  it("refuses a command for another permission than its topic's, even TERMINATE", () => {
    const terminate = parsed(json({ ...EXAMPLES[0], permissionId: OTHER_ID }));
    assert.deepEqual(authorizeCommand(terminate, authority), {
      ok: false,
      reason: `the command is for permission ${OTHER_ID} but arrived on the topic of ${PERMISSION_ID}`,
    });
  });

  it("always lets TERMINATE through; SET_ and UPDATE_ only when the data need grants them", () => {
    const none: CommandAuthority = { ...authority, allowedPermissionCommands: [] };
    assert.deepEqual(authorizeCommand(parsed(json(EXAMPLES[0])), none), { ok: true });
    assert.deepEqual(authorizeCommand(parsed(json(EXAMPLES[1])), none), {
      ok: false,
      reason: "the data need does not allow SET_TRANSMISSION_ENABLED",
    });
    assert.deepEqual(authorizeCommand(schedule("0 */15 * * * *"), none), {
      ok: false,
      reason: "the data need does not allow UPDATE_TRANSMISSION_SCHEDULE",
    });
    assert.deepEqual(authorizeCommand(parsed(json(EXAMPLES[1])), authority), { ok: true });
  });

  it("takes a schedule as often as the data need's or rarer, and one that never fires", () => {
    for (const cron of ["*/5 * * * * *", "0 */15 * * * *", "*/10 * * * * *", "@daily", "0 0 0 30 2 *"]) {
      assert.deepEqual(authorizeCommand(schedule(cron), authority), { ok: true }, cron);
    }
  });

  it("refuses a schedule whose closest two firings are closer than the data need's, even if rarer on average", () => {
    assert.deepEqual(authorizeCommand(schedule("* * * * * *"), authority), {
      ok: false,
      reason:
        '"* * * * * *" fires as often as every 1 s; the data need\'s "*/5 * * * * *" fires at most every 5 s',
    });
    assert.deepEqual(authorizeCommand(schedule("0,2 0 * * * *"), authority), {
      ok: false,
      reason:
        '"0,2 0 * * * *" fires as often as every 2 s; the data need\'s "*/5 * * * * *" fires at most every 5 s',
    });
    const quarterHourly = { ...authority, dataNeedSchedule: "0 */15 * * * *" };
    assert.deepEqual(authorizeCommand(schedule("0 */5 * * * *"), quarterHourly), {
      ok: false,
      reason:
        '"0 */5 * * * *" fires as often as every 5 min; the data need\'s "0 */15 * * * *" fires at most every 15 min',
    });
  });

  it("describes intervals in the largest unit that divides them", () => {
    assert.deepEqual([90, 900, 7200, 604_800].map(describeSeconds), ["90 s", "15 min", "2 h", "7 d"]);
  });
});
