import { z } from "zod";
import { energyOpenApi } from "./energy-openapi.ts";
import {
  changePasswordBody,
  createDataSourceBody,
  loginBody,
  patchDataSourceBody,
  permissionDecisionBody,
  permissionsQuery,
} from "./schemas.ts";

const idParam = { name: "id", in: "path", required: true, schema: { type: "string", format: "uuid" } };
const permissionIdParam = { ...idParam, name: "permissionId" };
const json = (schema: unknown) => ({ content: { "application/json": { schema } } });
const ok = (description: string) => ({ description });
const errorResponses = {
  "400": {
    description: "Invalid request: error.details lists each problem's path and reason",
    ...json({ $ref: "#/components/schemas/Error" }),
  },
  "401": { description: "No or expired session", ...json({ $ref: "#/components/schemas/Error" }) },
  "404": { description: "Unknown id", ...json({ $ref: "#/components/schemas/Error" }) },
};
/** What every POST, PUT, PATCH and DELETE may also answer: the global cross-origin and JSON-only guard. */
const stateChangeResponses = {
  "403": {
    description: "A browser request from another origin (Origin / Sec-Fetch-Site) without a bearer token",
    ...json({ $ref: "#/components/schemas/Error" }),
  },
  "415": {
    description: "A body that is not application/json",
    ...json({ $ref: "#/components/schemas/Error" }),
  },
};
const inputSchema = (schema: z.ZodType) => z.toJSONSchema(schema, { io: "input", unrepresentable: "any" });

/** The answers of a live event stream: the stream, the usual errors, and 429 over the stream limits. */
const liveStreamResponses = {
  "200": ok("Event stream"),
  ...errorResponses,
  "429": {
    description: "Too many live streams open for this session or in total",
    ...json({ $ref: "#/components/schemas/Error" }),
  },
};

/** The OpenAPI 3.1 document of the hub's REST API. */
export function openApiDocument(version: string) {
  return withStateChangeResponses(document(version));
}

/**
 * Adds the guard's answers to every state-changing operation, as the guard applies to all of them; an
 * operation that describes a status itself keeps its own description (which then names the guard's case too).
 */
function withStateChangeResponses<D extends { paths: Record<string, Record<string, unknown>> }>(doc: D): D {
  for (const item of Object.values(doc.paths)) {
    for (const method of ["post", "put", "patch", "delete"]) {
      const operation = item[method] as { responses: Record<string, unknown> } | undefined;
      if (operation) operation.responses = { ...stateChangeResponses, ...operation.responses };
    }
  }
  return doc;
}

function document(version: string) {
  return {
    openapi: "3.1.0",
    info: {
      title: "aiida-hub API",
      version,
      description:
        "Data sources, their device credentials, and the data they publish. Log in first; send the token as a bearer.",
    },
    components: {
      securitySchemes: { bearer: { type: "http", scheme: "bearer" } },
      schemas: {
        Error: {
          type: "object",
          properties: {
            error: {
              type: "object",
              required: ["code", "message"],
              properties: {
                code: { type: "string" },
                message: { type: "string" },
                details: {
                  type: "array",
                  items: {
                    type: "object",
                    properties: { path: { type: "string" }, reason: { type: "string" } },
                  },
                },
              },
            },
          },
        },
        NewDataSource: inputSchema(createDataSourceBody),
        DataSourceChange: inputSchema(patchDataSourceBody),
        Login: inputSchema(loginBody),
        PasswordChange: inputSchema(changePasswordBody),
        AiidaCode: {
          description:
            "The AIIDA code EDDIE shows (base64 of UTF-8 JSON) as aiidaCode, or the decoded code itself",
          oneOf: [
            {
              type: "object",
              required: ["aiidaCode"],
              additionalProperties: false,
              properties: { aiidaCode: { type: "string" } },
            },
            {
              type: "object",
              required: ["eddieId", "permissionIds", "handshakeUrl", "accessToken"],
              properties: {
                eddieId: { type: "string" },
                permissionIds: { type: "array", minItems: 1, items: { type: "string", format: "uuid" } },
                handshakeUrl: {
                  type: "string",
                  description: "http(s) URL; {permissionId} is replaced by each permission id",
                },
                accessToken: { type: "string" },
              },
            },
          ],
        },
        PermissionDecision: inputSchema(permissionDecisionBody),
        ...energyOpenApi.schemas,
      },
    },
    security: [{ bearer: [] }],
    paths: {
      "/api/health": {
        get: {
          security: [],
          summary: "Health of the hub",
          responses: {
            "200": ok("UP: the hub is running and stores data"),
            "503": ok("DOWN: the hub can store nothing; `reason` says why"),
          },
        },
      },
      "/api/tls/ca-certificate": {
        get: {
          security: [],
          summary:
            "The hub's private CA certificate (PEM, application/x-pem-file), for devices to trust the MQTTS, WSS and HTTPS listeners",
          responses: {
            "200": {
              description: "CA certificate",
              content: { "application/x-pem-file": { schema: { type: "string" } } },
            },
            "404": {
              description:
                "TLS is off, or the hub serves its own certificate (--tls-cert) and has no CA of its own",
              ...json({ $ref: "#/components/schemas/Error" }),
            },
          },
        },
      },
      "/api/auth/login": {
        post: {
          security: [],
          summary: "Log in as admin; returns a bearer token and sets a session cookie",
          requestBody: json({ $ref: "#/components/schemas/Login" }),
          responses: {
            "200": ok("Token"),
            ...errorResponses,
            "429": {
              description: "Too many failed logins from this address or for this account; see Retry-After",
              ...json({ $ref: "#/components/schemas/Error" }),
            },
          },
        },
      },
      "/api/auth/logout": { post: { summary: "End the session", responses: { "204": ok("Logged out") } } },
      "/api/auth/password": {
        put: {
          summary: "Change the admin password; every other session of the user is logged out, this one stays",
          requestBody: json({ $ref: "#/components/schemas/PasswordChange" }),
          responses: {
            "204": ok("Changed"),
            "400": errorResponses["400"],
            "401": errorResponses["401"],
            "403": {
              description:
                "currentPassword is wrong (error.details names it; counts as a failed login), or a cross-origin request",
              ...json({ $ref: "#/components/schemas/Error" }),
            },
            "429": {
              description: "Too many wrong passwords from this address or for this account; see Retry-After",
              ...json({ $ref: "#/components/schemas/Error" }),
            },
          },
        },
      },
      "/api/openapi.json": {
        get: { security: [], summary: "This document", responses: { "200": ok("OpenAPI 3.1 document") } },
      },
      "/api/auth/me": {
        get: { summary: "The user the token or cookie belongs to", responses: { "200": ok("User") } },
      },
      "/api/datasources": {
        get: { summary: "All data sources with health and counts", responses: { "200": ok("List") } },
        post: {
          summary: "Create a data source; the response holds the device password, the only time it is shown",
          requestBody: json({ $ref: "#/components/schemas/NewDataSource" }),
          responses: { "201": ok("Created, with credentials"), ...errorResponses },
        },
      },
      "/api/datasources/{id}": {
        parameters: [idParam],
        get: { summary: "One data source", responses: { "200": ok("Data source"), ...errorResponses } },
        patch: {
          summary: "Change fields; disabling closes the device's connection",
          requestBody: json({ $ref: "#/components/schemas/DataSourceChange" }),
          responses: { "200": ok("Changed"), ...errorResponses },
        },
        delete: {
          summary: "Delete it, close its connection and purge its records",
          responses: { "204": ok("Deleted"), ...errorResponses },
        },
      },
      "/api/datasources/{id}/regenerate-password": {
        parameters: [idParam],
        post: {
          summary: "New device password (shown once); the old one stops working at once",
          responses: { "200": ok("Credentials"), ...errorResponses },
        },
      },
      "/api/datasources/{id}/health": {
        parameters: [idParam],
        get: {
          summary: "UP (< 90 s), WARNING (90–180 s), DOWN (> 180 s), UNKNOWN (no message yet) or DISABLED",
          responses: { "200": ok("Health"), ...errorResponses },
        },
      },
      "/api/datasources/{id}/records/latest": {
        parameters: [idParam],
        get: { summary: "Newest record", responses: { "200": ok("Record"), ...errorResponses } },
      },
      "/api/datasources/{id}/records": {
        parameters: [
          idParam,
          {
            name: "from",
            in: "query",
            schema: { type: "string" },
            description: "ISO-8601 or epoch ms (negative before 1970), inclusive",
          },
          {
            name: "to",
            in: "query",
            schema: { type: "string" },
            description: "ISO-8601 or epoch ms (negative before 1970), inclusive",
          },
          {
            name: "before",
            in: "query",
            schema: { type: "integer" },
            description: "paging cursor: nextBefore of the previous page",
          },
          {
            name: "obis",
            in: "query",
            schema: { type: "string" },
            description: "comma-separated OBIS codes",
          },
          {
            name: "limit",
            in: "query",
            schema: { type: "integer", minimum: 1, maximum: 1000, default: 100 },
          },
          {
            name: "bucket",
            in: "query",
            schema: { type: "string" },
            description: "e.g. 1m: downsampled min/avg/max/last per bucket",
          },
        ],
        get: {
          summary: "Raw records newest first, or a downsampled series with bucket",
          responses: { "200": ok("Records"), ...errorResponses },
        },
      },
      "/api/datasources/{id}/records.csv": {
        parameters: [
          idParam,
          {
            name: "from",
            in: "query",
            schema: { type: "string" },
            description:
              "Start, inclusive: an ISO-8601 instant with Z or an offset (2026-03-01T00:00:00+01:00), epoch ms, a local date-time (2026-03-01T06:00) or a date (2026-03-01: its midnight), local ones in the hub's --time-zone; read as the energy API reads it. Default: a day before to",
          },
          {
            name: "to",
            in: "query",
            schema: { type: "string" },
            description:
              "End, exclusive, in the same forms, so from=2026-03-01&to=2026-04-01 is all of March. Default: now. At most 366 days after from",
          },
        ],
        get: {
          summary:
            "Every record of the range as CSV (RFC 4180, UTF-8, CRLF, header row), streamed: local time with its UTC offset in the hub's --time-zone, UTC time, then one column per quantity the range holds, headed `Name (unit) [OBIS code]`; numbers rounded to 12 significant digits without float noise or exponent; an empty cell where a record has no value. Sent as an attachment named aiida-<source>-<first day>_<last day>.csv (whole local days) or aiida-<source>-<start>_<end>.csv (local minutes, HHMM)",
          responses: {
            "200": {
              description:
                "The CSV; a failure after the first bytes cuts the response short instead of ending it",
              content: { "text/csv": { schema: { type: "string" } } },
            },
            ...errorResponses,
            "429": {
              description: "Two exports are already streaming; Retry-After says when to try again",
              ...json({ $ref: "#/components/schemas/Error" }),
            },
          },
        },
      },
      "/api/datasources/{id}/energy": {
        parameters: [idParam],
        get: {
          ...energyOpenApi.path.get,
          responses: { ...energyOpenApi.path.get.responses, ...errorResponses },
        },
      },
      "/api/datasources/{id}/energy.csv": {
        parameters: [idParam],
        get: {
          ...energyOpenApi.csvPath.get,
          responses: { ...energyOpenApi.csvPath.get.responses, ...errorResponses },
        },
      },
      "/api/datasources/{id}/live": {
        parameters: [idParam],
        get: {
          summary:
            "Server-Sent Events: `record` for each stored record, `feedback` for each report; a last `closed` event when the hub ends a stream whose client does not read",
          responses: liveStreamResponses,
        },
      },
      "/api/live": {
        get: {
          summary:
            "Server-Sent Events of every data source: `record` for each stored record (its dataSourceId says whose), for the overview page; counts as one live stream",
          responses: liveStreamResponses,
        },
      },
      "/api/datasources/{id}/feedback": {
        parameters: [idParam],
        get: {
          summary:
            "Last 50 feedback reports sent to the device, newest first: {status, summary, problems: [{path, reason, message}], warnings: [{path, reason, message, plausibility?: {obis, value, unit, min, max}}], ignoredFields, notes, kept: {timestamp, timestampSource, values: [{type, obis, value, name, unit, text}]}} (reports stored before summary, message and warnings existed lack them)",
          responses: { "200": ok("Reports"), ...errorResponses },
        },
      },
      "/api/datasources/{id}/connections": {
        parameters: [idParam],
        get: {
          summary:
            "The data source's last 50 MQTT connection events, newest first: {dataSourceId, events: [{at, kind: connected|disconnected|refused, reason, address, clientId, protocol}]}",
          responses: { "200": ok("Connection events"), ...errorResponses },
        },
      },
      "/api/application-information": {
        get: {
          summary:
            "This hub's AIIDA id, and its TLS: {aiidaId, tls: {enabled, caCertificateUrl}} (caCertificateUrl null unless the hub's private CA issued its certificate)",
          responses: { "200": ok("AIIDA id and TLS") },
        },
      },
      "/api/permissions": {
        get: {
          summary: "The user's permissions to share data with EDDIE, newest first (AIIDA's Permission JSON)",
          parameters: [
            {
              name: "status",
              in: "query",
              schema: inputSchema(permissionsQuery.shape.status.unwrap()),
              description:
                "pending: not decided yet; active: granted and not over; complete: over (final status)",
            },
          ],
          responses: { "200": ok("Permissions"), ...errorResponses },
        },
        post: {
          summary:
            "Add the permissions of an AIIDA code: each is stored, then its details are fetched from EDDIE (retried in the background when EDDIE does not answer: see lastError)",
          requestBody: json({ $ref: "#/components/schemas/AiidaCode" }),
          responses: {
            "201": ok("The permissions added, as they are now"),
            ...errorResponses,
            "409": {
              description: "A permission of the code was added before",
              ...json({ $ref: "#/components/schemas/Error" }),
            },
          },
        },
      },
      "/api/permissions/{permissionId}": {
        parameters: [permissionIdParam],
        get: { summary: "One permission", responses: { "200": ok("Permission"), ...errorResponses } },
        patch: {
          summary:
            "ACCEPT with a data source of the data need's asset, REJECT before accepting, or REVOKE after; EDDIE is told (retried until it answers)",
          requestBody: json({ $ref: "#/components/schemas/PermissionDecision" }),
          responses: {
            "200": ok("The permission as it is now"),
            ...errorResponses,
            "409": {
              description: "The permission's status does not allow this operation",
              ...json({ $ref: "#/components/schemas/Error" }),
            },
          },
        },
        delete: {
          summary:
            "Delete a permission that was never granted (CREATED or FETCHED_DETAILS) without telling EDDIE; REJECT tells EDDIE",
          responses: {
            "204": ok("Deleted"),
            ...errorResponses,
            "409": {
              description: "The permission was granted or is over",
              ...json({ $ref: "#/components/schemas/Error" }),
            },
          },
        },
      },
      "/api/permissions/{permissionId}/data-flow": {
        parameters: [permissionIdParam],
        get: {
          summary:
            "How the permission's data flows to EDDIE: phase, EP broker connected, transmission on/off, schedule, outbox depth and cap, messages dropped by the cap and discarded at the end, last message sent per schema and the last status message",
          responses: { "200": ok("Data flow"), ...errorResponses },
        },
      },
      "/api/permissions/{permissionId}/consent-record": {
        parameters: [
          permissionIdParam,
          {
            name: "format",
            in: "query",
            schema: { type: "string", enum: ["json", "csv"], default: "json" },
            description: "csv: text/csv with a header row, one row per schema and OBIS code",
          },
        ],
        get: {
          summary:
            "What left the house under the permission: per schema and OBIS code how many values EDDIE's broker acknowledged, first and last sent, with the grant and revoke times",
          responses: {
            "200": {
              description: "Consent record",
              content: { "application/json": {}, "text/csv": { schema: { type: "string" } } },
            },
            ...errorResponses,
          },
        },
      },
      "/api/catalogue": {
        get: {
          summary:
            "Assets, roles, icons, countries, quantity types and OBIS codes; per role the plain quantity names by OBIS code",
          responses: {
            "200": ok(
              'Catalogue. roles: [{role, quantityNames: {"<OBIS code>": {flow, total, phase, text}}}] (flow is a message key such as gridImport, text the English name such as "Grid import (total)"); assetDefaultRoles: {"<asset>": role}, the role a data source created without one gets',
            ),
          },
        },
      },
    },
  };
}
