import type { OutboundSchema } from "../domain/data-need.ts";
import { isJsonObject, ownField } from "./json-value.ts";

/**
 * The permission id EDDIE files a received document under (it never compares it with the topic's):
 * RAW `permissionId`, v1.04 `messageDocumentHeader.metaInformation.permissionId`, v1.12
 * `MessageDocumentHeader.MetaInformation.requestPermissionId`. Undefined when the document has none.
 */
export function documentPermissionId(schema: OutboundSchema, document: unknown): string | undefined {
  if (!isJsonObject(document)) return undefined;
  let id: unknown;
  switch (schema) {
    case "SMART-METER-P1-RAW":
      id = ownField(document, "permissionId");
      break;
    case "SMART-METER-P1-CIM-V1-04":
      id = ownField(document, "messageDocumentHeader.metaInformation.permissionId");
      break;
    case "SMART-METER-P1-CIM-V1-12": {
      const header = ownField(document, "MessageDocumentHeader");
      const meta = isJsonObject(header) ? ownField(header, "MetaInformation") : undefined;
      id = isJsonObject(meta) ? ownField(meta, "requestPermissionId") : undefined;
      break;
    }
  }
  return typeof id === "string" ? id : undefined;
}
