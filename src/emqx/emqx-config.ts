import { EMQX_AUTHN_QUERY, EMQX_AUTHZ_QUERY } from "./emqx-queries.ts";
import type { PostgresServer } from "./postgres-server.ts";

/** Environment variables EMQX reads the database password from: index 1 is the first (only) entry below. */
export const EMQX_PASSWORD_VARIABLES = [
  "EMQX_AUTHENTICATION__1__PASSWORD",
  "EMQX_AUTHORIZATION__SOURCES__1__PASSWORD",
] as const;

/** A HOCON quoted string: HOCON's quoted strings are JSON's, and `${…}` inside quotes is not substituted. */
function quoted(text: string): string {
  return JSON.stringify(text);
}

/** The connection fields both the authenticator and the authorizer carry; never the password. */
function connectionLines(db: PostgresServer, indent: string): string[] {
  return [
    `server = ${quoted(db.server)}`,
    `database = ${quoted(db.database)}`,
    ...(db.username === "" ? [] : [`username = ${quoted(db.username)}`]),
    `ssl { enable = ${db.tls} }`,
  ].map((line) => indent + line);
}

/**
 * The EMQX 5 HOCON snippet (for emqx.conf) that makes EMQX check device credentials and ACLs against the
 * hub's PostgreSQL database. It holds no password, whatever the URL held.
 */
export function emqxConfigSnippet(db: PostgresServer): string {
  return [
    "# aiida-hub devices on EMQX 5: credentials and ACLs from the hub's PostgreSQL (aiida-hub emqx-config).",
    "# The database password is not in this file. Give it to EMQX in its environment (HOCON values, so quoted):",
    ...EMQX_PASSWORD_VARIABLES.map((name) => `#   ${name}='"<database password>"'`),
    "authentication = [",
    "  {",
    "    mechanism = password_based",
    "    backend = postgresql",
    "    enable = true",
    ...connectionLines(db, "    "),
    "    # The hub stores hex(sha256(salt + password)) with the salt as text (platform/secrets.ts).",
    "    password_hash_algorithm { name = sha256, salt_position = prefix }",
    `    query = ${quoted(EMQX_AUTHN_QUERY)}`,
    "  }",
    "]",
    "authorization {",
    "  # A device may publish and subscribe only where its rows allow; everything else is refused.",
    "  no_match = deny",
    "  # An MQTT 3.1.1 device cannot be told a PUBLISH was refused: closing the connection keeps it from",
    "  # taking the PUBACK for delivery (the hub's own broker does the same).",
    "  deny_action = disconnect",
    "  sources = [",
    "    {",
    "      type = postgresql",
    "      enable = true",
    ...connectionLines(db, "      "),
    `      query = ${quoted(EMQX_AUTHZ_QUERY)}`,
    "    }",
    "  ]",
    "}",
    "",
  ].join("\n");
}
