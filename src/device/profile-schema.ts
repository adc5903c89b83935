import { z } from "zod";
import { quantityTypeByObis } from "../domain/quantity-type.ts";

const obisTarget = z.string().refine((code) => quantityTypeByObis(code) !== undefined, {
  error: (issue) =>
    `${String(issue.input)} is not an OBIS code a CIM TimeSeries can carry (see the QuantityTypeKind table)`,
});

/**
 * How one raw number becomes one or two CIM quantities; shared by every kind of profile. absolute,
 * positiveOnly and obisWhenNegative each decide what a negative value becomes: a field has at most one.
 */
const valueMapping = {
  /** OBIS code of the quantity the value is (for a split field: where positive values go). */
  obis: obisTarget,
  /** Makes the field a split: negative values go here as their magnitude, and the other side gets 0. */
  obisWhenNegative: obisTarget.optional(),
  /** Multiplier from the device's unit to the CIM unit (W → kW is 0.001). */
  scale: z.number().refine(Number.isFinite).default(1),
  /** -1 flips the device's sign convention before any split. */
  sign: z.union([z.literal(1), z.literal(-1)]).default(1),
  /** Send the magnitude (for currents that some meters sign by direction). */
  absolute: z.boolean().default(false),
  /**
   * Send negative values (after `sign`) as 0: a split whose negative side CIM has no type for, such as
   * per-phase power, where CIM carries consumption but not generation.
   */
  positiveOnly: z.boolean().default(false),
  /** A missing value is left out of the reading instead of failing it. */
  optional: z.boolean().default(false),
};

/** One JSON value of an HTTP meter's answer, located by an RFC 6901 JSON Pointer that may use {variables}. */
export const restFieldSchema = z.strictObject({
  pointer: z.string().startsWith("/", { error: 'a JSON Pointer starts with "/", e.g. "/1.7.0"' }),
  ...valueMapping,
});

/** One Modbus register (or register pair) of a device, big-endian words as Huawei and most meters use. */
export const modbusFieldSchema = z.strictObject({
  address: z.int().min(0).max(65535),
  dataType: z.enum(["uint16", "int16", "uint32", "int32"]),
  ...valueMapping,
});

const profileName = z
  .string()
  .regex(/^[a-z0-9][a-z0-9-]*$/, { error: "lower-case letters, digits and dashes" });

/** An HTTP JSON meter: which path to GET and which fields to map. */
export const restProfileSchema = z.strictObject({
  name: profileName,
  description: z.string().min(1),
  source: z.literal("rest"),
  /** Path (with query) appended to a bare --url, e.g. "/rest". */
  path: z.string().startsWith("/"),
  /** Defaults for {name} placeholders in pointers, overridable with --set name=value. */
  variables: z.record(z.string(), z.string()).default({}),
  /** May be empty for a generic profile whose fields come from --map. */
  fields: z.array(restFieldSchema),
});

/** A Modbus TCP device: connection defaults, pacing, and the registers to map. */
export const modbusProfileSchema = z.strictObject({
  name: profileName,
  description: z.string().min(1),
  source: z.literal("modbus"),
  port: z.int().min(1).max(65535),
  unitId: z.int().min(0).max(255),
  registerKind: z.enum(["holding", "input"]),
  /** Wait after connecting before the first request (Huawei drops requests that come too early). */
  connectDelayMs: z.int().min(0),
  /** Pause between two requests to the device. */
  requestSpacingMs: z.int().min(0),
  timeoutMs: z.int().min(1),
  retries: z.int().min(0),
  /** Upper bound of registers in one read request. */
  maxRegistersPerRead: z.int().min(1).max(125),
  /** Unused registers that may be read along to join two blocks into one request. */
  maxGapRegisters: z.int().min(0).default(0),
  fields: z.array(modbusFieldSchema).min(1),
});

/**
 * Why a field's ways of treating a negative value contradict each other (absolute sends its magnitude,
 * positiveOnly sends 0, obisWhenNegative sends its magnitude to another quantity); undefined when it has
 * at most one.
 */
function negativeHandlingConflict(field: {
  readonly absolute: boolean;
  readonly positiveOnly: boolean;
  readonly obisWhenNegative?: string | undefined;
}): string | undefined {
  const chosen = [
    ...(field.absolute ? ["absolute"] : []),
    ...(field.positiveOnly ? ["positiveOnly"] : []),
    ...(field.obisWhenNegative === undefined ? [] : ["obisWhenNegative"]),
  ];
  if (chosen.length < 2) return undefined;
  return (
    `${chosen.slice(0, -1).join(", ")} and ${chosen.at(-1)} each decide what a negative value becomes: use at most one of absolute ` +
    "(its magnitude), positiveOnly (0) and obisWhenNegative (its magnitude, sent as that quantity)"
  );
}

/** Any device profile; the `source` property says which kind. */
export const deviceProfileSchema = z
  .discriminatedUnion("source", [restProfileSchema, modbusProfileSchema])
  .superRefine((profile, context) => {
    const targets = new Map<string, number>();
    profile.fields.forEach((field, index) => {
      const conflict = negativeHandlingConflict(field);
      if (conflict !== undefined)
        context.addIssue({ code: "custom", path: ["fields", index], message: conflict });
      for (const obis of [field.obis, field.obisWhenNegative]) {
        if (obis === undefined) continue;
        const earlier = targets.get(obis);
        if (earlier !== undefined) {
          context.addIssue({
            code: "custom",
            path: ["fields", index],
            message: `${obis} is already the target of fields[${earlier}]`,
          });
        }
        targets.set(obis, index);
      }
    });
  });

/** How one value maps to CIM quantities (the common part of every field). */
export type ValueMapping = Pick<
  z.infer<typeof restFieldSchema>,
  "obis" | "obisWhenNegative" | "scale" | "sign" | "absolute" | "positiveOnly" | "optional"
>;
/** A validated REST field. */
export type RestField = z.infer<typeof restFieldSchema>;
/** A validated Modbus register field. */
export type ModbusField = z.infer<typeof modbusFieldSchema>;
/** A validated REST profile. */
export type RestProfile = z.infer<typeof restProfileSchema>;
/** A validated Modbus profile. */
export type ModbusProfile = z.infer<typeof modbusProfileSchema>;
/** A validated profile of any kind. */
export type DeviceProfile = RestProfile | ModbusProfile;
