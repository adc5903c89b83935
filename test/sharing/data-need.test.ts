import assert from "node:assert/strict";
import { describe, it } from "node:test";
import {
  schemaTopicName,
  supportedSchemas,
  unsupportedSchemas,
  wantsDataTag,
} from "../../src/domain/data-need.ts";
import { outboundDataTopic, sharingTopics } from "../../src/domain/sharing-topics.ts";

const PERMISSION_ID = "70744400-a059-4fc8-ab36-d68b2bb877e1";

describe("outbound data needs", () => {
  it("split the schemas into those this hub sends, in order and once each, and the others", () => {
    const need = {
      schemas: ["OPAQUE", "SMART-METER-P1-CIM-V1-12", "SMART-METER-P1-RAW", "SMART-METER-P1-CIM-V1-12", "x"],
    };
    assert.deepEqual(supportedSchemas(need), ["SMART-METER-P1-CIM-V1-12", "SMART-METER-P1-RAW"]);
    assert.deepEqual(unsupportedSchemas(need), ["OPAQUE", "x"]);
  });

  it("want every OBIS code when dataTags is empty, else only the listed ones", () => {
    assert.equal(wantsDataTag({ dataTags: [] }, "1-0:32.7.0"), true);
    assert.equal(wantsDataTag({ dataTags: ["1-0:1.8.0"] }, "1-0:1.8.0"), true);
    assert.equal(wantsDataTag({ dataTags: ["1-0:1.8.0"] }, "1-0:32.7.0"), false);
  });

  it("publish each schema under its lower-cased id below the permission's data topic", () => {
    assert.equal(schemaTopicName("SMART-METER-P1-CIM-V1-04"), "smart-meter-p1-cim-v1-04");
    assert.equal(
      outboundDataTopic(PERMISSION_ID, "SMART-METER-P1-RAW"),
      `aiida/v1/${PERMISSION_ID}/data/outbound/smart-meter-p1-raw`,
    );
    assert.deepEqual(sharingTopics(PERMISSION_ID), {
      data: `aiida/v1/${PERMISSION_ID}/data/outbound`,
      status: `aiida/v1/${PERMISSION_ID}/status`,
      command: `aiida/v1/${PERMISSION_ID}/command/+`,
      acknowledgement: `aiida/v1/${PERMISSION_ID}/acknowledgement`,
    });
  });
});
