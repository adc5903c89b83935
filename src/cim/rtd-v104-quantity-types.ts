/** CIM v1.04 RTD QuantityTypeKind: the 11 values AIIDA's v1.04 formatter writes, by OBIS code (outbound only). */
const V104_TYPE_BY_OBIS: ReadonlyMap<string, number> = new Map([
  ["1-0:1.8.0", 0], // TOTALACTIVEENERGYCONSUMED_IMPORT_KWH
  ["1-0:2.8.0", 1], // TOTALACTIVEENERGYPRODUCED_EXPORT_KWH
  ["1-0:1.7.0", 2], // INSTANTANEOUSACTIVEPOWERCONSUMPTION_IMPORT__KW
  ["1-0:2.7.0", 3], // INSTANTANEOUSACTIVEPOWERGENERATION_EXPORT_KW
  ["1-0:32.7.0", 4], // INSTANTANEOUSVOLTAGE_V_ON_PHASEL1
  ["1-0:52.7.0", 5], // …L2
  ["1-0:72.7.0", 6], // …L3
  ["1-0:31.7.0", 7], // INSTANTANEOUSCURRENT_A_ON_PHASEL1
  ["1-0:51.7.0", 8], // …L2
  ["1-0:71.7.0", 9], // …L3
  ["1-0:13.7.0", 10], // POWERFACTOR
]);

/** The v1.04 QuantityTypeKind code of an OBIS code; undefined for the codes v1.04 cannot carry. */
export function v104TypeByObis(obisCode: string): number | undefined {
  return V104_TYPE_BY_OBIS.get(obisCode);
}
