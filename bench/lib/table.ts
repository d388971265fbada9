/** Plain-text tables: columns padded to the widest cell, one space apart unless a column says otherwise. */

export interface Column {
  title: string;
  /** At least this wide (the title and every cell widen it further). */
  width?: number;
  align?: 'left' | 'right';
  /** Spaces before the column (default 1). */
  gap?: number;
}

/** A row: its cells, or its first cells and a free text after them (a note that does not fit the columns). */
export type Row = string[] | { cells: string[]; tail: string };

export function printTable(indent: string, columns: Column[], rows: Row[]): void {
  const cellsOf = (r: Row) => (Array.isArray(r) ? r : r.cells);
  const widths = columns.map((c, i) => Math.max(c.width ?? 0, c.title.length, ...rows.map((r) => cellsOf(r)[i]?.length ?? 0)));
  const line = (cells: string[], tail = '') => {
    const last = cells.length - 1;
    const text = cells
      .map((cell, i) => {
        const c = columns[i];
        // a line ends without trailing spaces
        const padded = c.align === 'right' ? cell.padStart(widths[i]) : cell.padEnd(widths[i]);
        return (i === 0 ? '' : ' '.repeat(c.gap ?? 1)) + (i === last && !tail ? padded.trimEnd() : padded);
      })
      .join('');
    console.log(`${indent}${text}${tail}`);
  };
  line(columns.map((c) => c.title));
  for (const r of rows) line(cellsOf(r), Array.isArray(r) ? '' : r.tail);
}
