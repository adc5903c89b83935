import { indexPath, memberPath } from "../cim/json-path.ts";
import { describeJson, isJsonObject, jsonTypeOf, ownField } from "../cim/json-value.ts";
import type { ProblemDetail } from "../domain/hub-error.ts";
import { isCanonicalUuid } from "../domain/uuid.ts";
import { type Checked, checked } from "./checked.ts";
import { type FieldSource, notUuid, requiredText } from "./json-fields.ts";

/** What an AIIDA code carries: EDDIE's AiidaPermissionRequestsDto. */
export interface AiidaCode {
  /** The EDDIE instance's id (sent back in every status message). */
  readonly eddieId: string;
  /** One permission per data need, each a canonical UUID, none twice. */
  readonly permissionIds: readonly string[];
  /** http(s) URL; may contain the literal `{permissionId}`, replaced by expandHandshakeUrl. */
  readonly handshakeUrl: string;
  /** Bearer token for the handshake: a secret, never to be logged. */
  readonly accessToken: string;
}

/** The literal EDDIE puts into the handshake URL where each permission id belongs. */
export const PERMISSION_ID_PLACEHOLDER = "{permissionId}";

/** A UUID put into the placeholder to check that the URL is valid once expanded. */
const SAMPLE_ID = "00000000-0000-4000-8000-000000000000";

/**
 * Reads an AIIDA code: the base64 text EDDIE shows (standard alphabet, padding optional, white space and
 * line breaks anywhere ignored) of UTF-8 JSON; or that JSON text itself; or the decoded object.
 */
export function decodeAiidaCode(input: unknown): Checked<AiidaCode> {
  if (typeof input !== "string") return checkAiidaCode(input);
  const text = input.replace(/\s+/g, "");
  if (text === "") return refuse("$", "the AIIDA code is empty");
  // '{' is not a base64 character: text starting with it is the JSON itself, pasted instead of the code.
  if (text.startsWith("{")) return parseJsonText(input);
  const bytes = decodeBase64(text);
  if (typeof bytes === "string") return refuse("$", `not base64: ${bytes}`);
  let json: string;
  try {
    json = new TextDecoder("utf-8", { fatal: true }).decode(bytes);
  } catch {
    return refuse("$", "not UTF-8: the decoded base64 is not UTF-8 text");
  }
  return parseJsonText(json);
}

function parseJsonText(json: string): Checked<AiidaCode> {
  let value: unknown;
  try {
    value = JSON.parse(json);
  } catch (error) {
    return refuse("$", `not JSON: ${(error as Error).message}`);
  }
  return checkAiidaCode(value);
}

function refuse(path: string, reason: string): Checked<AiidaCode> {
  return { ok: false, problems: [{ path, reason }] };
}

const BASE64_CHAR = /[A-Za-z0-9+/]/;

/** Decodes standard base64 without white space; a string says what is wrong. */
function decodeBase64(text: string): Uint8Array | string {
  const body = text.replace(/=+$/, "");
  const padding = text.length - body.length;
  for (let i = 0; i < body.length; i += 1) {
    const char = body[i] ?? "";
    const at = `at position ${i + 1} (white space not counted)`;
    if (char === "=") return `"=" ${at} may only pad the end`;
    if (!BASE64_CHAR.test(char)) {
      return `character ${JSON.stringify(char)} ${at} is not in the base64 alphabet (A-Z a-z 0-9 + /)`;
    }
  }
  // Every 4 base64 characters carry 3 bytes; a group of 1 character carries none.
  if (body.length % 4 === 1) return `${body.length} characters cannot be base64: one is missing or extra`;
  if (padding > 0 && (padding > 2 || (body.length + padding) % 4 !== 0)) {
    return `${padding} "=" at the end do not pad ${body.length} characters to a multiple of 4`;
  }
  return Buffer.from(body, "base64");
}

/** Checks the decoded AIIDA code: every field's problem is reported, with its JSON path. */
export function checkAiidaCode(value: unknown): Checked<AiidaCode> {
  if (!isJsonObject(value)) return refuse("$", `expected a JSON object, got ${jsonTypeOf(value)}`);
  const problems: ProblemDetail[] = [];
  const source: FieldSource = { object: value, path: "$", problems };
  const eddieId = requiredText(source, "eddieId");
  const permissionIds = readPermissionIds(ownField(value, "permissionIds"), problems);
  const handshakeUrl = requiredText(source, "handshakeUrl");
  if (handshakeUrl !== undefined) {
    const wrong = handshakeUrlProblem(handshakeUrl);
    if (wrong !== undefined) problems.push({ path: "$.handshakeUrl", reason: wrong });
  }
  const accessToken = requiredText(source, "accessToken");
  return checked(problems, () => ({
    eddieId: eddieId ?? "",
    permissionIds: permissionIds ?? [],
    handshakeUrl: handshakeUrl ?? "",
    accessToken: accessToken ?? "",
  }));
}

function readPermissionIds(value: unknown, problems: ProblemDetail[]): string[] | undefined {
  const path = memberPath("$", "permissionIds");
  if (value === undefined || value === null) {
    problems.push({ path, reason: "missing" });
    return undefined;
  }
  if (!Array.isArray(value) || value.length === 0) {
    const got = Array.isArray(value) ? "an empty array" : describeJson(value);
    problems.push({ path, reason: `expected a non-empty array of permission ids, got ${got}` });
    return undefined;
  }
  const ids: string[] = [];
  const seenAt = new Map<string, number>();
  value.forEach((id: unknown, index) => {
    const at = indexPath(path, index);
    if (!isCanonicalUuid(id)) problems.push({ path: at, reason: notUuid(id) });
    else if (seenAt.has(id)) problems.push({ path: at, reason: `repeats permissionIds[${seenAt.get(id)}]` });
    else {
      seenAt.set(id, index);
      ids.push(id);
    }
  });
  return ids;
}

/** What is wrong with a handshake URL template, or undefined. */
function handshakeUrlProblem(template: string): string | undefined {
  let url: URL;
  try {
    url = new URL(template.replaceAll(PERMISSION_ID_PLACEHOLDER, SAMPLE_ID));
  } catch {
    return `not a URL: ${describeJson(template)}`;
  }
  if (url.protocol !== "http:" && url.protocol !== "https:") {
    return `expected an http or https URL, got the scheme "${url.protocol.slice(0, -1)}"`;
  }
  return undefined;
}

/**
 * The handshake URL of one permission: the template with every `{permissionId}` replaced by the id
 * (a template without the placeholder already names its permission and is returned as it is).
 * Throws RangeError for an id that is not a canonical UUID, so no other text can reach the URL.
 */
export function expandHandshakeUrl(template: string, permissionId: string): string {
  if (!isCanonicalUuid(permissionId)) throw new RangeError(`permission id ${notUuid(permissionId)}`);
  return template.replaceAll(PERMISSION_ID_PLACEHOLDER, encodeURIComponent(permissionId));
}
