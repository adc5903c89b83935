import { z } from "zod";
import { COUNTRY_CODES } from "../domain/country-codes.ts";
import { ASSETS, DATA_SOURCE_TYPES, ICONS } from "../domain/data-source.ts";
import { DATA_SOURCE_ROLES } from "../domain/data-source-role.ts";
import { checkMeteringId } from "../domain/metering-id.ts";
import { obisByCode } from "../domain/obis-code.ts";
import { PERMISSION_STATUS_GROUPS } from "../domain/permission-status.ts";
import { obisOfPlausibilityKey } from "../domain/plausibility.ts";
import { isCanonicalUuid } from "../domain/uuid.ts";
import { MIN_ADMIN_PASSWORD_LENGTH } from "../services/admin-auth.ts";

/** An optional meter or operator id: written in upper case without spaces; empty or null clears it. */
const meteringId = (what: "meter" | "operator") =>
  z
    .string()
    .nullable()
    .optional()
    .transform((raw, ctx) => {
      if (raw === undefined || raw === null || raw.trim() === "") return raw === undefined ? undefined : null;
      const checked = checkMeteringId(raw, what);
      if (checked.ok) return checked.id;
      ctx.addIssue({ code: "custom", message: checked.reason });
      return z.NEVER;
    });

const plausibleEnd = z.number().finite("must be a finite number").optional();

/** A data source's own plausible ranges: keys name a quantity, each with min and/or max. */
const plausibility = z
  .record(
    z.string(),
    z
      .strictObject({ min: plausibleEnd, max: plausibleEnd })
      .refine((r) => r.min !== undefined || r.max !== undefined, { message: "give min, max or both" })
      .refine((r) => r.min === undefined || r.max === undefined || r.min <= r.max, {
        message: "min must not be above max",
      }),
  )
  .nullable()
  .transform((entries, ctx) => {
    if (entries === null) return null;
    const byObis: Record<string, { min?: number; max?: number }> = {};
    for (const [key, range] of Object.entries(entries)) {
      const obis = obisOfPlausibilityKey(key);
      if (obis === undefined) {
        ctx.addIssue({
          code: "custom",
          path: [key],
          message:
            'must name a measured quantity: an OBIS code such as "1-0:1.7.0", a CIM quantity type such as "2" or its name',
        });
      } else if (byObis[obis.code] !== undefined) {
        ctx.addIssue({ code: "custom", path: [key], message: `names ${obis.code} a second time` });
      } else {
        // Only the ends given, so the stored JSON says exactly what differs from the defaults.
        byObis[obis.code] = {
          ...(range.min === undefined ? {} : { min: range.min }),
          ...(range.max === undefined ? {} : { max: range.max }),
        };
      }
    }
    // No ranges of its own: the defaults apply, as for a data source that never had any.
    return Object.keys(byObis).length === 0 ? null : byObis;
  });

const countryCode = z
  .string()
  .transform((s) => s.trim().toUpperCase())
  .refine((s) => COUNTRY_CODES.includes(s), { message: `must be one of ${COUNTRY_CODES.join(", ")}` });

/** A data source's role; the message lists every valid one. */
const role = z
  .enum(DATA_SOURCE_ROLES, { error: `must be one of ${DATA_SOURCE_ROLES.join(", ")}` })
  .describe("What the device measures; names its quantities (GRID_METER: 1-0:1.7.0 is Grid import)");

/** Body of POST /api/datasources. */
export const createDataSourceBody = z.strictObject({
  name: z.string().trim().min(1, "must not be empty").max(100, "must be at most 100 characters"),
  type: z.enum(DATA_SOURCE_TYPES),
  asset: z.enum(ASSETS),
  role: role
    .optional()
    .describe(
      "What the device measures; names its quantities. Without one: GRID_METER for a CONNECTION-AGREEMENT-POINT, else OTHER_CONSUMER",
    ),
  countryCode,
  icon: z.enum(ICONS).optional().default("ELECTRICITY"),
  meterId: meteringId("meter"),
  operatorId: meteringId("operator"),
  plausibility: plausibility.optional(),
  enabled: z.boolean().optional().default(true),
});

/** Body of PATCH /api/datasources/{id}: any subset of the changeable fields. */
export const patchDataSourceBody = z
  .strictObject({
    name: z.string().trim().min(1, "must not be empty").max(100, "must be at most 100 characters"),
    asset: z.enum(ASSETS),
    role,
    countryCode,
    icon: z.enum(ICONS),
    meterId: meteringId("meter"),
    operatorId: meteringId("operator"),
    plausibility,
    enabled: z.boolean(),
  })
  .partial()
  .refine((p) => Object.keys(p).length > 0, { message: "send at least one field to change" });

/** Body of POST /api/auth/login. */
export const loginBody = z.strictObject({
  username: z.string().min(1, "must not be empty"),
  password: z.string().min(1, "must not be empty"),
});

/** Longest password taken: scrypt hashes any length, but a request needs no megabyte of it. */
const MAX_PASSWORD_LENGTH = 1024;

/** Body of PUT /api/auth/password. */
export const changePasswordBody = z
  .strictObject({
    currentPassword: z.string().min(1, "must not be empty"),
    newPassword: z
      .string()
      .min(MIN_ADMIN_PASSWORD_LENGTH, `must be at least ${MIN_ADMIN_PASSWORD_LENGTH} characters long`)
      .max(MAX_PASSWORD_LENGTH, `must be at most ${MAX_PASSWORD_LENGTH} characters long`),
  })
  .refine((body) => body.newPassword !== body.currentPassword, {
    path: ["newPassword"],
    message: "must differ from the current password",
  });

// Epoch milliseconds may be negative (before 1970), as ISO dates may; Date.parse would read "-150000" as a year.
const instant = z.union([z.string(), z.number()]).transform((v, ctx) => {
  const ms = typeof v === "number" || /^-?\d+$/.test(v) ? Number(v) : Date.parse(v);
  if (!Number.isFinite(ms)) {
    ctx.addIssue({ code: "custom", message: "must be an ISO-8601 date-time or epoch milliseconds" });
    return z.NEVER;
  }
  return ms;
});

const obisList = z
  .string()
  .transform((s) =>
    s
      .split(",")
      .map((c) => c.trim())
      .filter((c) => c !== ""),
  )
  .refine((codes) => codes.every((c) => obisByCode(c) !== undefined), {
    message: "must be a comma-separated list of OBIS codes such as 1-0:1.8.0,1-0:1.7.0",
  });

const BUCKET_UNITS: Record<string, number> = { s: 1000, m: 60_000, h: 3_600_000, d: 86_400_000 };

const bucket = z.string().transform((s, ctx) => {
  const match = /^(\d+)([smhd])$/.exec(s);
  const ms = match ? Number(match[1]) * (BUCKET_UNITS[match[2] ?? ""] ?? 0) : 0;
  if (ms < 1000) {
    ctx.addIssue({ code: "custom", message: "must be a duration such as 30s, 1m, 15m, 1h or 1d" });
    return z.NEVER;
  }
  return ms;
});

/** Query of GET /api/datasources/{id}/records. */
export const recordsQuery = z.strictObject({
  from: instant.optional(),
  to: instant.optional(),
  before: instant.optional(),
  obis: obisList.optional(),
  limit: z.coerce.number().int().min(1).max(1000).optional().default(100),
  bucket: bucket.optional(),
});

/** Query of GET /api/datasources/{id}/feedback. */
export const feedbackQuery = z.strictObject({
  limit: z.coerce.number().int().min(1).max(50).optional().default(50),
});

/** Query of GET /api/permissions. */
export const permissionsQuery = z.strictObject({
  status: z.enum(PERMISSION_STATUS_GROUPS).optional(),
});

/** Body of PATCH /api/permissions/{permissionId}: AIIDA's own operations. */
export const permissionDecisionBody = z.discriminatedUnion("operation", [
  z.strictObject({
    operation: z.literal("ACCEPT"),
    dataSourceId: z.string().refine(isCanonicalUuid, { message: "must be a data source id (a UUID)" }),
  }),
  z.strictObject({ operation: z.literal("REJECT") }),
  z.strictObject({ operation: z.literal("REVOKE") }),
]);
