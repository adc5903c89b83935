import assert from "node:assert/strict";
import { test } from "node:test";
import { dataTopic } from "../domain/data-source.ts";
import { dataSourceIdOfTopic } from "./shared-data-subscription.ts";

test("the data source id is the second level of a device data topic", () => {
  assert.equal(dataSourceIdOfTopic(dataTopic("3f0c-src")), "3f0c-src");
});

test("any other topic names no data source", () => {
  for (const topic of [
    "aiida//data",
    "aiida/x/feedback",
    "aiida/x/data/more",
    "other/x/data",
    "aiida/x",
    "",
  ]) {
    assert.equal(dataSourceIdOfTopic(topic), undefined, topic);
  }
});
