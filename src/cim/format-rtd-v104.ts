import type { OutboundValue } from "../domain/outbound-record.ts";
import {
  checkDocumentInput,
  cimDateTime,
  decimalNumber,
  nationalCodingScheme,
  qualityName,
  registeredResourceId,
} from "./cim-wire-values.ts";
import type { OutboundDocumentInput } from "./outbound-document-input.ts";
import { v104TypeByObis } from "./rtd-v104-quantity-types.ts";

/** One v1.04 Quantity: a number with its type, or only a quality for a value that is not a number. */
export type V104QuantityJson =
  | { readonly quantity: number; readonly type: string; readonly quality: string }
  | { readonly quality: "NOT_AVAILABLE" };

export interface V104TimeSeriesJson {
  readonly version: "1.0";
  readonly "registeredResource.mRID": { readonly value: string; readonly codingScheme?: string };
  readonly "dateAndOrTime.dateTime": string;
  readonly Quantity: readonly V104QuantityJson[];
}

/** SMART-METER-P1-CIM-V1-04: the flat envelope, header fields as dotted top-level names. */
export interface V104EnvelopeJson {
  readonly "messageDocumentHeader.creationDateTime": string;
  readonly "messageDocumentHeader.metaInformation.connectionId": string;
  readonly "messageDocumentHeader.metaInformation.dataNeedId": string;
  readonly "messageDocumentHeader.metaInformation.documentType": "near-real-time-market-document";
  readonly "messageDocumentHeader.metaInformation.permissionId": string;
  readonly "messageDocumentHeader.metaInformation.finalCustomerId": string;
  readonly "messageDocumentHeader.metaInformation.asset": string;
  readonly "messageDocumentHeader.metaInformation.dataSourceId": string;
  readonly "messageDocumentHeader.metaInformation.region.connector": "aiida";
  readonly "messageDocumentHeader.metaInformation.region.country": string;
  readonly MarketDocument: {
    readonly mRID: string;
    readonly createdDateTime: string;
    readonly TimeSeries: readonly [V104TimeSeriesJson];
  };
}

/** v1.04 has no TEMPORARY (A07): a value that may still be replaced is the nearest thing to an estimate. */
function v104Quality(quality: string | undefined): string {
  const name = qualityName(quality);
  return name === "TEMPORARY" ? "ESTIMATED" : name;
}

function quantity(v: OutboundValue, type: number): V104QuantityJson {
  const number = decimalNumber(v.value);
  if (number === undefined) return { quality: "NOT_AVAILABLE" };
  return { quantity: number, type: String(type), quality: v104Quality(v.quality) };
}

/**
 * The CIM v1.04 document of a record: only the 11 OBIS codes v1.04 knows, in the record's order; one
 * TimeSeries. Undefined when none of the record's values is one of them (no empty document is sent).
 */
export function buildRtdV104(input: OutboundDocumentInput): V104EnvelopeJson | undefined {
  checkDocumentInput(input);
  const { record, permission, dataSource, now } = input;
  const quantities = record.values.flatMap((v) => {
    const type = v104TypeByObis(v.dataTag);
    return type === undefined ? [] : [quantity(v, type)];
  });
  if (quantities.length === 0) return undefined;
  const created = cimDateTime(now);
  const codingScheme = nationalCodingScheme(dataSource.countryCode);
  const resource = registeredResourceId(input);
  return {
    "messageDocumentHeader.creationDateTime": created,
    "messageDocumentHeader.metaInformation.connectionId": permission.connectionId,
    "messageDocumentHeader.metaInformation.dataNeedId": permission.dataNeedId,
    "messageDocumentHeader.metaInformation.documentType": "near-real-time-market-document",
    "messageDocumentHeader.metaInformation.permissionId": permission.permissionId,
    "messageDocumentHeader.metaInformation.finalCustomerId": permission.aiidaId,
    "messageDocumentHeader.metaInformation.asset": dataSource.asset,
    "messageDocumentHeader.metaInformation.dataSourceId": dataSource.id,
    "messageDocumentHeader.metaInformation.region.connector": "aiida",
    "messageDocumentHeader.metaInformation.region.country": dataSource.countryCode,
    MarketDocument: {
      mRID: input.newMrid(),
      createdDateTime: created,
      TimeSeries: [
        {
          version: "1.0",
          "registeredResource.mRID":
            codingScheme === undefined ? { value: resource } : { value: resource, codingScheme },
          "dateAndOrTime.dateTime": cimDateTime(record.timestamp),
          Quantity: quantities,
        },
      ],
    },
  };
}
