import type Database from "better-sqlite3";
import type { SecretBox } from "../../platform/secret-box.ts";
import type { InstanceStore } from "../ports.ts";
import { inWriteTransaction } from "./write-transaction.ts";

const KEY_CHECK_CONTEXT = "aiida_application_information/secret_key_check";
const KEY_CHECK_TEXT = "aiida-hub secret key check";

/** The hub's AIIDA id and the check value of its secret key, in the one row of aiida_application_information. */
export class SqliteInstanceStore implements InstanceStore {
  constructor(
    private readonly db: Database.Database,
    private readonly secrets: SecretBox | undefined,
    private readonly now: () => number = Date.now,
  ) {}

  async aiidaId(generate: () => string): Promise<string> {
    return inWriteTransaction(this.db, () => {
      const stored = this.db.prepare("SELECT aiida_id FROM aiida_application_information").pluck().get() as
        | string
        | undefined;
      if (stored !== undefined) return stored;
      const id = generate();
      this.db
        .prepare("INSERT INTO aiida_application_information (aiida_id, created_at) VALUES (?, ?)")
        .run(id, this.now());
      return id;
    });
  }

  async secretKeyMatches(): Promise<boolean> {
    const box = this.secrets;
    if (box === undefined) throw new Error("this storage was opened without the secret key");
    const check = this.db
      .prepare("SELECT secret_key_check FROM aiida_application_information")
      .pluck()
      .get() as Buffer | null | undefined;
    if (check === undefined) throw new Error("the AIIDA id is made before the key is checked");
    if (check !== null && this.opens(box, check)) return true;
    // Another key is fine while nothing is sealed (every permission row holds a sealed access token).
    const sealed = this.db.prepare("SELECT count(*) FROM permission").pluck().get() as number;
    if (sealed > 0) return false;
    this.db
      .prepare("UPDATE aiida_application_information SET secret_key_check = ?")
      .run(box.seal(KEY_CHECK_TEXT, KEY_CHECK_CONTEXT));
    return true;
  }

  private opens(box: SecretBox, check: Buffer): boolean {
    try {
      return box.open(check, KEY_CHECK_CONTEXT) === KEY_CHECK_TEXT;
    } catch {
      return false;
    }
  }
}
