import type { TimeSeriesQuantity } from "../cim/format-time-series.ts";
import { describeJson } from "../cim/json-value.ts";
import { expandPointer, resolvePointer } from "./json-pointer.ts";
import { type MeterReading, orderedQuantities, type ReadingSource } from "./meter-reading.ts";
import { describeNetworkError } from "./network-error.ts";
import { pollReadings } from "./polling.ts";
import { ProfileError } from "./profile-catalogue.ts";
import type { RestField, RestProfile } from "./profile-schema.ts";
import { describeTarget, mapValue, numericValue } from "./value-mapping.ts";

/** What a REST source needs: the meter's address, its profile, and the user's additions to it. */
export interface RestSourceSettings {
  /** Base URL ("http://192.168.1.50", the profile's path is appended) or full URL (used as given). */
  readonly url: string;
  readonly profile: RestProfile;
  /** Fields from --map, added to the profile's. */
  readonly extraFields: readonly RestField[];
  /** Values from --set for the profile's {variables}. */
  readonly variables: Readonly<Record<string, string>>;
  readonly intervalMs: number;
  readonly timeoutMs: number;
}

/** The URL to GET: a bare base URL gets the profile's path, a URL with a path or query is used as given. */
export function requestUrl(url: string, profilePath: string): string {
  let parsed: URL;
  try {
    parsed = new URL(url);
  } catch {
    throw new ProfileError(`--url ${url} is not a URL (e.g. http://192.168.1.50)`);
  }
  if (parsed.protocol !== "http:" && parsed.protocol !== "https:") {
    throw new ProfileError(`--url ${url}: only http:// and https:// are supported`);
  }
  if (parsed.pathname === "/" && parsed.search === "") return new URL(profilePath, parsed).toString();
  return parsed.toString();
}

/** The profile's fields plus --map fields, with {variables} filled in; refuses unknown variables and no fields. */
export function resolveRestFields(
  settings: Omit<RestSourceSettings, "url" | "intervalMs" | "timeoutMs">,
): RestField[] {
  const { profile } = settings;
  for (const name of Object.keys(settings.variables)) {
    if (!Object.hasOwn(profile.variables, name)) {
      const known = Object.keys(profile.variables);
      throw new ProfileError(
        `profile ${profile.name} has no variable "${name}"${known.length > 0 ? `; it has ${known.join(", ")}` : ""}`,
      );
    }
  }
  const variables = { ...profile.variables, ...settings.variables };
  const fields = [...profile.fields, ...settings.extraFields].map((field) => {
    try {
      return { ...field, pointer: expandPointer(field.pointer, variables) };
    } catch (error) {
      throw new ProfileError(`profile ${profile.name}: ${(error as Error).message}`);
    }
  });
  if (fields.length === 0) {
    throw new ProfileError(
      `profile ${profile.name} maps no values: add --map <pointer>=<type>, e.g. --map /power=2`,
    );
  }
  return fields;
}

/** Maps one JSON answer to quantities; throws naming every required value that is missing or not a number. */
export function mapJsonAnswer(answer: unknown, fields: readonly RestField[]): TimeSeriesQuantity[] {
  const quantities: TimeSeriesQuantity[] = [];
  const missing: string[] = [];
  for (const field of fields) {
    const found = resolvePointer(answer, field.pointer);
    const raw = numericValue(found);
    if (raw !== undefined) quantities.push(...mapValue(field, raw));
    else if (!field.optional) {
      const got = found === undefined ? "" : `, got ${describeJson(found)}`;
      missing.push(`${field.pointer} (→ ${describeTarget(field.obis)})${got}`);
    }
  }
  if (missing.length > 0) throw new Error(`the meter's answer has no number at ${missing.join(", ")}`);
  return orderedQuantities(quantities);
}

/** Polls an HTTP JSON meter and maps its answer by the profile. */
export function createRestSource(settings: RestSourceSettings): ReadingSource {
  const url = requestUrl(settings.url, settings.profile.path);
  const fields = resolveRestFields(settings);

  const seconds = `${settings.timeoutMs / 1000} s`;

  async function read(): Promise<MeterReading> {
    // One deadline for the whole answer: a meter that sends its headers and then stalls is as silent as one that sends nothing.
    const deadline = AbortSignal.timeout(settings.timeoutMs);
    let response: Response;
    try {
      response = await fetch(url, { headers: { accept: "application/json" }, signal: deadline });
    } catch (error) {
      if (deadline.aborted) throw new Error(`the meter at ${url} did not answer within ${seconds}`);
      throw new Error(`cannot read the meter at ${url}: ${describeNetworkError(error)}`);
    }
    const timestamp = Date.now();
    if (!response.ok) {
      await response.body?.cancel();
      throw new Error(`the meter at ${url} answered HTTP ${response.status} ${response.statusText}`);
    }
    let answer: unknown;
    try {
      answer = await response.json();
    } catch {
      if (deadline.aborted)
        throw new Error(`the meter at ${url} did not finish its answer within ${seconds}`);
      throw new Error(`the meter at ${url} did not answer JSON`);
    }
    return { timestamp, quantities: mapJsonAnswer(answer, fields) };
  }

  return {
    description: `HTTP ${url} every ${settings.intervalMs / 1000} s (profile ${settings.profile.name})`,
    events: (signal) => pollReadings(settings.intervalMs, read, signal),
    close: async () => {},
  };
}
