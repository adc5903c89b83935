import assert from "node:assert/strict";
import { mkdirSync, mkdtempSync, readFileSync, rmSync, statSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { describe, it, type TestContext } from "node:test";
import { loadOrCreateSecretBox, SECRET_KEY_BYTES, SecretBox, SecretKeyFileError } from "./secret-box.ts";

function tempDir(t: TestContext): string {
  const dir = mkdtempSync(join(tmpdir(), "secret-box-"));
  t.after(() => rmSync(dir, { recursive: true, force: true }));
  return dir;
}

describe("SecretBox", () => {
  const box = SecretBox.fromKey(Buffer.alloc(SECRET_KEY_BYTES, 7));

  it("opens what it sealed, and the sealed bytes do not contain the secret", () => {
    const sealed = box.seal("k#3Lq!9vT(z2Rm@8Wx$4pQa7", "permission/p/password");
    assert.equal(sealed.includes(Buffer.from("k#3Lq!9vT")), false);
    assert.equal(box.open(sealed, "permission/p/password"), "k#3Lq!9vT(z2Rm@8Wx$4pQa7");
    // A fresh IV each time: the same secret never seals to the same bytes.
    assert.notDeepEqual(box.seal("same", "c"), box.seal("same", "c"));
  });

  it("refuses a sealed value under another context, another key, or with a changed byte", () => {
    const sealed = box.seal("token", "permission/a/accessToken");
    assert.throws(() => box.open(sealed, "permission/b/accessToken"), /does not open/);
    assert.throws(
      () => SecretBox.fromKey(Buffer.alloc(SECRET_KEY_BYTES, 8)).open(sealed, "permission/a/accessToken"),
      /does not open/,
    );
    const changed = Buffer.from(sealed);
    changed[changed.length - 1] = (changed.at(-1) ?? 0) ^ 1;
    assert.throws(() => box.open(changed, "permission/a/accessToken"), /does not open/);
    assert.throws(() => box.open(Buffer.alloc(5), "x"), /too short/);
  });
});

describe("the key file", () => {
  it("is created once with mode 0600 and 32 random bytes, and read back on the next load", (t) => {
    const file = join(tempDir(t), "secrets.key");
    const first = loadOrCreateSecretBox(file);
    assert.equal(first.created, true);
    assert.equal(statSync(file).mode & 0o777, 0o600);
    assert.equal(readFileSync(file).length, SECRET_KEY_BYTES);
    const sealed = first.box.seal("secret", "c");
    const second = loadOrCreateSecretBox(file);
    assert.equal(second.created, false);
    assert.equal(second.box.open(sealed, "c"), "secret");
  });

  it("is refused when it holds another number of bytes, and is left as it is", (t) => {
    const file = join(tempDir(t), "secrets.key");
    writeFileSync(file, "not a key\n");
    assert.throws(
      () => loadOrCreateSecretBox(file),
      (error: unknown) => error instanceof SecretKeyFileError && /holds 10 bytes, not 32/.test(error.message),
    );
    assert.equal(readFileSync(file, "utf8"), "not a key\n");
  });

  it("is refused when it exists but cannot be read", (t) => {
    const file = join(tempDir(t), "secrets.key");
    mkdirSync(file); // readable by nobody as a file, also when the tests run as root
    assert.throws(
      () => loadOrCreateSecretBox(file),
      (error: unknown) =>
        error instanceof SecretKeyFileError && /cannot be read \(EISDIR\)/.test(error.message),
    );
  });
});
