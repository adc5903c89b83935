import type { DataSourceRole } from "../domain/data-source-role.ts";
import { exportNumber } from "../domain/export-number.ts";
import { obisByCode } from "../domain/obis-code.ts";
import { quantityHeading } from "../domain/quantity-heading.ts";
import { type CsvCell, csvRow } from "../platform/csv.ts";
import { type LocalTimes, utcText } from "../platform/local-time.ts";
import type { ExportPage, RecordStore } from "../storage/ports.ts";

/**
 * Records per page read from the reader thread: a page is ~100–200 KB of CSV, formatted in a few
 * milliseconds, so other requests on the reader thread and the event loop wait no longer than that.
 */
export const EXPORT_PAGE_RECORDS = 2000;

/** A CSV export of raw records, ready to send: its columns and text. */
export interface RecordsCsv {
  /** OBIS codes of the quantity columns, in order (after the two time columns). */
  readonly columns: readonly string[];
  /**
   * The header row, then the rows of one page per chunk. A page is read only when the consumer asks for
   * the next chunk, so a slow reader holds back the reading; ending the iteration early stops it.
   */
  readonly chunks: AsyncGenerator<string, void, undefined>;
}

/**
 * The records of a data source at `from` ≤ timestamp < `to` as CSV: local time with its UTC offset,
 * UTC time, then one column per quantity the range holds, headed with its name, unit and OBIS code.
 * Numbers carry no float noise (`exportNumber`); a record without a value for a column leaves it empty.
 */
export async function recordsCsv(
  store: RecordStore,
  source: { readonly id: string; readonly role?: DataSourceRole },
  range: { readonly from: number; readonly to: number },
  times: LocalTimes,
  pageRecords = EXPORT_PAGE_RECORDS,
): Promise<RecordsCsv> {
  const columns = await store.quantitiesIn(source.id, range.from, range.to);
  const header = [
    `Local time (${times.zone})`,
    "UTC time",
    ...columns.map((code) => {
      const obis = obisByCode(code);
      return obis ? quantityHeading(obis, source.role) : code;
    }),
  ];
  async function* chunks(): AsyncGenerator<string, void, undefined> {
    yield csvRow(header);
    let from = range.from;
    for (;;) {
      const page = await store.exportPage(source.id, { from, to: range.to, columns, limit: pageRecords });
      const count = page.timestamps.length;
      const last = page.timestamps[count - 1];
      if (last === undefined) return;
      yield pageRows(page, columns.length, times);
      if (count < pageRecords) return;
      from = last + 1; // timestamps are whole milliseconds, unique per data source
    }
  }
  return { columns, chunks: chunks() };
}

/** The CSV rows of one page. */
function pageRows(page: ExportPage, width: number, times: LocalTimes): string {
  let text = "";
  const cells: CsvCell[] = new Array(width + 2);
  for (let row = 0; row < page.timestamps.length; row++) {
    const ts = page.timestamps[row] ?? 0;
    cells[0] = times.withOffset(ts);
    cells[1] = utcText(ts);
    for (let column = 0; column < width; column++) {
      const value = page.values[row * width + column] ?? Number.NaN;
      cells[column + 2] = Number.isNaN(value) ? null : exportNumber(value);
    }
    text += csvRow(cells);
  }
  return text;
}
