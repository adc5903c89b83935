import { existsSync } from "node:fs";
import { join } from "node:path";
import { type Command, Option } from "commander";
import { ConfigError, dataDirOf } from "./config/hub-config.ts";
import { DATABASE_FILE } from "./hub.ts";
import { createLogger } from "./platform/logger.ts";
import { resetAdminPassword } from "./services/admin-password-reset.ts";
import { SqliteAdminStore } from "./storage/sqlite/admin-repository.ts";
import { hasAdminTables, openExistingDatabase } from "./storage/sqlite/open-database.ts";

/** A reset that cannot be done, with the sentence that says why; the command exits 2 with it. */
class ResetRefused extends Error {}

/**
 * `aiida-hub reset-admin-password [--data-dir <dir>]`: on the hub's machine, gives the admin a new
 * generated password, prints it once and logs out every session, whether the hub runs or not.
 */
export function registerResetAdminPassword(program: Command): void {
  program
    .command("reset-admin-password")
    .description(
      "set a new generated admin password, print it once and log out every session; works while the hub runs",
    )
    .addOption(
      new Option("--data-dir <dir>", "directory of the database (default ./data); env AIIDA_HUB_DATA_DIR"),
    )
    .action(async (options: { dataDir?: string }) => {
      try {
        const dataDir = dataDirOf(options.dataDir, process.env);
        const { password, sessionsEnded } = await resetIn(dataDir);
        process.stdout.write(
          `Admin password reset. Username: admin  Password: ${password}\n` +
            `Log in with it on the hub's web page (or POST /api/auth/login); it is shown only now, and ${sessionCount(sessionsEnded)} logged out.\n`,
        );
        // The running hub cannot tell; this line on stderr is the reset's record for the log.
        createLogger("info").info("admin password reset from the command line", { dataDir, sessionsEnded });
      } catch (err) {
        process.stderr.write(`aiida-hub: ${err instanceof Error ? err.message : String(err)}\n`);
        process.exit(err instanceof ResetRefused || err instanceof ConfigError ? 2 : 1);
      }
    });
}

/** Resets the password in the database of `dataDir`, which must exist: a database is never created here. */
async function resetIn(dataDir: string): Promise<{ password: string; sessionsEnded: number }> {
  const file = join(dataDir, DATABASE_FILE);
  const missing = new ResetRefused(`no hub database in ${dataDir}: start the hub once first`);
  if (!existsSync(file)) throw missing;
  let db: ReturnType<typeof openExistingDatabase> | undefined;
  try {
    db = openExistingDatabase(file);
    if (!hasAdminTables(db)) throw missing;
    return await resetAdminPassword(new SqliteAdminStore(db));
  } catch (err) {
    if ((err as { code?: unknown }).code === "SQLITE_NOTADB")
      throw new ResetRefused(`${file} is not a SQLite database, so not the hub's; check --data-dir`);
    throw err;
  } finally {
    db?.close();
  }
}

function sessionCount(n: number): string {
  return n === 1 ? "1 session was" : `${n} sessions were`;
}
