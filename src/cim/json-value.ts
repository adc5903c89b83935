/** A JSON object as produced by JSON.parse. */
export type JsonObject = Readonly<Record<string, unknown>>;

/** True for a JSON object (not null, not an array). */
export function isJsonObject(value: unknown): value is JsonObject {
  return typeof value === "object" && value !== null && !Array.isArray(value);
}

/** The object's own member `key`, or undefined when absent; never looks at the prototype chain. */
export function ownField(object: JsonObject, key: string): unknown {
  return Object.hasOwn(object, key) ? object[key] : undefined;
}

/** The JSON type of a parsed value: "null", "array", "object", "string", "number" or "boolean". */
export function jsonTypeOf(value: unknown): string {
  if (value === null) return "null";
  if (Array.isArray(value)) return "array";
  return typeof value;
}

const MAX_SHOWN_CHARS = 40;

/** A short description of a value for a problem message: `string "abc"`, `number 5`, `object`, `null`. */
export function describeJson(value: unknown): string {
  const type = jsonTypeOf(value);
  // Containers are named, never printed: they may be huge or nested too deep for JSON.stringify.
  if (type === "string" || type === "number" || type === "boolean") return `${type} ${showPrimitive(value)}`;
  return type;
}

/** A primitive as it would appear in JSON, with long strings cut short. */
export function showPrimitive(value: unknown): string {
  if (typeof value === "string") {
    return JSON.stringify(value.length > MAX_SHOWN_CHARS ? `${value.slice(0, MAX_SHOWN_CHARS)}…` : value);
  }
  return String(value);
}
