/**
 * A report written out as it is read: JSON (`{ ...head, value: [...], ...tail }`) or CSV (a header line, a
 * line per row, then the totals' lines), a page of rows at a time, so a 100,000-user report never sits in
 * memory whole. CSV cells go through shared/csv.ts (quoting, and formula-injection safe).
 */
import { csvLine } from '../../csv';

export interface ReportSource<Item> {
  /** Fields before the rows (JSON). */
  head: Record<string, unknown>;
  /** The rows, a page at a time. */
  pages: AsyncIterable<Item[]>;
  /** Fields after the rows (totals: known once every row was read). */
  tail(): Record<string, unknown>;
  csvHeader: string[];
  csvRows(item: Item): unknown[][];
  /** CSV lines after the rows (the totals). */
  csvTail(): unknown[][];
}

export type ReportFormat = 'json' | 'csv';

/** CSV when the caller asks for it (`Accept: text/csv`), JSON otherwise. */
export const reportFormat = (accept: string | null): ReportFormat => (accept && /\btext\/csv\b/i.test(accept) ? 'csv' : 'json');

/**
 * Items per piece written: a piece stays well under V8's large-object size (128 KB), so it dies young in
 * the scavenged space instead of piling up in the large-object space until a full collection (with whole
 * 500-user pages as single strings the host's RSS grew by ~100 MB over a 20,000-user report before V8
 * collected them; bench/report.ts).
 */
const PIECE = 50;

function* pieces<T>(page: T[]): Generator<T[]> {
  for (let i = 0; i < page.length; i += PIECE) yield page.slice(i, i + PIECE);
}

export async function* render<Item>(src: ReportSource<Item>, format: ReportFormat): AsyncGenerator<string> {
  if (format === 'csv') {
    yield csvLine(src.csvHeader);
    for await (const page of src.pages) {
      for (const piece of pieces(page)) {
        const lines = piece.flatMap((item) => src.csvRows(item).map(csvLine));
        if (lines.length) yield lines.join('');
      }
    }
    const tail = src.csvTail().map(csvLine).join('');
    if (tail) yield tail;
    return;
  }
  const head = JSON.stringify(src.head);
  yield `${head.slice(0, -1)}${head === '{}' ? '' : ','}"value":[`;
  let first = true;
  for await (const page of src.pages) {
    for (const piece of pieces(page)) {
      yield `${first ? '' : ','}${piece.map((item) => JSON.stringify(item)).join(',')}`;
      first = false;
    }
  }
  const tail = JSON.stringify(src.tail());
  yield `]${tail === '{}' ? '}' : `,${tail.slice(1)}`}`;
}

export const reportHeaders = (format: ReportFormat, name: string): Record<string, string> =>
  format === 'csv'
    ? { 'content-type': 'text/csv; charset=utf-8', 'content-disposition': `attachment; filename="${name}.csv"` }
    : { 'content-type': 'application/json; charset=utf-8' };
