import assert from "node:assert/strict";
import { describe, it } from "node:test";
import { EmqxApiError, EmqxClientKicker } from "../../src/emqx/emqx-kick.ts";
import { startStandInEmqxApi } from "./stand-in-emqx-api.ts";

const KEY = "aiida-hub";
const SECRET = "api-secret-9f3b";
const DEVICE = "0f6c8a52-3b1e-4f5e-9a43-1d2c3b4a5e6f";
const OTHER = "7d1e2f3a-4b5c-4d6e-8f90-a1b2c3d4e5f6";

describe("EmqxClientKicker against EMQX 5's REST API (a stand-in on node:http)", () => {
  it("finds a device's clients by username, page by page, and kicks each by client id with Basic auth", async (t) => {
    const emqx = await startStandInEmqxApi(t, KEY, SECRET);
    for (const id of ["meter-1", "meter-2", "meter-3"]) emqx.clients.set(id, DEVICE);
    emqx.clients.set("neighbour", OTHER);
    const kicker = new EmqxClientKicker({
      baseUrl: `${emqx.baseUrl}/`,
      apiKey: KEY,
      apiSecret: SECRET,
      pageSize: 2,
    });

    const kicked = await kicker.kickUser(DEVICE);

    assert.deepEqual(kicked.sort(), ["meter-1", "meter-2", "meter-3"]);
    assert.deepEqual([...emqx.clients.keys()], ["neighbour"], "the other device stays connected");
    const expectedAuth = `Basic ${Buffer.from(`${KEY}:${SECRET}`).toString("base64")}`;
    assert.ok(emqx.calls.every((c) => c.authorization === expectedAuth));
    const lists = emqx.calls.filter((c) => c.method === "GET");
    assert.deepEqual(
      lists.map((c) => [c.rawPath, c.query.get("username"), c.query.get("_page"), c.query.get("_limit")]),
      [
        ["/api/v5/clients", DEVICE, "1", "2"],
        ["/api/v5/clients", DEVICE, "2", "2"],
      ],
    );
    const deletes = emqx.calls.filter((c) => c.method === "DELETE");
    assert.deepEqual(deletes.map((c) => [c.rawPath, c.status]).sort(), [
      ["/api/v5/clients/meter-1", 204],
      ["/api/v5/clients/meter-2", 204],
      ["/api/v5/clients/meter-3", 204],
    ]);
    assert.ok(
      emqx.calls.findIndex((c) => c.method === "DELETE") >
        emqx.calls.findLastIndex((c) => c.method === "GET"),
      "every page is listed before the first kick, so kicking cannot shift the pages",
    );
  });

  it("path-encodes a client id, whatever characters the device chose", async (t) => {
    const emqx = await startStandInEmqxApi(t, KEY, SECRET);
    emqx.clients.set("dev/1 #?ü", DEVICE);
    const kicker = new EmqxClientKicker({ baseUrl: emqx.baseUrl, apiKey: KEY, apiSecret: SECRET });
    assert.deepEqual(await kicker.kickUser(DEVICE), ["dev/1 #?ü"]);
    assert.equal(emqx.clients.size, 0);
  });

  it("does not count a client that left between listing and kicking, and kicks the rest", async (t) => {
    const emqx = await startStandInEmqxApi(t, KEY, SECRET);
    emqx.clients.set("gone", DEVICE);
    emqx.clients.set("still-here", DEVICE);
    emqx.deleteFaults.set("gone", 404);
    const kicker = new EmqxClientKicker({ baseUrl: emqx.baseUrl, apiKey: KEY, apiSecret: SECRET });
    assert.deepEqual(await kicker.kickUser(DEVICE), ["still-here"]);
  });

  it("kicks only clients listed under the device's username, even if EMQX ignored the filter", async (t) => {
    const emqx = await startStandInEmqxApi(t, KEY, SECRET);
    emqx.clients.set("mine", DEVICE);
    emqx.clients.set("theirs", OTHER);
    emqx.ignoreUsernameFilter = true;
    const kicker = new EmqxClientKicker({ baseUrl: emqx.baseUrl, apiKey: KEY, apiSecret: SECRET });
    assert.deepEqual(await kicker.kickUser(DEVICE), ["mine"]);
    assert.deepEqual([...emqx.clients.keys()], ["theirs"]);
  });

  it("answers an empty list when the device has no client, without kicking anything", async (t) => {
    const emqx = await startStandInEmqxApi(t, KEY, SECRET);
    emqx.clients.set("theirs", OTHER);
    const kicker = new EmqxClientKicker({ baseUrl: emqx.baseUrl, apiKey: KEY, apiSecret: SECRET });
    assert.deepEqual(await kicker.kickUser(DEVICE), []);
    assert.equal(emqx.calls.filter((c) => c.method === "DELETE").length, 0);
  });

  it("refuses an empty username before asking EMQX: as a filter it could match every client", async (t) => {
    const emqx = await startStandInEmqxApi(t, KEY, SECRET);
    emqx.clients.set("theirs", OTHER);
    const kicker = new EmqxClientKicker({ baseUrl: emqx.baseUrl, apiKey: KEY, apiSecret: SECRET });
    await assert.rejects(kicker.kickUser(""), RangeError);
    assert.equal(emqx.calls.length, 0);
  });

  it("fails with the status and EMQX's code on a wrong API secret, and never says the secret", async (t) => {
    const emqx = await startStandInEmqxApi(t, KEY, SECRET);
    emqx.clients.set("meter-1", DEVICE);
    const kicker = new EmqxClientKicker({ baseUrl: emqx.baseUrl, apiKey: KEY, apiSecret: "wrong-secret-77" });
    const error = await kicker.kickUser(DEVICE).then(
      () => assert.fail("a wrong secret must fail"),
      (err: unknown) => err,
    );
    assert.ok(error instanceof EmqxApiError);
    assert.equal(error.status, 401);
    assert.match(error.message, /HTTP 401 \(BAD_API_KEY_OR_SECRET\); check the API key and secret/);
    assert.equal(error.message.includes("wrong-secret-77"), false);
    assert.equal(emqx.clients.size, 1, "nothing was kicked");
  });

  it("fails when EMQX cannot kick a client, naming the client and the status", async (t) => {
    const emqx = await startStandInEmqxApi(t, KEY, SECRET);
    emqx.clients.set("meter-1", DEVICE);
    emqx.deleteFaults.set("meter-1", 500);
    const kicker = new EmqxClientKicker({ baseUrl: emqx.baseUrl, apiKey: KEY, apiSecret: SECRET });
    await assert.rejects(kicker.kickUser(DEVICE), (err: unknown) => {
      assert.ok(err instanceof EmqxApiError);
      assert.equal(err.message, "EMQX refused kicking client meter-1: HTTP 500 (INTERNAL_ERROR)");
      return true;
    });
    assert.equal(emqx.clients.size, 1, "the client is still there: the caller must try again");
  });
});
