// EDDIE routes MQTT messages by cutting exactly 36 characters after `aiida/v1/`, and its JSON Schemas
// (agnostic shared.json) accept only lower-case hex: so only this spelling is a permission id.
const CANONICAL_UUID = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/;

/** True for a UUID in canonical form: 36 characters, lower-case hex, hyphens at 8-4-4-4-12. */
export function isCanonicalUuid(value: unknown): value is string {
  return typeof value === "string" && CANONICAL_UUID.test(value);
}
