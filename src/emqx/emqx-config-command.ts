import { type Command, Option } from "commander";
import { emqxConfigSnippet } from "./emqx-config.ts";
import { DatabaseUrlError, parsePostgresUrl } from "./postgres-server.ts";

/**
 * `aiida-hub emqx-config --database-url <url>`: prints the EMQX 5 configuration that reads device
 * credentials and ACLs from the hub's PostgreSQL database. The URL's password is never printed.
 */
export function registerEmqxConfig(program: Command): void {
  program
    .command("emqx-config")
    .description("print the EMQX 5 settings (emqx.conf) that check devices against the hub's PostgreSQL")
    .addOption(
      new Option(
        "--database-url <url>",
        "the hub's database as EMQX reaches it, postgres://user@host:port/database; env AIIDA_HUB_DATABASE_URL",
      ),
    )
    .action((options: { databaseUrl?: string }) => {
      const url = options.databaseUrl ?? process.env.AIIDA_HUB_DATABASE_URL;
      try {
        if (url === undefined || url === "") throw new DatabaseUrlError("give --database-url <url>");
        const db = parsePostgresUrl(url);
        process.stdout.write(emqxConfigSnippet(db));
        if (db.hadPassword)
          process.stderr.write(
            "aiida-hub: the URL's password was left out; give it to EMQX as the snippet says\n",
          );
      } catch (err) {
        if (!(err instanceof DatabaseUrlError)) throw err;
        process.stderr.write(`aiida-hub: ${err.message}\n`);
        process.exit(2);
      }
    });
}
