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

export async function* render<Item>(src: ReportSource<Item>, format: ReportFormat): AsyncGenerator<string> {
  if (format === 'csv') {
    yield csvLine(src.csvHeader);
    for await (const page of src.pages) {
      const lines = page.flatMap((item) => src.csvRows(item).map(csvLine));
      if (lines.length) yield lines.join('');
    }
    const tail = src.csvTail().map(csvLine).join('');
    if (tail) yield tail;
    return;
  }
  const head = JSON.stringify(src.head);
  yield `${head.slice(0, -1)}${head === '{}' ? '' : ','}"value":[`;
  let first = true;
  for await (const page of src.pages) {
    if (!page.length) continue;
    yield `${first ? '' : ','}${page.map((item) => JSON.stringify(item)).join(',')}`;
    first = false;
  }
  const tail = JSON.stringify(src.tail());
  yield `]${tail === '{}' ? '}' : `,${tail.slice(1)}`}`;
}

export const reportHeaders = (format: ReportFormat, name: string): Record<string, string> =>
  format === 'csv'
    ? { 'content-type': 'text/csv; charset=utf-8', 'content-disposition': `attachment; filename="${name}.csv"` }
    : { 'content-type': 'application/json; charset=utf-8' };
