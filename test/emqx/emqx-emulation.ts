/**
 * What EMQX 5 does with the rows its PostgreSQL authenticator and authorizer read, written from EMQX's
 * documentation: EMQX cannot run here, so the tests run its SQL on the real database and judge the rows
 * the way EMQX does.
 */
import { createHash } from "node:crypto";
import type { PgPool } from "../../src/storage/postgres/pg-pool.ts";

/** A query template turned into a prepared statement: each `${var}` becomes $1, $2, … in order. */
export interface PreparedStatement {
  readonly text: string;
  readonly values: string[];
}

/** As EMQX prepares a configured query: placeholders become bind parameters, never SQL text. */
export function prepareAsEmqx(template: string, vars: Readonly<Record<string, string>>): PreparedStatement {
  const values: string[] = [];
  const text = template.replace(/\$\{([a-z_.]+)\}/g, (_, name: string) => {
    const value = vars[name];
    if (value === undefined) throw new Error(`the query uses \${${name}}, which this test does not give`);
    values.push(value);
    return `$${values.length}`;
  });
  return { text, values };
}

/** The queries of a generated EMQX snippet, in order: authentication's first, then the authorizer's. */
export function snippetQueries(snippet: string): string[] {
  return [...snippet.matchAll(/^\s*query = (".*")$/gm)].map((m) => JSON.parse(m[1] ?? "") as string);
}

/** EMQX's simple hashes: lower-case hex of the digest of salt and password joined as bytes. */
export function emqxSha256(salt: string, password: string, position: "prefix" | "suffix"): string {
  const saltBytes = Buffer.from(salt, "utf8");
  const passwordBytes = Buffer.from(password, "utf8");
  const joined =
    position === "prefix"
      ? Buffer.concat([saltBytes, passwordBytes])
      : Buffer.concat([passwordBytes, saltBytes]);
  return createHash("sha256").update(joined).digest("hex");
}

/** The authenticator's verdict: no row is "ignore"; if every authenticator ignores, EMQX says "not authorized". */
export type AuthnVerdict =
  | { readonly result: "ignore" }
  | { readonly result: "ok"; readonly isSuperuser: boolean }
  | { readonly result: "bad-password" };

/** Runs the authenticator's query for `username` and checks `password` with sha256, salt as prefix. */
export async function authenticateAsEmqx(
  pool: PgPool,
  query: string,
  username: string,
  password: string,
): Promise<AuthnVerdict> {
  const statement = prepareAsEmqx(query, { username });
  const { rows } = await pool.query<{ password_hash: string; salt?: string; is_superuser?: unknown }>(
    statement.text,
    statement.values,
  );
  const row = rows[0];
  if (row === undefined) return { result: "ignore" };
  // EMQX compares the computed hex with the column's text exactly (emqx_passwd: compare_secure).
  if (emqxSha256(row.salt ?? "", password, "prefix") !== row.password_hash) return { result: "bad-password" };
  return {
    result: "ok",
    isSuperuser: row.is_superuser === true || row.is_superuser === "true" || row.is_superuser === 1,
  };
}

export type MqttAction = "publish" | "subscribe";

/** A topic (or, for subscribe, the requested filter) against a rule's filter: + one level, # the rest. */
function topicMatches(topic: string, ruleFilter: string): boolean {
  const levels = topic.split("/");
  const filter = ruleFilter.split("/");
  for (let i = 0; i < filter.length; i++) {
    const f = filter[i];
    if (f === "#") return true;
    if (i >= levels.length) return false;
    // A wildcard in the request matches only the same wildcard in the rule (EMQX compares them as words).
    if (f !== "+" && f !== levels[i]) return false;
  }
  return levels.length === filter.length;
}

/** Allowed, denied, or "nomatch" (no rule: then `authorization.no_match` decides). */
export type AuthzVerdict = "allow" | "deny" | "nomatch";

/** Runs the authorizer's query and applies its rows in order, first match wins, as EMQX does. */
export async function authorizeAsEmqx(
  pool: PgPool,
  query: string,
  username: string,
  action: MqttAction,
  topic: string,
): Promise<AuthzVerdict> {
  const statement = prepareAsEmqx(query, { username });
  const { rows } = await pool.query<{ permission: string; action: string; topic: string }>(
    statement.text,
    statement.values,
  );
  for (const rule of rows) {
    if (rule.action !== action && rule.action !== "all") continue;
    if (!topicMatches(topic, rule.topic)) continue;
    if (rule.permission === "allow" || rule.permission === "deny") return rule.permission;
  }
  return "nomatch";
}
