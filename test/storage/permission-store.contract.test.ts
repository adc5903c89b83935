import assert from "node:assert/strict";
import { after, before, describe, it } from "node:test";
import { OUTBOUND_AIIDA, type OutboundDataNeed } from "../../src/domain/data-need.ts";
import type {
  BrokerCredentials,
  NewPermission,
  PermissionChange,
  StoredPermission,
} from "../../src/storage/ports.ts";
import { sharingBackends, testSecretBox } from "../helpers/sharing-store-backends.ts";

// Odd milliseconds: every stored time must keep them.
const T0 = Date.parse("2026-03-01T08:00:00.017Z");
const TOKEN = "eyJhbGciOiJIUzI1NiJ9.access-token-secret";
const PASSWORD = "broker-password-secret";

function newPermission(id: string, more: Partial<NewPermission> = {}): NewPermission {
  return {
    permissionId: id,
    owner: "admin",
    eddieId: "eddie-1",
    handshakeUrl: `https://eddie.example/permissions/${id}`,
    accessToken: `${TOKEN}-${id}`,
    addedAt: T0,
    step: { name: "FETCH_DETAILS", attempts: 0, nextAttemptAt: T0 },
    ...more,
  };
}

/** A permission as add() stores it: CREATED, nothing from EDDIE yet. */
function asAdded(p: NewPermission): StoredPermission {
  return {
    permissionId: p.permissionId,
    owner: p.owner,
    eddieId: p.eddieId,
    status: "CREATED",
    handshakeUrl: p.handshakeUrl,
    addedAt: p.addedAt,
    updatedAt: p.addedAt,
    connectionId: null,
    dataNeedId: null,
    meterId: null,
    startTime: null,
    expirationTime: null,
    dataNeed: null,
    problems: [],
    statusReason: null,
    grantTime: null,
    revokeTime: null,
    dataSourceId: null,
    dataSource: null,
    transmissionEnabled: true,
    transmissionSchedule: null,
    step: p.step,
    lastError: null,
    broker: null,
  };
}

const DATA_NEED: OutboundDataNeed = {
  id: "need-1",
  type: OUTBOUND_AIIDA,
  name: "Near real-time",
  description: 'Ünïcode — and "quotes"',
  purpose: "tests",
  policyLink: "https://eddie.example/policy",
  transmissionSchedule: "*/5 * * * * *",
  schemas: ["SMART-METER-P1-RAW"],
  asset: "CONNECTION-AGREEMENT-POINT",
  dataTags: ["1-0:1.7.0"],
  allowedPermissionCommands: ["SET_TRANSMISSION_ENABLED"],
  acknowledgementRequired: false,
  contexts: ["FLEXIBLE-CONNECTION-AGREEMENT"],
};

const CREDENTIALS: BrokerCredentials = {
  serverUri: "tcp://eddie-broker:1883",
  brokerUrl: "mqtt://eddie-broker:1883",
  username: "p1",
  dataTopic: "aiida/v1/p1/data",
  statusTopic: "aiida/v1/p1/status",
  commandTopic: "aiida/v1/p1/termination",
  acknowledgementTopic: null,
  password: PASSWORD,
};

const ids = (permissions: readonly StoredPermission[]) => permissions.map((p) => p.permissionId);

for (const backend of sharingBackends()) {
  describe(`permission store on ${backend.name}`, () => {
    before(() => backend.setUp());
    after(() => backend.tearDown());

    const openKeyed = () => backend.open(testSecretBox());

    it("stores new permissions CREATED with their first step, all or none, and tells which ids exist", async () => {
      const { permissions } = await openKeyed();
      const p1 = newPermission("p1");
      const p2 = newPermission("p2", { owner: "someone", addedAt: T0 + 1 });
      await permissions.add([p1, p2]);
      assert.deepEqual(await permissions.get("p1"), asAdded(p1));
      assert.deepEqual(await permissions.get("p2"), asAdded(p2));
      assert.equal(await permissions.get("p9"), undefined);
      assert.deepEqual(await permissions.existing(["p2", "p9", "p1", "p1"]), ["p2", "p1", "p1"]);
      assert.deepEqual(await permissions.existing([]), []);

      // p1 again: the batch is refused as a whole, p3 is not stored either.
      await assert.rejects(async () => permissions.add([newPermission("p3"), newPermission("p1")]));
      assert.deepEqual(await permissions.existing(["p3"]), []);
      assert.deepEqual(await permissions.get("p1"), asAdded(p1), "the stored one is unchanged");
      await permissions.add([]);
      assert.equal((await permissions.list({})).length, 2);
    });

    it("lists newest first, those added at the same time last added first, filtered by owner, status and data source", async () => {
      const { permissions } = await openKeyed();
      await permissions.add([newPermission("a"), newPermission("b", { addedAt: T0 + 1 })]);
      await permissions.add([
        newPermission("c", { addedAt: T0 + 1 }),
        newPermission("d", { owner: "other" }),
      ]);
      assert.deepEqual(ids(await permissions.list({})), ["c", "b", "d", "a"]);
      assert.deepEqual(ids(await permissions.list({ owner: "other" })), ["d"]);
      assert.deepEqual(ids(await permissions.list({ owner: "nobody" })), []);

      assert.equal(
        await permissions.update(
          "b",
          "CREATED",
          { status: "FETCHED_DETAILS", dataSourceId: "meter" },
          T0 + 5,
        ),
        true,
      );
      assert.deepEqual(ids(await permissions.list({ statuses: ["CREATED"] })), ["c", "d", "a"]);
      assert.deepEqual(ids(await permissions.list({ statuses: ["FETCHED_DETAILS", "REVOKED"] })), ["b"]);
      assert.deepEqual(ids(await permissions.list({ statuses: [] })), [], "no status: none");
      assert.deepEqual(ids(await permissions.list({ dataSourceId: "meter" })), ["b"]);
      assert.deepEqual(
        ids(await permissions.list({ owner: "admin", statuses: ["CREATED"], dataSourceId: "meter" })),
        [],
      );
    });

    it("changes a permission only from the status the caller saw, and keeps every field as given", async () => {
      const { permissions } = await openKeyed();
      await permissions.add([newPermission("p1")]);
      const before = await permissions.get("p1");

      assert.equal(
        await permissions.update("p1", "FETCHED_DETAILS", { status: "ACCEPTED", lastError: "x" }, T0 + 1),
        false,
        "the status moved meanwhile",
      );
      assert.deepEqual(await permissions.get("p1"), before, "nothing written");
      assert.equal(await permissions.update("nope", "CREATED", { lastError: "x" }, T0 + 1), false);

      const change: Required<PermissionChange> = {
        status: "FETCHED_DETAILS",
        connectionId: "conn-1",
        dataNeedId: "need-1",
        meterId: "AT0010000000000000001000000000001",
        startTime: T0 + 86_400_001,
        expirationTime: T0 + 30 * 86_400_003,
        dataNeed: DATA_NEED,
        problems: [{ path: "dataNeed.schemas", reason: "none supported" }],
        statusReason: "reason",
        grantTime: T0 + 11,
        revokeTime: T0 + 12,
        dataSourceId: "meter",
        dataSource: {
          id: "meter",
          asset: "CONNECTION-AGREEMENT-POINT",
          countryCode: "AT",
          meterId: null,
          operatorId: "op",
        },
        transmissionEnabled: false,
        transmissionSchedule: "0 */15 * * * *",
        step: { name: "PATCH_UNFULFILLABLE", attempts: 3, nextAttemptAt: T0 + 999 },
        lastError: "EDDIE answered 503",
      };
      assert.equal(await permissions.update("p1", "CREATED", change, T0 + 2), true);
      const changed = await permissions.get("p1");
      assert.deepEqual(changed, { ...asAdded(newPermission("p1")), ...change, updatedAt: T0 + 2 });

      // Absent fields stay; a cleared step, no problems and no data need read back as such.
      assert.equal(
        await permissions.update(
          "p1",
          "FETCHED_DETAILS",
          { step: null, problems: [], dataNeed: null },
          T0 + 3,
        ),
        true,
      );
      assert.deepEqual(await permissions.get("p1"), {
        ...changed,
        step: null,
        problems: [],
        dataNeed: null,
        updatedAt: T0 + 3,
      });
      assert.equal(
        await permissions.update("p1", "FETCHED_DETAILS", {}, T0 + 4),
        true,
        "only the time moves",
      );
      assert.equal((await permissions.get("p1"))?.updatedAt, T0 + 4);
    });

    it("stores EDDIE's broker credentials with the change in one transaction, only from the expected status", async () => {
      const { permissions, rows } = await openKeyed();
      await permissions.add([newPermission("p1")]);
      await permissions.update("p1", "CREATED", { status: "ACCEPTED" }, T0 + 1);

      assert.equal(
        await permissions.storeCredentials(
          "p1",
          "CREATED",
          CREDENTIALS,
          { status: "FETCHED_MQTT_CREDENTIALS" },
          T0 + 2,
        ),
        false,
      );
      assert.equal(await permissions.credentials("p1"), undefined, "nothing stored");
      assert.equal((await permissions.get("p1"))?.status, "ACCEPTED");
      assert.equal((await permissions.get("p1"))?.broker, null);

      assert.equal(
        await permissions.storeCredentials(
          "p1",
          "ACCEPTED",
          CREDENTIALS,
          { status: "FETCHED_MQTT_CREDENTIALS" },
          T0 + 3,
        ),
        true,
      );
      assert.deepEqual(await permissions.credentials("p1"), CREDENTIALS);
      const { password: _, ...endpoint } = CREDENTIALS;
      const stored = await permissions.get("p1");
      assert.deepEqual(
        [stored?.status, stored?.broker, stored?.updatedAt],
        ["FETCHED_MQTT_CREDENTIALS", endpoint, T0 + 3],
      );
      assert.equal((await permissions.list({}))[0]?.broker?.dataTopic, CREDENTIALS.dataTopic);

      // Sent again (a retried PATCH): the new ones replace the old.
      const again = { ...CREDENTIALS, password: "second", acknowledgementTopic: "aiida/v1/p1/ack" };
      assert.equal(
        await permissions.storeCredentials("p1", "FETCHED_MQTT_CREDENTIALS", again, {}, T0 + 4),
        true,
      );
      assert.deepEqual(await permissions.credentials("p1"), again);
      const [count] = await rows<{ n: number }>("SELECT count(*) AS n FROM permission_mqtt_credentials");
      assert.equal(Number(count?.n), 1);
      assert.equal(await permissions.credentials("p9"), undefined);
    });

    it("seals secrets at rest, bound to their row and key, and needs the key for them", async () => {
      const stores = await openKeyed();
      await stores.permissions.add([newPermission("p1"), newPermission("p2")]);
      await stores.permissions.update("p1", "CREATED", { status: "ACCEPTED" }, T0);
      await stores.permissions.storeCredentials("p1", "ACCEPTED", CREDENTIALS, {}, T0);
      assert.equal(await stores.permissions.accessToken("p1"), `${TOKEN}-p1`);
      assert.equal(await stores.permissions.accessToken("p9"), undefined);

      const [sealed] = await stores.rows<{ access_token: Uint8Array; password: Uint8Array }>(
        `SELECT p.access_token, c.password FROM permission p
         JOIN permission_mqtt_credentials c ON c.permission_id = p.permission_id`,
      );
      assert.ok(sealed !== undefined);
      assert.equal(Buffer.from(sealed.access_token).includes(TOKEN), false, "no token in the clear");
      assert.equal(Buffer.from(sealed.password).includes(PASSWORD), false, "no password in the clear");

      // A sealed token copied to another row does not open there.
      await stores.rows(
        "UPDATE permission SET access_token = (SELECT access_token FROM permission WHERE permission_id = ?) WHERE permission_id = ?",
        ["p1", "p2"],
      );
      await assert.rejects(async () => stores.permissions.accessToken("p2"), /does not open with this key/);

      const keyless = await stores.reopen(null);
      assert.equal((await keyless.permissions.get("p1"))?.status, "ACCEPTED", "reading needs no key");
      const noKey = /^Error: this storage was opened without the secret key$/;
      await assert.rejects(async () => keyless.permissions.accessToken("p1"), noKey);
      await assert.rejects(async () => keyless.permissions.credentials("p1"), noKey);
      await assert.rejects(async () => keyless.permissions.add([newPermission("p3")]), noKey);
      await assert.rejects(
        async () =>
          keyless.permissions.storeCredentials("p1", "ACCEPTED", CREDENTIALS, { lastError: "x" }, T0),
        noKey,
      );
      assert.deepEqual(await keyless.permissions.existing(["p3"]), []);
      assert.equal((await keyless.permissions.get("p1"))?.lastError, null, "nothing changed");

      const otherKey = await keyless.reopen(testSecretBox());
      await assert.rejects(async () => otherKey.permissions.accessToken("p1"), /does not open with this key/);
      await assert.rejects(async () => otherKey.permissions.credentials("p1"), /does not open with this key/);
    });

    it("deletes a permission only in one of the given statuses, with its credentials", async () => {
      const { permissions, rows } = await openKeyed();
      await permissions.add([newPermission("p1"), newPermission("p2")]);
      await permissions.update("p1", "CREATED", { status: "ACCEPTED" }, T0);
      await permissions.storeCredentials("p1", "ACCEPTED", CREDENTIALS, { status: "REVOKED" }, T0);

      assert.equal(await permissions.deleteIn("p1", ["CREATED", "REJECTED"]), false);
      assert.equal(await permissions.deleteIn("p1", []), false);
      assert.equal(await permissions.deleteIn("p9", ["REVOKED"]), false);
      assert.ok((await permissions.get("p1")) !== undefined);
      assert.equal(await permissions.deleteIn("p1", ["REJECTED", "REVOKED"]), true);
      assert.equal(await permissions.get("p1"), undefined);
      assert.equal(await permissions.credentials("p1"), undefined);
      const [count] = await rows<{ n: number }>("SELECT count(*) AS n FROM permission_mqtt_credentials");
      assert.equal(Number(count?.n), 0, "the credentials went with it");
      assert.deepEqual(ids(await permissions.list({})), ["p2"]);
    });

    it("answers the due steps longest due first, up to a limit, and when the next one is due", async () => {
      const { permissions } = await openKeyed();
      assert.equal(await permissions.nextStepAt(), undefined, "nothing pending");
      const at = (id: string, nextAttemptAt: number) =>
        newPermission(id, { step: { name: "FETCH_DETAILS", attempts: 0, nextAttemptAt } });
      await permissions.add([at("late", T0 + 30), at("first", T0 + 10), at("mid", T0 + 20)]);
      await permissions.add([at("tie", T0 + 10), at("done", T0)]);
      await permissions.update("done", "CREATED", { step: null }, T0);

      assert.deepEqual(await permissions.dueSteps(T0 + 20, 10), ["first", "tie", "mid"]);
      assert.deepEqual(await permissions.dueSteps(T0 + 20, 2), ["first", "tie"]);
      assert.deepEqual(await permissions.dueSteps(T0 + 9, 10), [], "none due yet");
      assert.equal(await permissions.nextStepAt(), T0 + 10);

      // A retry later moves a permission back in the queue.
      await permissions.update(
        "first",
        "CREATED",
        { step: { name: "FETCH_DETAILS", attempts: 1, nextAttemptAt: T0 + 40 } },
        T0 + 10,
      );
      assert.deepEqual(await permissions.dueSteps(T0 + 40, 10), ["tie", "mid", "late", "first"]);
      for (const id of ["first", "tie", "mid", "late"])
        await permissions.update(id, "CREATED", { step: null }, T0);
      assert.equal(await permissions.nextStepAt(), undefined);
      assert.deepEqual(await permissions.dueSteps(T0 + 1_000_000, 10), []);
    });

    it("lets one claim of a due step win, keeps it from the due steps until its time, and gives it back", async () => {
      const { permissions } = await openKeyed();
      const step = (nextAttemptAt: number) => ({
        name: "FETCH_DETAILS" as const,
        attempts: 2,
        nextAttemptAt,
      });
      await permissions.add([newPermission("p1", { step: step(T0 + 10) })]);

      assert.equal(
        await permissions.claimStep("p1", "FETCH_DETAILS", T0 + 9, T0 + 100),
        false,
        "not due yet",
      );
      assert.equal(
        await permissions.claimStep("p1", "PATCH_ACCEPT", T0 + 10, T0 + 100),
        false,
        "another step",
      );
      assert.equal(await permissions.claimStep("p9", "FETCH_DETAILS", T0 + 10, T0 + 100), false, "unknown");
      const both = await Promise.all([
        permissions.claimStep("p1", "FETCH_DETAILS", T0 + 10, T0 + 100),
        permissions.claimStep("p1", "FETCH_DETAILS", T0 + 10, T0 + 100),
      ]);
      assert.deepEqual(both.sort(), [false, true], "exactly one of two claims at once wins");
      assert.deepEqual(await permissions.dueSteps(T0 + 50, 10), [], "a claimed step is not due");
      assert.equal(await permissions.nextStepAt(), T0 + 100);
      assert.deepEqual((await permissions.get("p1"))?.step, step(T0 + 100), "only its time changed");

      await permissions.releaseStep("p1", "FETCH_DETAILS", T0 + 99, T0 + 20);
      assert.equal(await permissions.nextStepAt(), T0 + 100, "a release of another claim changes nothing");
      await permissions.releaseStep("p1", "FETCH_DETAILS", T0 + 100, T0 + 20);
      assert.deepEqual(await permissions.dueSteps(T0 + 20, 10), ["p1"], "given back, due again");

      // A claim whose run recorded its outcome is not given back over it.
      assert.equal(await permissions.claimStep("p1", "FETCH_DETAILS", T0 + 20, T0 + 200), true);
      await permissions.update("p1", "CREATED", { step: step(T0 + 300) }, T0 + 30);
      await permissions.releaseStep("p1", "FETCH_DETAILS", T0 + 200, T0 + 30);
      assert.equal(await permissions.nextStepAt(), T0 + 300);
    });

    it("refuses to read a stored status it does not know, naming it", async () => {
      const { permissions, rows } = await openKeyed();
      await permissions.add([newPermission("p1")]);
      await rows("UPDATE permission SET status = ? WHERE permission_id = ?", ["REVOCATION_RECEIVED", "p1"]);
      const unknown = /permission p1 has the unknown status "REVOCATION_RECEIVED"/;
      await assert.rejects(async () => permissions.get("p1"), unknown);
      await assert.rejects(async () => permissions.list({}), unknown);
    });
  });
}
