import assert from "node:assert/strict";
import { randomUUID } from "node:crypto";
import { after, before, describe, it } from "node:test";
import { tokenDigest } from "../../src/platform/secrets.ts";
import { BACKENDS, type StoreBackend } from "../helpers/store-backends.ts";

/** An expiry with a millisecond part: a session must end at exactly this millisecond. */
const EXPIRES = 1_700_000_000_123;

/** A user and token digests of its own, so that cases sharing one database never meet. */
function newUser(): { name: string; digest: () => string } {
  return { name: `admin-${randomUUID()}`, digest: () => tokenDigest(randomUUID()) };
}

for (const kind of BACKENDS) {
  describe(`AdminStore on ${kind.name}`, () => {
    let backend: StoreBackend;
    before(async () => {
      backend = await kind.open();
    });
    after(() => backend.close());

    it("has no password hash for an unknown user", async () => {
      assert.equal(await backend.admin.passwordHash(newUser().name), undefined);
    });

    it("stores a password hash and replaces it on the next set", async () => {
      const user = newUser();
      await backend.admin.setPasswordHash(user.name, "scrypt$first");
      assert.equal(await backend.admin.passwordHash(user.name), "scrypt$first");
      await backend.admin.setPasswordHash(user.name, "scrypt$second");
      assert.equal(await backend.admin.passwordHash(user.name), "scrypt$second");
    });

    it("knows a session's user until the millisecond it expires", async () => {
      const user = newUser();
      const digest = user.digest();
      await backend.admin.createSession(digest, user.name, EXPIRES);
      assert.equal(await backend.admin.sessionUser(digest, EXPIRES - 1), user.name);
      assert.equal(await backend.admin.sessionUser(digest, EXPIRES), undefined);
      assert.equal(await backend.admin.sessionUser(digest, EXPIRES + 1), undefined);
    });

    it("knows no user for an unknown token digest", async () => {
      assert.equal(await backend.admin.sessionUser(newUser().digest(), 0), undefined);
    });

    it("refuses a second session with the same token digest and keeps the first", async () => {
      const user = newUser();
      const digest = user.digest();
      await backend.admin.createSession(digest, user.name, EXPIRES);
      await assert.rejects(backend.admin.createSession(digest, "someone else", EXPIRES + 1000));
      assert.equal(await backend.admin.sessionUser(digest, EXPIRES - 1), user.name);
    });

    it("ends only the deleted session, and deleting an unknown one is no error", async () => {
      const user = newUser();
      const [gone, kept] = [user.digest(), user.digest()];
      await backend.admin.createSession(gone, user.name, EXPIRES);
      await backend.admin.createSession(kept, user.name, EXPIRES);
      await backend.admin.deleteSession(gone);
      await backend.admin.deleteSession(user.digest());
      assert.equal(await backend.admin.sessionUser(gone, 0), undefined);
      assert.equal(await backend.admin.sessionUser(kept, 0), user.name);
    });

    it("replaces the password and ends every other session of the user, keeping the one asked for", async () => {
      const user = newUser();
      const other = newUser();
      await backend.admin.setPasswordHash(user.name, "old");
      const [kept, ended1, ended2] = [user.digest(), user.digest(), user.digest()];
      const othersSession = other.digest();
      for (const digest of [kept, ended1, ended2])
        await backend.admin.createSession(digest, user.name, EXPIRES);
      await backend.admin.createSession(othersSession, other.name, EXPIRES);

      assert.equal(await backend.admin.replacePassword(user.name, "new", kept), 2);

      assert.equal(await backend.admin.passwordHash(user.name), "new");
      assert.equal(await backend.admin.sessionUser(kept, 0), user.name);
      assert.equal(await backend.admin.sessionUser(ended1, 0), undefined);
      assert.equal(await backend.admin.sessionUser(ended2, 0), undefined);
      assert.equal(
        await backend.admin.sessionUser(othersSession, 0),
        other.name,
        "another user's session stays",
      );
    });

    it("replaces the password and ends every session of the user when none is to be kept", async () => {
      const user = newUser();
      await backend.admin.setPasswordHash(user.name, "old");
      const sessions = [user.digest(), user.digest()];
      for (const digest of sessions) await backend.admin.createSession(digest, user.name, EXPIRES);
      assert.equal(await backend.admin.replacePassword(user.name, "new", undefined), 2);
      assert.equal(await backend.admin.passwordHash(user.name), "new");
      for (const digest of sessions) assert.equal(await backend.admin.sessionUser(digest, 0), undefined);
    });

    it("creates the account on a replace when there is none yet, ending nothing", async () => {
      const user = newUser();
      assert.equal(await backend.admin.replacePassword(user.name, "first", undefined), 0);
      assert.equal(await backend.admin.passwordHash(user.name), "first");
    });

    it("keeps a session to keep even when it belongs to another user, and ends none of that user's", async () => {
      const user = newUser();
      const other = newUser();
      const othersSession = other.digest();
      await backend.admin.createSession(othersSession, other.name, EXPIRES);
      assert.equal(await backend.admin.replacePassword(user.name, "pw", othersSession), 0);
      assert.equal(await backend.admin.sessionUser(othersSession, 0), other.name);
    });
  });
}
