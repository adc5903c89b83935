import { existsSync, statSync } from "node:fs";
import { dirname, join } from "node:path";
import { type Command, Option } from "commander";
import { ConfigError } from "./config/config-error.ts";
import { databaseUrl, redactedDatabaseUrl } from "./config/database-url.ts";
import { DATABASE_FILE, SECRET_KEY_FILE } from "./hub.ts";
import { openPgPool } from "./storage/postgres/pg-pool.ts";
import { ImportRefused, importSqlite } from "./storage/postgres/sqlite-import/import-sqlite.ts";

/**
 * `aiida-hub migrate --from <sqlite file> --database-url <url>`: copies a hub's SQLite database into
 * PostgreSQL, resumably, and compares the row counts of every table at the end.
 */
export function registerMigrate(program: Command): void {
  program
    .command("migrate")
    .description(
      "copy a stopped hub's SQLite database (sources, credentials, records, permissions, outbox) into PostgreSQL; run it again to resume",
    )
    .addOption(
      new Option(
        "--from <file>",
        "the hub's SQLite file, or the data directory that holds it",
      ).makeOptionMandatory(),
    )
    .addOption(
      new Option("--database-url <url>", "the PostgreSQL database to copy into; env AIIDA_HUB_DATABASE_URL"),
    )
    .action(async (options: { from: string; databaseUrl?: string }) => {
      try {
        const file = sqliteFileOf(options.from);
        const raw = options.databaseUrl ?? process.env.AIIDA_HUB_DATABASE_URL;
        if (raw === undefined || raw === "") {
          throw new ConfigError(
            "migrate needs --database-url (or AIIDA_HUB_DATABASE_URL): the PostgreSQL database to copy into.",
          );
        }
        const url = databaseUrl("--database-url")(raw);
        process.stderr.write(`Copying ${file} into ${redactedDatabaseUrl(url)}\n`);
        const pool = openPgPool(url, { max: 2, applicationName: "aiida-hub migrate" });
        try {
          const report = await importSqlite(file, pool, {
            onTable: (table, rows) => process.stderr.write(`  ${table}: ${rows} rows read\n`),
          });
          process.stdout.write("table\tsqlite\tpostgres\n");
          for (const c of report.counts) process.stdout.write(`${c.table}\t${c.sqlite}\t${c.postgres}\n`);
          if (!report.complete) {
            process.stderr.write(
              "aiida-hub: the counts differ (see above): was the hub still running? Stop it and run migrate again.\n",
            );
            process.exitCode = 1;
            return;
          }
          process.stdout.write(
            `All tables copied and counted. Start every hub instance with --database-url and a copy of ${join(dirname(file), SECRET_KEY_FILE)} in its --data-dir (it opens the sealed EDDIE secrets).\n`,
          );
        } finally {
          await pool.end();
        }
      } catch (err) {
        const message = err instanceof Error ? err.message : String(err);
        process.stderr.write(
          `aiida-hub: ${redactedIn(message, options.databaseUrl ?? process.env.AIIDA_HUB_DATABASE_URL)}\n`,
        );
        process.exitCode = err instanceof ImportRefused || err instanceof ConfigError ? 2 : 1;
      }
    });
}

/** The SQLite file `from` names: the file itself, or the data directory's database file. */
function sqliteFileOf(from: string): string {
  const file = existsSync(from) && statSync(from).isDirectory() ? join(from, DATABASE_FILE) : from;
  if (!existsSync(file))
    throw new ImportRefused(
      `no hub database at ${file}; give --from the hub's SQLite file or data directory.`,
    );
  return file;
}

/** A driver's message may quote the connection URL: never with its password. */
function redactedIn(message: string, url: string | undefined): string {
  if (url === undefined || url === "") return message;
  const password = (() => {
    try {
      return decodeURIComponent(new URL(url).password);
    } catch {
      return "";
    }
  })();
  return password === "" ? message : message.split(password).join("***");
}
