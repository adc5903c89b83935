import { ConfigError } from "./config-error.ts";

/** The URL with its password replaced by "***": the only form of it that may be shown or logged. */
export function redactedDatabaseUrl(raw: string): string {
  try {
    const url = new URL(raw);
    if (url.host !== "") {
      if (url.password !== "") url.password = "***";
      return url.toString();
    }
  } catch {
    // Not a URL: redacted below like one without a host.
  }
  // Whatever follows a colon before an @ may be a password ("user:secret@host" parses as a scheme).
  return raw.replace(/:[^:@/]*@/, ":***@");
}

/** Checks a PostgreSQL connection URL (postgres:// or postgresql://); errors never echo its password. */
export function databaseUrl(flag: string): (raw: string) => string {
  return (raw) => {
    let url: URL;
    try {
      url = new URL(raw);
    } catch {
      throw new ConfigError(
        `${flag} must be a URL such as postgres://aiida@db.local:5432/aiida, got "${redactedDatabaseUrl(raw)}".`,
      );
    }
    if (url.protocol !== "postgres:" && url.protocol !== "postgresql:") {
      throw new ConfigError(
        `${flag} must start with postgres:// or postgresql:// (SQLite is the default: leave ${flag} out), got "${redactedDatabaseUrl(raw)}".`,
      );
    }
    if (url.pathname.length <= 1) {
      throw new ConfigError(
        `${flag} must name the database, as in postgres://aiida@db.local:5432/aiida, got "${redactedDatabaseUrl(raw)}".`,
      );
    }
    return raw;
  };
}
