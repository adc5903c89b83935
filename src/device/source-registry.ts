import { ConfigurationError } from "./configuration-error.ts";
import { parseMapOption, parseSetOptions } from "./map-option.ts";
import type { ReadingSource } from "./meter-reading.ts";
import { createModbusSource } from "./modbus-source.ts";
import { loadProfile } from "./profile-catalogue.ts";
import type { ModbusProfile, RestProfile } from "./profile-schema.ts";
import type { PublishOptions } from "./publish-options.ts";
import { stateFilePrefix } from "./reading-queue.ts";
import { createReplaySource } from "./replay-source.ts";
import { createRestSource } from "./rest-source.ts";
import { createSimulateSource } from "./simulate-source.ts";

/** The kinds of source `publish <source>` accepts. */
export const SOURCE_KINDS = ["rest", "modbus", "simulate", "replay"] as const;
/** One of {@link SOURCE_KINDS}. */
export type SourceKind = (typeof SOURCE_KINDS)[number];

/** Built-in profile used when --profile is not given. */
export const DEFAULT_PROFILE = { rest: "amis-reader", modbus: "huawei-sun2000" } as const;

type SourceFactory = (options: PublishOptions, stateFilePrefix: string) => ReadingSource;

function restProfile(name: string): RestProfile {
  const profile = loadProfile(name);
  if (profile.source !== "rest")
    throw new ConfigurationError(`profile ${name} is for ${profile.source}, not rest`);
  return profile;
}

/** Loads a Modbus profile by name or path and refuses profiles of another kind. */
export function modbusProfile(name: string): ModbusProfile {
  const profile = loadProfile(name);
  if (profile.source !== "modbus")
    throw new ConfigurationError(`profile ${name} is for ${profile.source}, not modbus`);
  return profile;
}

function required<T>(value: T | undefined, option: string, example: string): T {
  if (value === undefined) throw new ConfigurationError(`${option} is required, e.g. ${example}`);
  return value;
}

// Exhaustive: adding a source kind without a factory is a compile error.
const factories: Record<SourceKind, SourceFactory> = {
  rest: (o) =>
    createRestSource({
      url: required(o.url, "--url", "--url http://192.168.1.50"),
      profile: restProfile(o.profile ?? DEFAULT_PROFILE.rest),
      extraFields: o.map.map(parseMapOption),
      variables: parseSetOptions(o.set),
      intervalMs: o.interval * 1000,
      timeoutMs: o.timeoutMs ?? 5000,
    }),
  modbus: (o) => {
    const profile = modbusProfile(o.profile ?? DEFAULT_PROFILE.modbus);
    return createModbusSource({
      host: required(o.host, "--host", "--host 192.168.1.10"),
      port: o.port ?? profile.port,
      unitId: o.unitId ?? profile.unitId,
      timing: {
        connectDelayMs: o.connectDelayMs ?? profile.connectDelayMs,
        requestSpacingMs: o.requestSpacingMs ?? profile.requestSpacingMs,
        timeoutMs: o.timeoutMs ?? profile.timeoutMs,
        retries: o.retries ?? profile.retries,
      },
      profile,
      intervalMs: o.interval * 1000,
    });
  },
  simulate: (o, stateFilePrefix) =>
    createSimulateSource({
      seed: o.seed ?? Math.floor(Math.random() * 2 ** 31),
      pvPeakKw: o.pvPeakKw,
      intervalMs: o.interval * 1000,
      counterFile: `${stateFilePrefix}.simulator.json`,
    }),
  replay: (o) => createReplaySource(o.file),
};

/** Builds the source a `publish <kind>` run reads from; throws ConfigurationError for bad options or profiles. */
export function createSource(
  kind: SourceKind,
  options: PublishOptions,
  stateDir: string,
  dataSourceId: string,
): ReadingSource {
  return factories[kind](options, stateFilePrefix(stateDir, dataSourceId));
}
