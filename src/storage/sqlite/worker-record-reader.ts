import type { AiidaRecord } from "../../domain/aiida-record.ts";
import type { QuantityEnergy } from "../../domain/energy-flow.ts";
import type {
  ExportPage,
  ExportPageQuery,
  FeedbackReport,
  RecordQuery,
  RecordStore,
  SeriesPoint,
} from "../ports.ts";
import type { DataSourceKeys } from "./data-source-keys.ts";
import type { ReaderData, ReaderRequest, ReaderResults } from "./record-reader-protocol.ts";
import { type WithoutId, WorkerChannel } from "./worker-channel.ts";

/**
 * The main thread's handle on the reader thread: every read is one message and one answer. The key
 * map stays on this thread, kept current by the data source store, and each request carries the key,
 * so a data source created a moment ago reads at once and a deleted one reads as empty.
 */
export class WorkerRecordReader implements RecordStore {
  private readonly channel: WorkerChannel<ReaderRequest>;
  /** Settles when the thread has opened the database (or failed to start). */
  readonly ready: Promise<void>;

  constructor(
    file: string,
    private readonly keys: DataSourceKeys,
  ) {
    const data: ReaderData = { file };
    this.channel = new WorkerChannel(
      new URL("./record-reader-entry.mjs", import.meta.url),
      data,
      "record reader",
    );
    this.ready = this.channel.ready;
  }

  latest(dataSourceId: string): Promise<AiidaRecord | undefined> {
    return this.read<"latest">(dataSourceId, undefined, (key) => ({ kind: "latest", dataSourceId, key }));
  }

  query(dataSourceId: string, query: RecordQuery): Promise<AiidaRecord[]> {
    return this.read<"query">(dataSourceId, [], (key) => ({ kind: "query", dataSourceId, key, query }));
  }

  series(
    dataSourceId: string,
    from: number,
    to: number,
    bucketMs: number,
    obis: readonly string[] | undefined,
  ): Promise<Map<string, SeriesPoint[]>> {
    return this.read<"series">(dataSourceId, new Map(), (key) => ({
      kind: "series",
      key,
      from,
      to,
      bucketMs,
      obis,
    }));
  }

  feedback(dataSourceId: string, limit: number): Promise<FeedbackReport[]> {
    return this.read<"feedback">(dataSourceId, [], (key) => ({ kind: "feedback", key, limit }));
  }

  quantitiesIn(dataSourceId: string, from: number, to: number): Promise<string[]> {
    return this.read<"quantities">(dataSourceId, [], (key) => ({ kind: "quantities", key, from, to }));
  }

  exportPage(dataSourceId: string, query: ExportPageQuery): Promise<ExportPage> {
    const empty = { timestamps: new Float64Array(0), values: new Float64Array(0) };
    return this.read<"exportPage">(dataSourceId, empty, (key) => ({ kind: "exportPage", key, query }));
  }

  energy(dataSourceId: string, edges: readonly number[], maxGapMs: number): Promise<QuantityEnergy[]> {
    return this.read<"energy">(dataSourceId, [], (key) => ({ kind: "energy", key, edges, maxGapMs }));
  }

  /**
   * Lets the reads already sent finish (the thread answers in order), then closes the reader's
   * connection and ends the thread; reads asked for after this are refused.
   */
  close(): Promise<void> {
    return this.channel.close({ kind: "close" });
  }

  /** Resolves the key here, where the map is kept current; an unknown id reads as `empty`. */
  private read<K extends ReaderRequest["kind"]>(
    dataSourceId: string,
    empty: ReaderResults[K],
    request: (key: number) => WithoutId<Extract<ReaderRequest, { kind: K }>>,
  ): Promise<ReaderResults[K]> {
    const refusal = this.channel.refusal;
    if (refusal) return Promise.reject(refusal);
    const key = this.keys.get(dataSourceId);
    if (key === undefined) return Promise.resolve(empty);
    return this.channel.call(request(key)) as Promise<ReaderResults[K]>;
  }
}
