import type { OutboundValue } from "../domain/outbound-record.ts";
import { quantityTypeByObis } from "../domain/quantity-type.ts";
import {
  checkDocumentInput,
  cimDateTime,
  decimalNumber,
  nationalCodingScheme,
  qualityName,
  registeredResourceId,
} from "./cim-wire-values.ts";
import type { OutboundDocumentInput } from "./outbound-document-input.ts";

/** One v1.12 Quantity: a number with its type, or only a quality for a value that is not a number. */
export type V112QuantityJson =
  | { readonly quantity: number; readonly type: string; readonly quality: string }
  | { readonly quality: "INCOMPLETE" };

export interface V112AssetJson {
  readonly type: string;
  readonly operatorId?: string;
  readonly meterId?: string;
}

/** SMART-METER-P1-CIM-V1-12: the nested RTD envelope. */
export interface V112EnvelopeJson {
  readonly MessageDocumentHeader: {
    readonly creationDateTime: string;
    readonly MetaInformation: {
      readonly connectionId: string;
      readonly requestPermissionId: string;
      readonly dataNeedId: string;
      readonly documentType: "near-real-time-market-document";
      readonly finalCustomerId: string;
      readonly dataSourceId: string;
      readonly regionConnector: "aiida";
      readonly regionCountry: string;
      readonly Asset: V112AssetJson;
    };
  };
  readonly MarketDocument: {
    readonly mRID: string;
    readonly createdDateTime: string;
    readonly TimeSeries: readonly [
      {
        readonly version: "1.0";
        readonly "dateAndOrTime.dateTime": string;
        readonly Quantity: readonly V112QuantityJson[];
        readonly "registeredResource.mRID": { readonly value: string; readonly codingScheme?: string };
      },
    ];
  };
}

function quantity(v: OutboundValue, type: number): V112QuantityJson {
  const number = decimalNumber(v.value);
  if (number === undefined) return { quality: "INCOMPLETE" };
  return { quantity: number, type: String(type), quality: qualityName(v.quality) };
}

/** Asset of the data source; meterId and operatorId left out when unknown (no nulls on the wire). */
function asset(input: OutboundDocumentInput): V112AssetJson {
  const { asset: type, operatorId, meterId } = input.dataSource;
  return {
    type,
    ...(operatorId === null ? {} : { operatorId }),
    ...(meterId === null ? {} : { meterId }),
  };
}

/**
 * The CIM v1.12 document of a record: the OBIS codes of the 36 QuantityTypeKinds, in the record's
 * order; one TimeSeries. Undefined when none of the record's values has a v1.12 type.
 */
export function buildRtdV112(input: OutboundDocumentInput): V112EnvelopeJson | undefined {
  checkDocumentInput(input);
  const { record, permission, dataSource, now } = input;
  const quantities = record.values.flatMap((v) => {
    const type = quantityTypeByObis(v.dataTag);
    return type === undefined ? [] : [quantity(v, type.code)];
  });
  if (quantities.length === 0) return undefined;
  const created = cimDateTime(now);
  const codingScheme = nationalCodingScheme(dataSource.countryCode);
  const resource = registeredResourceId(input);
  return {
    MessageDocumentHeader: {
      creationDateTime: created,
      MetaInformation: {
        connectionId: permission.connectionId,
        requestPermissionId: permission.permissionId,
        dataNeedId: permission.dataNeedId,
        documentType: "near-real-time-market-document",
        finalCustomerId: permission.aiidaId,
        dataSourceId: dataSource.id,
        regionConnector: "aiida",
        regionCountry: dataSource.countryCode,
        Asset: asset(input),
      },
    },
    MarketDocument: {
      mRID: input.newMrid(),
      createdDateTime: created,
      TimeSeries: [
        {
          version: "1.0",
          "dateAndOrTime.dateTime": cimDateTime(record.timestamp),
          Quantity: quantities,
          "registeredResource.mRID":
            codingScheme === undefined ? { value: resource } : { value: resource, codingScheme },
        },
      ],
    },
  };
}
