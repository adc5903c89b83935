/** Thrown when a pointer template names a variable that has no value. */
export class UnknownVariableError extends Error {}

function escapeToken(token: string): string {
  return token.replaceAll("~", "~0").replaceAll("/", "~1");
}

/**
 * Fills `{name}` placeholders of a JSON Pointer template, escaping each value as one reference token
 * (so a Tasmota label like "Power/L1" stays one key).
 */
export function expandPointer(template: string, variables: Readonly<Record<string, string>>): string {
  return template.replace(/\{([A-Za-z0-9_]+)\}/g, (_, name: string) => {
    const value = variables[name];
    if (value === undefined)
      throw new UnknownVariableError(`pointer ${template} uses {${name}}, which is not set`);
    return escapeToken(value);
  });
}

/** Resolves an RFC 6901 JSON Pointer ("/StatusSNS/SML/Power", "/1.7.0") in a parsed document; undefined if absent. */
export function resolvePointer(document: unknown, pointer: string): unknown {
  if (pointer === "") return document;
  let current: unknown = document;
  for (const raw of pointer.slice(1).split("/")) {
    const token = raw.replaceAll("~1", "/").replaceAll("~0", "~");
    if (Array.isArray(current)) {
      if (!/^(0|[1-9][0-9]*)$/.test(token)) return undefined;
      current = current[Number(token)];
    } else if (current !== null && typeof current === "object" && Object.hasOwn(current, token)) {
      current = (current as Record<string, unknown>)[token];
    } else {
      return undefined;
    }
  }
  return current;
}
