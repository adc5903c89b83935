import { QUALITIES } from "../domain/quantity-type.ts";
import { isCanonicalUuid } from "../domain/uuid.ts";
import { isDecimalText } from "./decimal-text.ts";
import type { OutboundDocumentInput } from "./outbound-document-input.ts";

/** CIM date-time as AIIDA writes it (CimDateTimeAdapter): UTC, truncated to whole seconds, with Z. */
export function cimDateTime(epochMs: number): string {
  if (!Number.isFinite(epochMs)) throw new RangeError(`${epochMs} is not a valid time`);
  return `${new Date(Math.floor(epochMs / 1000) * 1000).toISOString().slice(0, 19)}Z`;
}

/** National entries of CIM's StandardCodingSchemeTypeList ("N" + country code); v1.04 is taken to list the same. */
const NATIONAL_CODING_SCHEMES = new Set(
  (
    "NAD NAL NAM NAT NAZ NBA NBE NBG NCH NCS NCY NCZ NDE NDK NEE NES NFI NFR NGB NGE NGI NGR NHR NHU NIE " +
    "NIT NKG NKZ NLI NLT NLU NLV NMA NMD NMK NNL NNN NNO NPL NPT NRO NRU NSE NSI NSK NTR NUA"
  ).split(" "),
);

/** `registeredResource.mRID.codingScheme` for a country: "N" + code when CIM lists it (not Malta, not Iceland), else undefined. */
export function nationalCodingScheme(countryCode: string): string | undefined {
  const scheme = `N${countryCode.toUpperCase()}`;
  return NATIONAL_CODING_SCHEMES.has(scheme) ? scheme : undefined;
}

/** A value's text as a JSON number; undefined when it is not a decimal (e.g. a device id) or too large for one. */
export function decimalNumber(text: string): number | undefined {
  if (!isDecimalText(text)) return undefined;
  const value = Number(text);
  if (!Number.isFinite(value)) return undefined;
  return value === 0 ? 0 : value; // no -0 on the wire
}

const QUALITY_NAME_BY_CODE_OR_NAME: ReadonlyMap<string, string> = new Map(
  QUALITIES.flatMap((q) => [
    [q.code, q.name],
    [q.name, q.name],
  ]),
);

/** The StandardQualityTypeList name of a quality given by name or code ("A04" → "AS_PROVIDED"); undefined for neither. */
export function qualityNameOf(nameOrCode: string): string | undefined {
  return QUALITY_NAME_BY_CODE_OR_NAME.get(nameOrCode);
}

/** The quality name to write for a value (AIIDA writes names); AS_PROVIDED when none is given. */
export function qualityName(quality: string | undefined): string {
  if (quality === undefined) return "AS_PROVIDED";
  const name = qualityNameOf(quality);
  if (name === undefined)
    throw new RangeError(`quality "${quality}" is not a CIM StandardQualityTypeList entry`);
  return name;
}

/** The OBIS code whose value names the measuring device (DEVICE_ID_1). */
const DEVICE_ID_OBIS = "0-0:96.1.0";

/** `registeredResource.mRID.value`: the record's device id value when it has one, else the data source id. */
export function registeredResourceId(input: OutboundDocumentInput): string {
  const device = input.record.values.find((v) => v.dataTag === DEVICE_ID_OBIS && v.value.trim() !== "");
  return device?.value ?? input.dataSource.id;
}

/** Refuses input that would produce a document EDDIE files under the wrong permission or data source. */
export function checkDocumentInput(input: OutboundDocumentInput): void {
  if (!isCanonicalUuid(input.permission.permissionId)) {
    throw new RangeError(`permission id "${input.permission.permissionId}" is not a canonical UUID`);
  }
  if (input.record.dataSourceId !== input.dataSource.id) {
    throw new RangeError(
      `the record is of data source ${input.record.dataSourceId}, not of ${input.dataSource.id}`,
    );
  }
}
