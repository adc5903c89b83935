import { createCipheriv, createDecipheriv, randomBytes } from "node:crypto";
import { closeSync, fsyncSync, openSync, readFileSync, unlinkSync, writeSync } from "node:fs";
import { dirname } from "node:path";

/** AES-256 takes a 32-byte key. */
export const SECRET_KEY_BYTES = 32;
const IV_BYTES = 12;
const TAG_BYTES = 16;

/** The key file cannot be used; the message says why and what to do, in one sentence. */
export class SecretKeyFileError extends Error {
  override readonly name = "SecretKeyFileError";
}

/**
 * Encrypts secrets at rest (EDDIE's access tokens, EDDIE broker passwords) with AES-256-GCM under one
 * key. A sealed value is iv ‖ tag ‖ ciphertext; `context` (such as "permission/<id>/accessToken") is
 * authenticated with it, so a sealed value copied into another row or column does not open.
 */
export class SecretBox {
  private constructor(private readonly key: Buffer) {}

  /** A box over a key held in memory (tests). */
  static fromKey(key: Uint8Array): SecretBox {
    if (key.length !== SECRET_KEY_BYTES) throw new RangeError(`a key has ${SECRET_KEY_BYTES} bytes`);
    return new SecretBox(Buffer.from(key));
  }

  seal(plaintext: string, context: string): Buffer {
    const iv = randomBytes(IV_BYTES);
    const cipher = createCipheriv("aes-256-gcm", this.key, iv);
    cipher.setAAD(Buffer.from(context, "utf8"));
    const ciphertext = Buffer.concat([cipher.update(plaintext, "utf8"), cipher.final()]);
    return Buffer.concat([iv, cipher.getAuthTag(), ciphertext]);
  }

  /** The plaintext; throws when the value was not sealed with this key and context (or was changed). */
  open(sealed: Uint8Array, context: string): string {
    const bytes = Buffer.from(sealed);
    if (bytes.length < IV_BYTES + TAG_BYTES) throw new Error(`a sealed ${context} is too short`);
    const decipher = createDecipheriv("aes-256-gcm", this.key, bytes.subarray(0, IV_BYTES));
    decipher.setAAD(Buffer.from(context, "utf8"));
    decipher.setAuthTag(bytes.subarray(IV_BYTES, IV_BYTES + TAG_BYTES));
    try {
      return Buffer.concat([
        decipher.update(bytes.subarray(IV_BYTES + TAG_BYTES)),
        decipher.final(),
      ]).toString("utf8");
    } catch {
      throw new Error(`the sealed ${context} does not open with this key`);
    }
  }
}

/** A box over the key file, and whether the file was created just now. */
export interface LoadedSecretBox {
  readonly box: SecretBox;
  readonly created: boolean;
  /** Removes a key file created by this load (when the start is refused right after). */
  discardCreated(): void;
}

/**
 * Reads the key file, or creates it with a new random key (mode 0600, fsynced with its directory, so a
 * secret is never sealed under a key that a power cut could lose). A file that exists but cannot be read,
 * or holds anything but 32 bytes, is refused: a new key would make every stored secret unreadable.
 */
export function loadOrCreateSecretBox(file: string): LoadedSecretBox {
  let key: Buffer;
  let created = false;
  try {
    key = readFileSync(file);
  } catch (error) {
    const code = (error as NodeJS.ErrnoException).code ?? String(error);
    if (code !== "ENOENT") {
      throw new SecretKeyFileError(
        `The key file ${file} cannot be read (${code}); give the hub's user read access to it (mode 0600).`,
      );
    }
    key = randomBytes(SECRET_KEY_BYTES);
    writeNewKeyFile(file, key);
    created = true;
  }
  if (key.length !== SECRET_KEY_BYTES) {
    throw new SecretKeyFileError(
      `The key file ${file} holds ${key.length} bytes, not ${SECRET_KEY_BYTES}: it is not a key this hub wrote; put back the hub's own key file (from the backup of the data directory).`,
    );
  }
  return {
    box: SecretBox.fromKey(key),
    created,
    discardCreated: () => {
      if (created) unlinkSync(file);
    },
  };
}

function writeNewKeyFile(file: string, key: Buffer): void {
  // "wx": never overwrite a key file another process wrote meanwhile; 0600: only the hub's user reads it.
  const fd = openSync(file, "wx", 0o600);
  try {
    writeSync(fd, key);
    fsyncSync(fd);
  } finally {
    closeSync(fd);
  }
  const dir = openSync(dirname(file), "r");
  try {
    fsyncSync(dir);
  } finally {
    closeSync(dir);
  }
}
