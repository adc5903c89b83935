import { join } from "node:path";
import { Command, Option } from "commander";
import { redactedDatabaseUrl } from "./config/database-url.ts";
import { ConfigError, type ConfigOverrides, loadConfig, SETTINGS } from "./config/hub-config.ts";
import { registerPublishCommands } from "./device/cli.ts";
import { registerEmqxConfig } from "./emqx/emqx-config-command.ts";
import { createHub, DATABASE_FILE, SECRET_KEY_FILE } from "./hub.ts";
import { registerMigrate } from "./migrate-command.ts";
import { createLogger } from "./platform/logger.ts";
import { registerResetAdminPassword } from "./reset-admin-password.ts";
import { backupDatabase } from "./storage/sqlite/backup.ts";
import { HUB_VERSION } from "./version.ts";

const program = new Command("aiida-hub")
  .description("In-house energy data hub, wire-compatible with EDDIE's AIIDA.")
  .version(HUB_VERSION);

const start = program.command("start").description("run the hub: HTTP API and the embedded MQTT broker");
for (const s of SETTINGS) {
  const form = "form" in s ? s.form : "value";
  const fallback = s.fallback === undefined || s.fallback === "" ? "" : ` (default ${s.fallback})`;
  const describe = `${s.describe}${fallback}; env ${s.env}`;
  if (form === "switch") start.addOption(new Option(s.flag, describe));
  else if (form === "list") {
    const option = new Option(`${s.flag} <value>`, describe);
    // Each repetition adds one; loadConfig reads the list as the environment variable's comma list.
    start.addOption(option.argParser((value: string, earlier: string[] = []) => [...earlier, value]));
  } else start.addOption(new Option(`${s.flag} <value>`, describe));
}
start.action(async (options: Record<string, string | boolean | string[] | undefined>) => {
  const logger = createLogger(process.env.AIIDA_HUB_LOG_LEVEL === "debug" ? "debug" : "info");
  const flags: ConfigOverrides = {};
  for (const s of SETTINGS) {
    const given = options[camelCase(s.flag)];
    flags[s.key] = Array.isArray(given) ? given.join(",") : given === true ? "true" : given || undefined;
  }
  let hub: ReturnType<typeof createHub> | undefined;
  try {
    const config = loadConfig(flags, process.env);
    hub = createHub(config, logger);
    const running = await hub.start();
    if (running.generatedAdminPassword) {
      process.stdout.write(
        `\nAdmin account created. Username: admin  Password: ${running.generatedAdminPassword}\n` +
          "This password is shown only now. Set AIIDA_HUB_ADMIN_PASSWORD on first start to choose your own.\n\n",
      );
    }
    logger.info("aiida-hub is running", {
      http: running.httpUrl,
      mqtt: running.mqttUrl,
      ws: running.wsUrl,
      ...(running.httpsUrl !== undefined && { https: running.httpsUrl, wss: running.wssUrl }),
      ...(running.mqttsUrl !== undefined && { mqtts: running.mqttsUrl }),
      dataDir: config.dataDir,
      // Which database, without its password.
      ...(config.databaseUrl !== undefined && { database: redactedDatabaseUrl(config.databaseUrl) }),
    });
  } catch (err) {
    await hub?.stop().catch(() => {});
    if (err instanceof ConfigError) {
      process.stderr.write(`aiida-hub: ${err.message}\n`);
      process.exit(2);
    }
    throw err;
  }
  let stopping = false;
  const shutdown = (signal: string, exitCode = 0) => {
    if (stopping) return;
    stopping = true;
    logger.info("shutting down", { signal });
    hub
      ?.stop()
      .then(() => process.exit(exitCode))
      .catch((err: unknown) => {
        logger.error("shutdown failed", { error: String(err) });
        process.exit(1);
      });
  };
  // Only a restart helps (the writer thread died): stop cleanly and exit non-zero, so that a service
  // manager (systemd Restart=on-failure) starts the hub again; devices resend what was not acknowledged.
  void hub?.failed.then(() => shutdown("failure", 1));
  process.on("SIGINT", () => shutdown("SIGINT"));
  process.on("SIGTERM", () => shutdown("SIGTERM"));
});

program
  .command("backup <file>")
  .description("write a consistent copy of the database to <file>; safe while the hub runs")
  .addOption(
    new Option("--data-dir <dir>", "directory of the database (default ./data); env AIIDA_HUB_DATA_DIR"),
  )
  .action(async (file: string, options: { dataDir?: string }) => {
    const dataDir = options.dataDir ?? process.env.AIIDA_HUB_DATA_DIR ?? "./data";
    try {
      await backupDatabase(join(dataDir, DATABASE_FILE), file);
      process.stdout.write(`Backup written to ${file}\n`);
      process.stdout.write(
        `Keep ${join(dataDir, SECRET_KEY_FILE)} with it: the EDDIE secrets in the copy open only with that key.\n`,
      );
    } catch (err) {
      process.stderr.write(`aiida-hub: ${err instanceof Error ? err.message : String(err)}\n`);
      process.exit(2);
    }
  });

function camelCase(flag: string): string {
  return flag.replace(/^--/, "").replace(/-([a-z])/g, (_, c: string) => c.toUpperCase());
}

registerPublishCommands(program);
registerResetAdminPassword(program);
registerMigrate(program);
registerEmqxConfig(program);

await program.parseAsync(process.argv);
