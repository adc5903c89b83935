import { quantityTypeByCode, quantityTypeByObis } from "../domain/quantity-type.ts";
import { ConfigurationError } from "./configuration-error.ts";
import type { RestField } from "./profile-schema.ts";

/** Thrown for a --map or --set value that does not parse; the message shows the expected form. */
export class MapOptionError extends ConfigurationError {}

const MAP_FORM =
  "<JSON pointer>=<OBIS code or CIM type>[,scale=<n>][,sign=-1][,negative=<target>][,absolute][,optional]";

/** An OBIS code ("1-0:1.7.0") or a CIM QuantityTypeKind code ("2") → the OBIS code. */
function parseTarget(text: string, spec: string): string {
  if (/^[0-9]+$/.test(text)) {
    const type = quantityTypeByCode(Number(text));
    if (type === undefined)
      throw new MapOptionError(`--map ${spec}: CIM type ${text} does not exist (0..35)`);
    return type.obis.code;
  }
  if (quantityTypeByObis(text) === undefined) {
    throw new MapOptionError(`--map ${spec}: ${text} is not an OBIS code a CIM TimeSeries can carry`);
  }
  return text;
}

function parseScale(text: string, spec: string): number {
  const scale = Number(text);
  if (text.trim() === "" || !Number.isFinite(scale))
    throw new MapOptionError(`--map ${spec}: scale ${text} is not a number`);
  return scale;
}

/**
 * Parses one --map value into a REST field, e.g. `/ENERGY/Power=2,scale=0.001` or
 * `/P=1-0:1.7.0,negative=1-0:2.7.0,scale=0.001` (a split: negative values are export).
 */
export function parseMapOption(spec: string): RestField {
  const equals = spec.indexOf("=");
  if (equals <= 0) throw new MapOptionError(`--map ${spec}: expected ${MAP_FORM}`);
  const pointer = spec.slice(0, equals);
  if (!pointer.startsWith("/")) throw new MapOptionError(`--map ${spec}: a JSON pointer starts with "/"`);
  const [targetText = "", ...modifiers] = spec.slice(equals + 1).split(",");
  const field: { -readonly [K in keyof RestField]: RestField[K] } = {
    pointer,
    obis: parseTarget(targetText.trim(), spec),
    scale: 1,
    sign: 1,
    absolute: false,
    positiveOnly: false,
    optional: false,
  };
  for (const modifier of modifiers) {
    const [key = "", value] = modifier.split("=", 2).map((part) => part.trim());
    if (key === "scale" && value !== undefined) field.scale = parseScale(value, spec);
    else if (key === "sign" && (value === "-1" || value === "1")) field.sign = value === "-1" ? -1 : 1;
    else if (key === "negative" && value !== undefined) field.obisWhenNegative = parseTarget(value, spec);
    else if (key === "absolute" && value === undefined) field.absolute = true;
    else if (key === "optional" && value === undefined) field.optional = true;
    else throw new MapOptionError(`--map ${spec}: unknown modifier "${modifier}"; expected ${MAP_FORM}`);
  }
  if (field.absolute && field.obisWhenNegative !== undefined) {
    throw new MapOptionError(
      `--map ${spec}: negative= sends a negative value's magnitude to another quantity, absolute sends it here: use one`,
    );
  }
  return field;
}

/** Parses --set name=value pairs into profile variables. */
export function parseSetOptions(specs: readonly string[]): Record<string, string> {
  const variables: Record<string, string> = {};
  for (const spec of specs) {
    const equals = spec.indexOf("=");
    const name = spec.slice(0, equals);
    if (equals <= 0 || !/^[A-Za-z0-9_]+$/.test(name)) {
      throw new MapOptionError(`--set ${spec}: expected <variable>=<value>, e.g. --set power=Power_in`);
    }
    variables[name] = spec.slice(equals + 1);
  }
  return variables;
}
