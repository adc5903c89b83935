import type { OutboundSchema } from "../domain/data-need.ts";
import { buildRawRecord } from "./format-raw.ts";
import { buildRtdV104 } from "./format-rtd-v104.ts";
import { buildRtdV112 } from "./format-rtd-v112.ts";
import type { OutboundDocumentInput } from "./outbound-document-input.ts";

const BUILDERS: Readonly<Record<OutboundSchema, (input: OutboundDocumentInput) => object | undefined>> = {
  "SMART-METER-P1-RAW": buildRawRecord,
  "SMART-METER-P1-CIM-V1-04": buildRtdV104,
  "SMART-METER-P1-CIM-V1-12": buildRtdV112,
};

/**
 * The JSON text to publish for one schema, or undefined when the record has nothing that schema can
 * carry (then nothing is published for it). Throws RangeError for input no document may be made of.
 */
export function formatOutboundDocument(
  schema: OutboundSchema,
  input: OutboundDocumentInput,
): string | undefined {
  const document = BUILDERS[schema](input);
  return document === undefined ? undefined : JSON.stringify(document);
}
