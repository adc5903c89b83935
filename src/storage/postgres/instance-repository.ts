import type { SecretBox } from "../../platform/secret-box.ts";
import type { InstanceStore } from "../ports.ts";
import type { PgPool } from "./pg-pool.ts";

/** The same check value as the SQLite store seals: a database moved between dialects keeps its key check. */
const KEY_CHECK_CONTEXT = "aiida_application_information/secret_key_check";
const KEY_CHECK_TEXT = "aiida-hub secret key check";

/**
 * The hub's AIIDA id and the check value of its secret key, in the one row of aiida_application_information
 * (a unique index on a constant keeps it one). Several instances may start at once on one database: each
 * write is conditional and is followed by a read of what is stored, so they all agree on one id and one key.
 */
export class PgInstanceStore implements InstanceStore {
  constructor(
    private readonly pool: PgPool,
    private readonly secrets: SecretBox | undefined,
    private readonly now: () => number = Date.now,
  ) {}

  async aiidaId(generate: () => string): Promise<string> {
    const stored = await this.storedId();
    if (stored !== undefined) return stored;
    // Another instance may store its id between the read and this insert: then this one does nothing.
    await this.pool.query(
      "INSERT INTO aiida_application_information (aiida_id, created_at) VALUES ($1, $2) ON CONFLICT DO NOTHING",
      [generate(), new Date(this.now())],
    );
    const id = await this.storedId();
    if (id === undefined) throw new Error("the AIIDA id was stored but cannot be read back");
    return id;
  }

  async secretKeyMatches(): Promise<boolean> {
    const box = this.secrets;
    if (box === undefined) throw new Error("this storage was opened without the secret key");
    const seen = await this.storedCheck();
    if (seen !== null && this.opens(box, seen)) return true;
    // Another key is fine while nothing is sealed (every permission row holds a sealed access token). Only
    // the check this instance read is replaced: one another instance stored meanwhile is kept.
    const replaced = await this.pool.query(
      `UPDATE aiida_application_information SET secret_key_check = $1
       WHERE secret_key_check IS NOT DISTINCT FROM $2 AND NOT EXISTS (SELECT 1 FROM permission)`,
      [box.seal(KEY_CHECK_TEXT, KEY_CHECK_CONTEXT), seen],
    );
    if (replaced.rowCount === 1) return true;
    // Something is sealed, or another instance stored its check first: this key must open what is stored.
    const stored = await this.storedCheck();
    return stored !== null && this.opens(box, stored);
  }

  private async storedId(): Promise<string | undefined> {
    const result = await this.pool.query<{ aiida_id: string }>(
      "SELECT aiida_id FROM aiida_application_information",
    );
    return result.rows[0]?.aiida_id;
  }

  /** The stored check value; null while none is stored. */
  private async storedCheck(): Promise<Buffer | null> {
    const result = await this.pool.query<{ secret_key_check: Buffer | null }>(
      "SELECT secret_key_check FROM aiida_application_information",
    );
    const row = result.rows[0];
    if (row === undefined) throw new Error("the AIIDA id is made before the key is checked");
    return row.secret_key_check;
  }

  private opens(box: SecretBox, check: Buffer): boolean {
    try {
      return box.open(check, KEY_CHECK_CONTEXT) === KEY_CHECK_TEXT;
    } catch {
      return false;
    }
  }
}
