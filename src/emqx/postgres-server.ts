/** Where EMQX reaches the hub's PostgreSQL database: everything of the URL but its password. */
export interface PostgresServer {
  /** host:port, as EMQX's `server` field reads it. */
  readonly server: string;
  readonly database: string;
  /** Empty when the URL names no user. */
  readonly username: string;
  /** Whether the URL asks for TLS (sslmode other than disable/allow/prefer, or ssl=true). */
  readonly tls: boolean;
  /** Whether the URL held a password: it is never copied, the operator supplies it to EMQX. */
  readonly hadPassword: boolean;
}

/** A database URL this command cannot turn into EMQX settings; the message says what is wrong. */
export class DatabaseUrlError extends Error {}

const DEFAULT_PORT = "5432";
/** libpq's sslmode values that do not insist on TLS. */
const PLAIN_SSL_MODES = new Set(["disable", "allow", "prefer"]);

/** Reads postgres://user:password@host:port/database?sslmode=… into EMQX's connection settings. */
export function parsePostgresUrl(text: string): PostgresServer {
  let url: URL;
  try {
    url = new URL(text);
  } catch {
    throw new DatabaseUrlError("the database URL is not a URL; expected postgres://user@host:port/database");
  }
  if (url.protocol !== "postgres:" && url.protocol !== "postgresql:") {
    throw new DatabaseUrlError(
      `the database URL must start with postgres:// (it starts with ${url.protocol}//)`,
    );
  }
  if (url.hostname === "") throw new DatabaseUrlError("the database URL names no host");
  const database = decodeURIComponent(url.pathname.replace(/^\//, ""));
  if (database === "" || database.includes("/")) {
    throw new DatabaseUrlError("the database URL must name one database: postgres://user@host:port/database");
  }
  const sslmode = url.searchParams.get("sslmode");
  const ssl = url.searchParams.get("ssl");
  return {
    server: `${url.hostname}:${url.port || DEFAULT_PORT}`,
    database,
    username: decodeURIComponent(url.username),
    tls: (sslmode !== null && !PLAIN_SSL_MODES.has(sslmode)) || ssl === "true" || ssl === "1",
    hadPassword: url.password !== "",
  };
}
