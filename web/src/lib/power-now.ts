import type { AiidaRecord } from "./types.ts";

/** The active power codes, total first, then the phases that add up to it when the total is missing. */
const IMPORT_POWER = { total: "1-0:1.7.0", phases: ["1-0:21.7.0", "1-0:41.7.0", "1-0:61.7.0"] };
const EXPORT_POWER = { total: "1-0:2.7.0", phases: ["1-0:22.7.0", "1-0:42.7.0", "1-0:62.7.0"] };

/** What a device's meter says it takes (imported) and gives (exported) right now, in kW; undefined if it does not say. */
export interface PowerNow {
  readonly imported: number | undefined;
  readonly exported: number | undefined;
}

function powerOf(record: AiidaRecord, codes: typeof IMPORT_POWER): number | undefined {
  const byTag = new Map(record.values.map((v) => [v.dataTag, v.value]));
  const total = byTag.get(codes.total);
  if (total !== undefined) return total;
  const phases = codes.phases.map((code) => byTag.get(code)).filter((v) => v !== undefined);
  return phases.length === 0 ? undefined : phases.reduce((sum, v) => sum + v, 0);
}

/** The active power of a record: its total, else the sum of its phases. */
export function powerNow(record: AiidaRecord): PowerNow {
  return { imported: powerOf(record, IMPORT_POWER), exported: powerOf(record, EXPORT_POWER) };
}

/** The OBIS codes whose plain names label imported and exported power. */
export const POWER_CODES = { imported: IMPORT_POWER.total, exported: EXPORT_POWER.total } as const;
