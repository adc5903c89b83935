import { Argument, type Command, Option } from "commander";
import { ConfigurationError } from "./configuration-error.ts";
import type { ReporterStreams } from "./console-reporter.ts";
import { runProbe } from "./probe-command.ts";
import { builtInProfileNames } from "./profile-catalogue.ts";
import { EXIT_CODES, runPublish } from "./publish-command.ts";
import { PUBLISH_DEFAULTS, parsePublishOptions, readConfigFile } from "./publish-options.ts";
import { SOURCE_KINDS, type SourceKind } from "./source-registry.ts";

const streams: ReporterStreams = { out: process.stdout, err: process.stderr };

const collect = (value: string, previous: string[] | undefined): string[] => [...(previous ?? []), value];

function option(flags: string, description: string, group: string): Option {
  return new Option(flags, description).helpGroup(group);
}

const HUB = "Hub connection:";
const QUEUE = "Queue and output:";
const READING = "Reading (rest, modbus, simulate):";
const REST = "rest source:";
const MODBUS = "modbus source (defaults come from the profile):";
const SIMULATE = "simulate source:";
const REPLAY = "replay source:";

const PUBLISH_HELP = `
Sources:
  rest      poll an HTTP JSON meter (profiles: amis-reader, tasmota-sml, generic-rest with --map)
  modbus    poll a Modbus TCP device (profile huawei-sun2000); find port and unit id with probe-modbus
  simulate  a simulated household with PV, for demos and tests
  replay    JSON lines from --file or stdin: {"timestamp": "…Z", "quantities": {"2": 0.42}} or CIM TimeSeries

Every reading is committed to an on-disk queue (--state-dir, one SQLite file per data source) and leaves it
only when the broker acknowledged it (QoS 1); after an outage the backlog goes out in order with its original
timestamps. When the queue holds --queue-limit readings, or the disk is full, the OLDEST are dropped to make
room, and the drop is reported. Ctrl-C sends what it can within --flush-timeout and keeps the rest for the next start.

With --mqtt-version 5 the hub's PUBACK says how it judged each reading: partly stored and rejected (0x99)
readings are shown with the hub's reason and leave the queue; other refusals (0x97 quota exceeded, …) keep
the reading queued and send it again later.

--broker, --username and --password are required: as options, as AIIDA_BROKER, AIIDA_USERNAME and
AIIDA_PASSWORD, or as "broker", "username" and "password" in --config (the password is best kept out of
options, which other users see in ps). Precedence: options > environment > --config file.
The default --state-dir is a per-user folder: $XDG_STATE_HOME/aiida-hub/publisher, else
~/.local/state/aiida-hub/publisher (macOS: ~/Library/Application Support/aiida-hub/publisher, Windows:
%LOCALAPPDATA%\\aiida-hub\\publisher).
Exit codes: 0 ok, 1 --once or the source's end could not send everything, 2 bad configuration,
3 broker refused the credentials (--once). Built-in profiles: ${builtInProfileNames().join(", ")}.
Docs: docs/publisher.md`;

/** Option values from the command line and environment, with --config file values where neither said anything. */
function mergedOptionValues(command: Command): Record<string, unknown> {
  const values: Record<string, unknown> = { ...command.opts() };
  const configFile = values.config;
  if (typeof configFile !== "string") return values;
  for (const [key, value] of Object.entries(readConfigFile(configFile))) {
    const source = command.getOptionValueSource(key);
    if (source === undefined || source === "default") values[key] = value;
  }
  return values;
}

/** Runs a command body with Ctrl-C handling: first press finishes gracefully, a second one exits at once. */
async function withInterrupts(body: (signal: AbortSignal) => Promise<number>): Promise<never> {
  const controller = new AbortController();
  const onSignal = () => {
    if (controller.signal.aborted) process.exit(130);
    streams.err.write(
      "stopping: sending what can be sent; press Ctrl-C again to quit now (the queue is safe)\n",
    );
    controller.abort();
  };
  process.on("SIGINT", onSignal);
  process.on("SIGTERM", onSignal);
  let code: number;
  try {
    code = await body(controller.signal);
  } catch (error) {
    const configuration = error instanceof ConfigurationError;
    // A configuration problem is the user's to fix: one sentence. Anything else is a bug: keep the stack.
    streams.err.write(
      `error: ${configuration ? error.message : ((error as Error).stack ?? String(error))}\n`,
    );
    code = configuration ? EXIT_CODES.configuration : EXIT_CODES.failed;
  } finally {
    process.off("SIGINT", onSignal);
    process.off("SIGTERM", onSignal);
  }
  // Exit explicitly: idle keep-alive sockets of fetch or Modbus must not hold a finished run open.
  process.exit(code);
}

function addPublishCommand(program: Command): void {
  program
    .command("publish")
    .description(
      "read a meter and publish its readings as CIM TimeSeries to the hub over MQTT, buffered on disk",
    )
    .addArgument(new Argument("<source>", "where readings come from").choices(SOURCE_KINDS))
    .addOption(
      option(
        "--broker <url>",
        "the hub's MQTT URL (required), e.g. mqtt://hub.local:1883: the Broker URL of the data source's credentials",
        HUB,
      ).env("AIIDA_BROKER"),
    )
    .addOption(
      option("--mqtt-version <version>", "MQTT version: 3 (3.1), 4 (3.1.1) or 5", HUB).default(
        PUBLISH_DEFAULTS.mqttVersion,
      ),
    )
    .addOption(
      option(
        "--ca <file>",
        "PEM CA certificate(s) the mqtts:// or wss:// broker's certificate must chain to",
        HUB,
      ),
    )
    .addOption(option("--username <id>", "the data source id (MQTT username)", HUB).env("AIIDA_USERNAME"))
    .addOption(option("--password <secret>", "the data source's MQTT password", HUB).env("AIIDA_PASSWORD"))
    .addOption(option("--topic <topic>", "publish topic (default: aiida/<username>/data)", HUB))
    .addOption(option("--config <file>", "JSON file of option values, keys as camelCase option names", HUB))
    .addOption(option("--mrid <value>", "registeredResource.mRID value, e.g. the metering point id", HUB))
    .addOption(option("--coding-scheme <scheme>", "registeredResource.mRID codingScheme, e.g. NAT", HUB))
    .addOption(
      option("--reconnect-max <seconds>", "cap of the reconnect back-off", HUB).default(
        PUBLISH_DEFAULTS.reconnectMax,
      ),
    )
    .addOption(
      option("--max-in-flight <n>", "unacknowledged publishes at a time", HUB).default(
        PUBLISH_DEFAULTS.maxInFlight,
      ),
    )
    .addOption(
      option(
        "--max-rate <per-second>",
        "publishes per second at most; keep under the hub's per-device limit",
        HUB,
      ).default(PUBLISH_DEFAULTS.maxRate),
    )
    .addOption(
      option(
        "--state-dir <dir>",
        "folder of the on-disk queue (made with mode 0700 when missing)",
        QUEUE,
      ).default(PUBLISH_DEFAULTS.stateDir),
    )
    .addOption(
      option(
        "--queue-limit <readings>",
        "queue size limit; when full the oldest readings are dropped",
        QUEUE,
      ).default(PUBLISH_DEFAULTS.queueLimit),
    )
    .addOption(
      option(
        "--flush-timeout <seconds>",
        "time to keep sending after the end, --once or Ctrl-C",
        QUEUE,
      ).default(PUBLISH_DEFAULTS.flushTimeout),
    )
    .addOption(
      option("--summary-interval <seconds>", "how often to print sent/failed/queued", QUEUE).default(
        PUBLISH_DEFAULTS.summaryInterval,
      ),
    )
    .addOption(option("-v, --verbose", "print each payload (stdout) and each acknowledgement", QUEUE))
    .addOption(option("--once", "read one reading, send it (after any backlog), exit", QUEUE))
    .addOption(
      option("--interval <seconds>", "time between readings", READING).default(PUBLISH_DEFAULTS.interval),
    )
    .addOption(
      option("--profile <name|file>", "device profile (rest: amis-reader, modbus: huawei-sun2000)", READING),
    )
    .addOption(option("--timeout-ms <ms>", "request timeout (rest: 5000)", READING))
    .addOption(option("--url <url>", "meter URL; a bare http://host gets the profile's path", REST))
    .addOption(
      option(
        "--map <spec>",
        "add a field: <pointer>=<OBIS|type>[,scale=n][,sign=-1][,negative=…] (repeatable)",
        REST,
      ).argParser(collect),
    )
    .addOption(
      option(
        "--set <name=value>",
        "set a profile variable, e.g. power=Power_in (repeatable)",
        REST,
      ).argParser(collect),
    )
    .addOption(option("--host <host>", "inverter or dongle address", MODBUS))
    .addOption(
      option(
        "--port <port>",
        "Modbus TCP port (Huawei: 502, or 6607 on the inverter's access point)",
        MODBUS,
      ),
    )
    .addOption(option("--unit-id <id>", "Modbus unit id (Huawei: 1, 0 or 16)", MODBUS))
    .addOption(option("--connect-delay-ms <ms>", "wait after connecting before the first request", MODBUS))
    .addOption(option("--request-spacing-ms <ms>", "least pause between requests", MODBUS))
    .addOption(option("--retries <n>", "retries of a request that timed out", MODBUS))
    .addOption(option("--seed <n>", "random seed (default: random)", SIMULATE))
    .addOption(
      option("--pv-peak-kw <kW>", "PV peak power, 0 for none", SIMULATE).default(PUBLISH_DEFAULTS.pvPeakKw),
    )
    .addOption(option("--file <path>", "JSON lines file, - for stdin", REPLAY).default(PUBLISH_DEFAULTS.file))
    .addHelpText("after", PUBLISH_HELP)
    .action(async (source: SourceKind, _options: unknown, command: Command) => {
      await withInterrupts((signal) =>
        runPublish(source, parsePublishOptions(mergedOptionValues(command)), streams, signal),
      );
    });
}

function addProbeCommand(program: Command): void {
  program
    .command("probe-modbus")
    .description("find the port and unit id at which a Modbus TCP device (e.g. a Huawei inverter) answers")
    .requiredOption("--host <host>", "inverter or dongle address")
    .option("--ports <list>", "ports to try", "502,6607")
    .option("--unit-ids <list>", "unit ids to try", "0,1,16")
    .option("--profile <name|file>", "Modbus profile whose first register is read (default: huawei-sun2000)")
    .option("--timeout-ms <ms>", "answer timeout per try", "2000")
    .option("--connect-delay-ms <ms>", "wait after connecting (default: the profile's)")
    .action(async (options: { host: string; ports: string; unitIds: string; timeoutMs: string }) => {
      await withInterrupts(() => runProbe(options, streams));
    });
}

/** Adds `publish <source>` and `probe-modbus` to a commander program (the hub's `aiida-hub` CLI). */
export function registerPublishCommands(program: Command): void {
  addPublishCommand(program);
  addProbeCommand(program);
}
