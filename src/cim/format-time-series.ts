import { quantityTypeByCode } from "../domain/quantity-type.ts";
import { qualityName } from "./cim-wire-values.ts";

/** One measured value of a TimeSeries: a CIM v1.12 QuantityTypeKind code (0..35) and the number in its unit. */
export interface TimeSeriesQuantity {
  readonly type: number;
  readonly quantity: number;
  /** CIM quality, as name ("AS_PROVIDED") or code ("A04"); written as the name. Default "AS_PROVIDED". */
  readonly quality?: string;
}

/** `registeredResource.mRID`: the resource (e.g. metering point) that measured, and the scheme of its id. */
export interface RegisteredResource {
  readonly value: string;
  readonly codingScheme?: string;
}

/** What one TimeSeries says: when it was measured, what, and optionally by which resource. */
export interface TimeSeriesInput {
  /** Measurement time in epoch milliseconds. */
  readonly timestamp: number;
  readonly quantities: readonly TimeSeriesQuantity[];
  readonly registeredResource?: RegisteredResource;
}

/** One entry of the wire `Quantity` array. */
export interface CimQuantityJson {
  readonly quantity: number;
  readonly type: string;
  readonly quality: string;
}

/** A CIM v1.12 RTD TimeSeries in the dotted spelling AIIDA's parser accepts (and nothing else). */
export interface CimTimeSeriesJson {
  readonly version: "1.0";
  readonly "registeredResource.mRID"?: { readonly value: string; readonly codingScheme?: string };
  readonly "dateAndOrTime.dateTime": string;
  readonly Quantity: readonly CimQuantityJson[];
}

function wireQuantity(q: TimeSeriesQuantity): CimQuantityJson {
  if (quantityTypeByCode(q.type) === undefined) {
    throw new RangeError(`quantity type ${q.type} is not a CIM v1.12 QuantityTypeKind (0..35)`);
  }
  if (!Number.isFinite(q.quantity)) throw new RangeError(`quantity of type ${q.type} is not a finite number`);
  // AIIDA's enum parser wants the type as a string; -0 would print as "0" anyway but keep the value clean.
  return {
    quantity: q.quantity === 0 ? 0 : q.quantity,
    type: String(q.type),
    quality: qualityName(q.quality),
  };
}

/**
 * Builds the TimeSeries object a device publishes to `aiida/<id>/data`: dotted property names,
 * type as a string, the measurement time in UTC with millisecond precision and a `Z`, no extra fields.
 * Throws RangeError for an invalid time, an empty or duplicated quantity list, an unknown type or quality.
 */
export function buildTimeSeries(input: TimeSeriesInput): CimTimeSeriesJson {
  if (!Number.isFinite(input.timestamp)) throw new RangeError("timestamp is not a valid time");
  const dateTime = new Date(input.timestamp).toISOString();
  if (input.quantities.length === 0) throw new RangeError("a TimeSeries needs at least one quantity");
  const seen = new Set<number>();
  for (const q of input.quantities) {
    if (seen.has(q.type)) throw new RangeError(`quantity type ${q.type} appears twice`);
    seen.add(q.type);
  }
  const quantities = input.quantities.map(wireQuantity);
  const resource = input.registeredResource;
  if (resource === undefined) {
    return { version: "1.0", "dateAndOrTime.dateTime": dateTime, Quantity: quantities };
  }
  const mrid =
    resource.codingScheme === undefined
      ? { value: resource.value }
      : { value: resource.value, codingScheme: resource.codingScheme };
  return {
    version: "1.0",
    "registeredResource.mRID": mrid,
    "dateAndOrTime.dateTime": dateTime,
    Quantity: quantities,
  };
}

/** {@link buildTimeSeries} serialised as compact JSON, ready to publish. */
export function formatTimeSeries(input: TimeSeriesInput): string {
  return JSON.stringify(buildTimeSeries(input));
}
