import assert from "node:assert/strict";
import { readFileSync } from "node:fs";
import { describe, it } from "node:test";
import type { ProblemDetail } from "../../src/domain/hub-error.ts";
import { type AiidaCode, decodeAiidaCode, expandHandshakeUrl } from "../../src/sharing/aiida-code.ts";
import { fixture } from "../helpers/fixtures.ts";

const BASE64 = readFileSync(new URL("../fixtures/sharing/aiida-code.base64.txt", import.meta.url), "utf8");
const DECODED = fixture("sharing/aiida-code.decoded.json");
const PERMISSION_ID = "70744400-a059-4fc8-ab36-d68b2bb877e1";

function decoded(input: unknown): AiidaCode {
  const result = decodeAiidaCode(input);
  if (!result.ok) assert.fail(`expected a valid code, got ${JSON.stringify(result.problems)}`);
  return result.value;
}

function problems(input: unknown): readonly ProblemDetail[] {
  const result = decodeAiidaCode(input);
  if (result.ok) assert.fail("expected the code to be refused");
  return result.problems;
}

function base64(text: string | Uint8Array): string {
  return Buffer.from(text).toString("base64");
}

function codeWith(changes: Record<string, unknown>): Record<string, unknown> {
  const code: Record<string, unknown> = { ...DECODED, ...changes };
  for (const [key, value] of Object.entries(changes)) if (value === undefined) delete code[key];
  return code;
}

describe("decodeAiidaCode", () => {
  it("decodes EDDIE's base64 code into the object EDDIE encoded", () => {
    assert.deepEqual(decoded(BASE64), DECODED);
  });

  it("tolerates line breaks, spaces and missing padding, and takes the JSON text or object itself", () => {
    const wrapped = BASE64.trim().replace(/(.{60})/g, "$1\r\n  ");
    assert.deepEqual(decoded(wrapped), DECODED);
    assert.deepEqual(decoded(BASE64.trim().replace(/=+$/, "")), DECODED);
    assert.deepEqual(decoded(JSON.stringify(DECODED, null, 2)), DECODED);
    assert.deepEqual(decoded(DECODED), DECODED);
  });

  it("reads UTF-8, not Latin-1 as atob would", () => {
    assert.equal(
      decoded(base64(JSON.stringify(codeWith({ eddieId: "Grüße-EDDIE" })))).eddieId,
      "Grüße-EDDIE",
    );
  });

  it("says exactly why text is not a code", () => {
    assert.deepEqual(problems(""), [{ path: "$", reason: "the AIIDA code is empty" }]);
    assert.deepEqual(problems("eyJh-ZGRp"), [
      {
        path: "$",
        reason:
          'not base64: character "-" at position 5 (white space not counted) is not in the base64 alphabet (A-Z a-z 0-9 + /)',
      },
    ]);
    assert.deepEqual(problems("ab=c"), [
      { path: "$", reason: 'not base64: "=" at position 3 (white space not counted) may only pad the end' },
    ]);
    assert.deepEqual(problems("abcde"), [
      { path: "$", reason: "not base64: 5 characters cannot be base64: one is missing or extra" },
    ]);
    assert.deepEqual(problems("abc=="), [
      { path: "$", reason: 'not base64: 2 "=" at the end do not pad 3 characters to a multiple of 4' },
    ]);
    assert.deepEqual(problems(base64(new Uint8Array([0x7b, 0xff, 0xfe, 0x7d]))), [
      { path: "$", reason: "not UTF-8: the decoded base64 is not UTF-8 text" },
    ]);
    const notJson = problems(base64("{oops"));
    assert.equal(notJson.length, 1);
    assert.match(notJson[0]?.reason ?? "", /^not JSON: /);
    assert.deepEqual(problems(base64("[1]")), [{ path: "$", reason: "expected a JSON object, got array" }]);
    assert.deepEqual(problems(42), [{ path: "$", reason: "expected a JSON object, got number" }]);
  });

  it("lists every field problem at once, with its path", () => {
    assert.deepEqual(problems(codeWith({ handshakeUrl: undefined })), [
      { path: "$.handshakeUrl", reason: "missing" },
    ]);
    assert.deepEqual(
      problems(
        codeWith({
          eddieId: " ",
          permissionIds: [PERMISSION_ID, "not-a-uuid", PERMISSION_ID.toUpperCase(), PERMISSION_ID],
          handshakeUrl: "ftp://eddie.example/{permissionId}",
          accessToken: "",
        }),
      ),
      [
        { path: "$.eddieId", reason: 'expected a non-blank string, got string " "' },
        {
          path: "$.permissionIds[1]",
          reason: 'not a UUID in canonical form (8-4-4-4-12 lower-case hex digits), got string "not-a-uuid"',
        },
        {
          path: "$.permissionIds[2]",
          reason: `not a UUID in canonical form (8-4-4-4-12 lower-case hex digits), got string "${PERMISSION_ID.toUpperCase()}"`,
        },
        { path: "$.permissionIds[3]", reason: "repeats permissionIds[0]" },
        { path: "$.handshakeUrl", reason: 'expected an http or https URL, got the scheme "ftp"' },
        { path: "$.accessToken", reason: 'expected a non-blank string, got string ""' },
      ],
    );
    assert.deepEqual(problems(codeWith({ permissionIds: [] })), [
      { path: "$.permissionIds", reason: "expected a non-empty array of permission ids, got an empty array" },
    ]);
    assert.deepEqual(problems(codeWith({ handshakeUrl: "eddie.example/x" })), [
      { path: "$.handshakeUrl", reason: 'not a URL: string "eddie.example/x"' },
    ]);
  });

  it("never repeats the access token in a problem", () => {
    const token = "eyJ-secret-token-value";
    const refused = problems(
      codeWith({ accessToken: token, eddieId: 5, permissionIds: "x", handshakeUrl: "x" }),
    );
    assert.equal(refused.length, 3);
    assert.doesNotMatch(JSON.stringify(refused), /secret-token/);
  });
});

describe("expandHandshakeUrl", () => {
  it("puts the permission id where EDDIE's placeholder is", () => {
    assert.equal(
      expandHandshakeUrl(String(DECODED.handshakeUrl), PERMISSION_ID),
      `http://localhost:8080/region-connectors/aiida/permission-request/${PERMISSION_ID}`,
    );
    assert.equal(
      expandHandshakeUrl("https://e.example/{permissionId}?again={permissionId}", PERMISSION_ID),
      `https://e.example/${PERMISSION_ID}?again=${PERMISSION_ID}`,
    );
  });

  it("leaves a URL that already names its permission as it is", () => {
    const url = `http://localhost:8080/region-connectors/aiida/permission-request/${PERMISSION_ID}`;
    assert.equal(expandHandshakeUrl(url, PERMISSION_ID), url);
  });

  it("refuses anything but a canonical UUID, so no path can be smuggled in", () => {
    assert.throws(() => expandHandshakeUrl("https://e.example/{permissionId}", "../admin"), RangeError);
    assert.throws(() => expandHandshakeUrl("https://e.example/{permissionId}", PERMISSION_ID.toUpperCase()), {
      message: /not a UUID in canonical form/,
    });
  });
});
