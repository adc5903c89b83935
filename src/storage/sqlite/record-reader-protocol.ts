import type { AiidaRecord } from "../../domain/aiida-record.ts";
import type { QuantityEnergy } from "../../domain/energy-flow.ts";
import type { ExportPage, ExportPageQuery, FeedbackReport, RecordQuery, SeriesPoint } from "../ports.ts";

/** A request to the reader thread; `key` is the data source's integer key, resolved on the main thread. */
export type ReaderRequest =
  | { readonly id: number; readonly kind: "latest"; readonly dataSourceId: string; readonly key: number }
  | {
      readonly id: number;
      readonly kind: "query";
      readonly dataSourceId: string;
      readonly key: number;
      readonly query: RecordQuery;
    }
  | {
      readonly id: number;
      readonly kind: "series";
      readonly key: number;
      readonly from: number;
      readonly to: number;
      readonly bucketMs: number;
      readonly obis: readonly string[] | undefined;
    }
  | { readonly id: number; readonly kind: "feedback"; readonly key: number; readonly limit: number }
  | {
      readonly id: number;
      readonly kind: "quantities";
      readonly key: number;
      readonly from: number;
      readonly to: number;
    }
  | {
      readonly id: number;
      readonly kind: "exportPage";
      readonly key: number;
      readonly query: ExportPageQuery;
    }
  | {
      readonly id: number;
      readonly kind: "energy";
      readonly key: number;
      readonly edges: readonly number[];
      readonly maxGapMs: number;
    }
  | { readonly id: number; readonly kind: "close" };

/** What each kind of request answers with (structured clone carries Map and plain objects as they are). */
export interface ReaderResults {
  readonly latest: AiidaRecord | undefined;
  readonly query: AiidaRecord[];
  readonly series: Map<string, SeriesPoint[]>;
  readonly feedback: FeedbackReport[];
  readonly quantities: string[];
  readonly exportPage: ExportPage;
  readonly energy: QuantityEnergy[];
  readonly close: null;
}

/** The reader thread's answer to one request. */
export type ReaderResponse =
  | { readonly id: number; readonly ok: true; readonly result: ReaderResults[ReaderRequest["kind"]] }
  | { readonly id: number; readonly ok: false; readonly error: string; readonly code: string | undefined };

/** What the reader thread is started with. */
export interface ReaderData {
  readonly file: string;
}
