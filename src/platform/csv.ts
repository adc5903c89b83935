/** One cell of a CSV row: text as it is, or nothing (an empty cell). */
export type CsvCell = string | null;

// RFC 4180: a field holding a comma, a double quote, CR or LF is quoted, its quotes doubled.
const NEEDS_QUOTES = /[",\r\n]/;

/** One CSV field per RFC 4180: quoted only when it must be; null is an empty field. */
export function csvField(cell: CsvCell): string {
  if (cell === null) return "";
  return NEEDS_QUOTES.test(cell) ? `"${cell.replaceAll('"', '""')}"` : cell;
}

/** One CSV record with its line break: fields joined by commas, ended by CRLF as RFC 4180 writes it. */
export function csvRow(cells: readonly CsvCell[]): string {
  let line = "";
  for (let i = 0; i < cells.length; i++) {
    if (i > 0) line += ",";
    line += csvField(cells[i] ?? null);
  }
  return `${line}\r\n`;
}

/** The media type of every CSV the hub sends: RFC 4180 text in UTF-8. */
export const CSV_CONTENT_TYPE = "text/csv; charset=utf-8";
