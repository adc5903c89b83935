import { QUANTITY_TYPES } from "../domain/quantity-type.ts";

/**
 * CIM v1.04 RTD QuantityTypeKind: the 11 values AIIDA's v1.04 formatter writes, by OBIS code (outbound only).
 * They are v1.12's first 11 (codes 0..10) with the same codes and OBIS codes, only spelt otherwise
 * (TOTALACTIVEENERGYCONSUMED_IMPORT_KWH … POWERFACTOR).
 */
const V104_TYPE_BY_OBIS: ReadonlyMap<string, number> = new Map(
  QUANTITY_TYPES.filter((type) => type.code <= 10).map((type) => [type.obis.code, type.code]),
);

/** The v1.04 QuantityTypeKind code of an OBIS code; undefined for the codes v1.04 cannot carry. */
export function v104TypeByObis(obisCode: string): number | undefined {
  return V104_TYPE_BY_OBIS.get(obisCode);
}
