import type { OutboundSchema } from "../domain/data-need.ts";
import type { OutboundValue } from "../domain/outbound-record.ts";
import { quantityTypeByObis } from "../domain/quantity-type.ts";
import { v104TypeByObis } from "./rtd-v104-quantity-types.ts";

/**
 * The OBIS codes of `values` that a document of `schema` carries, by the same rules as its builder:
 * RAW every value, CIM v1.04 its 11 quantity types, CIM v1.12 its 36. For the consent record.
 */
export function carriedDataTags(schema: OutboundSchema, values: readonly OutboundValue[]): string[] {
  const tags = values.map((v) => v.dataTag);
  switch (schema) {
    case "SMART-METER-P1-RAW":
      return tags;
    case "SMART-METER-P1-CIM-V1-04":
      return tags.filter((tag) => v104TypeByObis(tag) !== undefined);
    case "SMART-METER-P1-CIM-V1-12":
      return tags.filter((tag) => quantityTypeByObis(tag) !== undefined);
  }
}
