import { ConfigurationError } from "./configuration-error.ts";
import type { ReporterStreams } from "./console-reporter.ts";
import { type ProbeResult, probeModbus } from "./modbus-probe.ts";
import { EXIT_CODES } from "./publish-command.ts";
import { DEFAULT_PROFILE, modbusProfile } from "./source-registry.ts";

/** Options of `probe-modbus`, as given on the command line. */
export interface ProbeOptions {
  readonly host: string;
  readonly ports: string;
  readonly unitIds: string;
  readonly profile?: string;
  readonly timeoutMs: string;
  readonly connectDelayMs?: string;
}

function integerList(text: string, option: string, min: number, max: number): number[] {
  const values = text.split(",").map((part) => Number(part.trim()));
  if (values.length === 0 || values.some((v) => !Number.isInteger(v) || v < min || v > max)) {
    throw new ConfigurationError(
      `${option} ${text}: expected a comma-separated list of integers ${min}..${max}`,
    );
  }
  return values;
}

function integer(text: string, option: string): number {
  const value = Number(text);
  if (!Number.isInteger(value) || value < 0)
    throw new ConfigurationError(`${option} ${text}: expected an integer ≥ 0`);
  return value;
}

function line(result: ProbeResult): string {
  const where = `port ${String(result.port).padEnd(5)} ${result.unitId === undefined ? "" : `unit id ${result.unitId}`}`;
  const label = {
    answers: "ANSWERS",
    "no-connection": "no connection",
    "no-answer": "no answer",
    refuses: "refuses",
  }[result.outcome];
  return `  ${where.padEnd(22)} ${label}: ${result.detail}\n`;
}

/** Runs `probe-modbus`: tries each port × unit id, prints each outcome and the options to use; returns the exit code. */
export async function runProbe(options: ProbeOptions, streams: ReporterStreams): Promise<number> {
  const profile = modbusProfile(options.profile ?? DEFAULT_PROFILE.modbus);
  const field = [...profile.fields].sort((a, b) => a.address - b.address)[0];
  if (field === undefined) throw new ConfigurationError(`profile ${profile.name} has no registers to probe`);
  const ports = integerList(options.ports, "--ports", 1, 65535);
  const unitIds = integerList(options.unitIds, "--unit-ids", 0, 255);
  streams.out.write(`probing ${options.host} for ${profile.name} (reading register ${field.address})\n`);
  const results = await probeModbus(
    {
      host: options.host,
      ports,
      unitIds,
      registerKind: profile.registerKind,
      field,
      timing: {
        connectDelayMs:
          options.connectDelayMs === undefined
            ? profile.connectDelayMs
            : integer(options.connectDelayMs, "--connect-delay-ms"),
        requestSpacingMs: profile.requestSpacingMs,
        timeoutMs: integer(options.timeoutMs, "--timeout-ms"),
        retries: 0,
      },
    },
    (result) => streams.out.write(line(result)),
  );
  const answering = results.filter((r) => r.outcome === "answers");
  const first = answering[0];
  if (first === undefined) {
    streams.out.write(
      "nothing answered: check the host, that Modbus TCP is enabled on the inverter or dongle, " +
        "and that no other client holds its only connection\n",
    );
    return EXIT_CODES.failed;
  }
  streams.out.write(
    `use: aiida-hub publish modbus --host ${options.host} --port ${first.port} --unit-id ${first.unitId}` +
      (options.profile === undefined ? "" : ` --profile ${options.profile}`) +
      "\n",
  );
  return EXIT_CODES.ok;
}
