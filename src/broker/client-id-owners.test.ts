import assert from "node:assert/strict";
import { describe, it } from "node:test";
import { ClientIdOwners } from "./client-id-owners.ts";

describe("ClientIdOwners", () => {
  const existing = new Set(["a", "b"]);
  const owners = () => new ClientIdOwners((id) => existing.has(id));

  it("gives a client id to one data source at a time and frees it when its last connection ends", () => {
    const o = owners();
    assert.equal(o.claim("x", "a", true), true);
    assert.equal(o.claim("x", "a", true), true, "the same source may replace its own connection");
    assert.equal(o.claim("x", "b", true), false);
    o.release("x", "a");
    assert.equal(o.claim("x", "b", true), false, "a's second connection still holds it");
    o.release("x", "a");
    assert.equal(o.claim("x", "b", true), true);
  });

  it("keeps a persistent session's client id bound after the connection ends, until a clean session ends it", () => {
    const o = owners();
    o.claim("x", "a", false);
    o.keepSession("x", "a");
    o.release("x", "a");
    assert.equal(o.claim("x", "b", false), false);
    assert.equal(o.claim("x", "b", true), false, "nor may another source wipe it");
    assert.equal(o.claim("x", "a", true), true);
    o.release("x", "a");
    assert.equal(o.claim("x", "b", true), true);
  });

  it("frees a deleted data source's client ids, and its late disconnects do not touch the new holder", () => {
    const o = new ClientIdOwners((id) => id !== "gone");
    o.claim("x", "gone", false);
    o.keepSession("x", "gone");
    assert.equal(o.claim("x", "b", true), true);
    o.release("x", "gone");
    assert.equal(o.claim("x", "a", true), false, "b still holds it");
  });

  it("ignores a session mark from a source that does not hold the client id", () => {
    const o = owners();
    o.claim("x", "a", true);
    o.keepSession("x", "b");
    o.release("x", "a");
    assert.equal(o.claim("x", "b", true), true);
  });
});
