import { z } from "zod";
import { COUNTRY_CODES } from "../domain/country-codes.ts";
import { ASSETS, DATA_SOURCE_TYPES, ICONS } from "../domain/data-source.ts";
import { obisByCode } from "../domain/obis-code.ts";
import { PERMISSION_STATUS_GROUPS } from "../domain/permission-status.ts";
import { isCanonicalUuid } from "../domain/uuid.ts";

const optionalText = (max: number) =>
  z
    .string()
    .trim()
    .max(max, `must be at most ${max} characters`)
    .transform((s) => (s === "" ? null : s))
    .nullable()
    .optional();

const countryCode = z
  .string()
  .transform((s) => s.trim().toUpperCase())
  .refine((s) => COUNTRY_CODES.includes(s), { message: `must be one of ${COUNTRY_CODES.join(", ")}` });

/** Body of POST /api/datasources. */
export const createDataSourceBody = z.strictObject({
  name: z.string().trim().min(1, "must not be empty").max(100, "must be at most 100 characters"),
  type: z.enum(DATA_SOURCE_TYPES),
  asset: z.enum(ASSETS),
  countryCode,
  icon: z.enum(ICONS).optional().default("ELECTRICITY"),
  meterId: optionalText(64),
  operatorId: optionalText(64),
  enabled: z.boolean().optional().default(true),
});

/** Body of PATCH /api/datasources/{id}: any subset of the changeable fields. */
export const patchDataSourceBody = z
  .strictObject({
    name: z.string().trim().min(1, "must not be empty").max(100, "must be at most 100 characters"),
    asset: z.enum(ASSETS),
    countryCode,
    icon: z.enum(ICONS),
    meterId: optionalText(64),
    operatorId: optionalText(64),
    enabled: z.boolean(),
  })
  .partial()
  .refine((p) => Object.keys(p).length > 0, { message: "send at least one field to change" });

/** Body of POST /api/auth/login. */
export const loginBody = z.strictObject({
  username: z.string().min(1, "must not be empty"),
  password: z.string().min(1, "must not be empty"),
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
