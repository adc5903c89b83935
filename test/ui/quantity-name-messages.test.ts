import assert from "node:assert/strict";
import { test } from "node:test";
import { DATA_SOURCE_ROLES } from "../../src/domain/data-source-role.ts";
import { OBIS_CODES } from "../../src/domain/obis-code.ts";
import {
  FLOW_NAMES,
  type FlowName,
  plainNameText as hubText,
  plainQuantityName,
} from "../../src/domain/quantity-name.ts";
import { isMessageKey } from "../../web/src/lib/messages.ts";
import { roleText, plainNameText as uiText } from "../../web/src/lib/quantity-names.ts";

test("the UI's English message for every role's plain quantity name is the hub's own", () => {
  let named = 0;
  for (const role of DATA_SOURCE_ROLES) {
    for (const { code } of OBIS_CODES) {
      const name = plainQuantityName(role, code);
      if (name === undefined) continue;
      named += 1;
      // A wrong `text` shows whether the UI composes the name from its messages rather than copying it.
      assert.equal(uiText({ ...name, text: "not this" }), hubText(name), `${role} ${code}`);
    }
  }
  assert.ok(named >= 6 * 4, `${named} plain names`);
});

test("every flow and role has a UI message, so none falls back to the API's English", () => {
  for (const flow of Object.keys(FLOW_NAMES) as FlowName[]) assert.ok(isMessageKey(`flow.${flow}`), flow);
  for (const role of DATA_SOURCE_ROLES) assert.notEqual(roleText(role), role, role);
  assert.equal(roleText("GRID_METER"), "Grid connection meter");
  assert.equal(roleText("A_ROLE_OF_A_NEWER_HUB"), "A_ROLE_OF_A_NEWER_HUB");
  assert.equal(uiText({ flow: "aFlowOfANewerHub", total: false, phase: null, text: "New" }), "New");
});
