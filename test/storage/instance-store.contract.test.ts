import assert from "node:assert/strict";
import { randomBytes, randomUUID } from "node:crypto";
import { after, afterEach, before, beforeEach, describe, it } from "node:test";
import { SECRET_KEY_BYTES, SecretBox } from "../../src/platform/secret-box.ts";
import { BACKENDS, type StoreBackend } from "../helpers/store-backends.ts";

function newBox(): SecretBox {
  return SecretBox.fromKey(randomBytes(SECRET_KEY_BYTES));
}

/** A generator that counts its calls and makes a new id on each. */
function countingGenerator(): { generate: () => string; calls: () => number } {
  let calls = 0;
  return {
    generate: () => {
      calls++;
      return randomUUID();
    },
    calls: () => calls,
  };
}

for (const kind of BACKENDS) {
  describe(`InstanceStore on ${kind.name}`, () => {
    /** Opened without a secret key. */
    let backend: StoreBackend;
    /** The hub of each case: its own connection and key. */
    let hub: StoreBackend;
    let box: SecretBox;
    before(async () => {
      backend = await kind.open();
    });
    after(() => backend.close());
    // The instance is one row per database: every case starts without it, nothing sealed, a key of its own.
    beforeEach(async () => {
      await backend.run("DELETE FROM aiida_application_information");
      await backend.run("DELETE FROM permission");
      box = newBox();
      hub = await backend.connectAgain(box);
    });
    afterEach(() => hub.close());

    it("makes the AIIDA id on the first call and answers the stored one ever after", async () => {
      const ids = countingGenerator();
      const first = await hub.instance.aiidaId(ids.generate);
      assert.equal(ids.calls(), 1);
      assert.equal(await hub.instance.aiidaId(ids.generate), first);
      assert.equal(ids.calls(), 1, "a stored id is not made again");
      const again = await hub.connectAgain(box);
      assert.equal(await again.instance.aiidaId(ids.generate), first, "another connection reads the same id");
      await again.close();
    });

    it("answers one id to two instances asking at once on two connections", async () => {
      const second = await hub.connectAgain(box);
      const [a, b] = await Promise.all([
        hub.instance.aiidaId(() => "id-of-the-first"),
        second.instance.aiidaId(() => "id-of-the-second"),
      ]);
      assert.equal(a, b);
      assert.ok(["id-of-the-first", "id-of-the-second"].includes(a));
      assert.deepEqual(
        (await hub.rows("SELECT aiida_id FROM aiida_application_information")).map((r) => r.aiida_id),
        [a],
        "one row",
      );
      await second.close();
    });

    it("refuses to check the key before the AIIDA id is made", async () => {
      await assert.rejects(hub.instance.secretKeyMatches(), /AIIDA id is made before the key is checked/);
    });

    it("refuses to check the key when opened without one", async () => {
      await backend.instance.aiidaId(randomUUID);
      await assert.rejects(backend.instance.secretKeyMatches(), /opened without the secret key/);
    });

    it("accepts the first key and the same key on every later start", async () => {
      await hub.instance.aiidaId(randomUUID);
      assert.equal(await hub.instance.secretKeyMatches(), true);
      assert.equal(await hub.instance.secretKeyMatches(), true);
      await hub.addSealedPermission("p-1", box);
      const restart = await hub.connectAgain(box);
      assert.equal(await restart.instance.secretKeyMatches(), true, "the same key opens what it sealed");
      await restart.close();
    });

    it("refuses a different key once a secret is sealed, and keeps the key check of the first", async () => {
      await hub.instance.aiidaId(randomUUID);
      assert.equal(await hub.instance.secretKeyMatches(), true);
      await hub.addSealedPermission("p-1", box);
      const stranger = await hub.connectAgain(newBox());
      assert.equal(await stranger.instance.secretKeyMatches(), false);
      assert.equal(await hub.instance.secretKeyMatches(), true, "the first key still matches");
      await stranger.close();
    });

    it("takes a different key while nothing is sealed, which the old key then no longer matches", async () => {
      await hub.instance.aiidaId(randomUUID);
      assert.equal(await hub.instance.secretKeyMatches(), true);
      const replacement = newBox();
      const restart = await hub.connectAgain(replacement);
      assert.equal(await restart.instance.secretKeyMatches(), true);
      await restart.addSealedPermission("p-1", replacement);
      assert.equal(await hub.instance.secretKeyMatches(), false, "the old key is now the stranger");
      assert.equal(await restart.instance.secretKeyMatches(), true);
      await restart.close();
    });

    it("refuses any key when secrets are sealed but no key check was stored", async () => {
      await hub.instance.aiidaId(randomUUID);
      await hub.addSealedPermission("p-1", box);
      assert.equal(await hub.instance.secretKeyMatches(), false);
    });

    it("accepts one key on two instances checking it at once", async () => {
      await hub.instance.aiidaId(randomUUID);
      const second = await hub.connectAgain(box);
      const answers = await Promise.all([
        hub.instance.secretKeyMatches(),
        second.instance.secretKeyMatches(),
      ]);
      assert.deepEqual(answers, [true, true]);
      await hub.addSealedPermission("p-1", box);
      assert.equal(await second.instance.secretKeyMatches(), true, "the stored check is this key's");
      await second.close();
    });
  });
}
