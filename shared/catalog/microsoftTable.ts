/**
 * Microsoft's table "Product names and service plan identifiers for licensing.csv", read as Microsoft
 * publishes it (https://learn.microsoft.com/entra/identity/users/licensing-service-plan-reference): one row
 * per product and service plan, columns Product_Display_Name, String_Id (the part number), GUID (the
 * product's skuId), Service_Plan_Name, Service_Plan_Id, Service_Plans_Included_Friendly_Names.
 *
 * Pure and streaming: bytes in (tableText.ts decodes them), products and plans out; nothing is held but the
 * products, the plans and one key per distinct row. The real file is messy, and is taken whole; how each
 * quirk is read (each tidy-up is reported in `notes`, with a count and a few examples):
 *
 * - Encoding: UTF-8 with or without BOM; Windows-1252 for older editions (note `windows1252`). See tableText.ts.
 * - Header: matched by name, whatever the order, case, spaces and underscores (older editions spell
 *   `String_ Id`: note `headerSpelling`); other columns are ignored (note `extraColumns`). Cells separated by
 *   `;` or tab, as Excel saves CSV in some locales, are read too (note `delimiter`).
 * - Cells: spaces around a cell are trimmed, wherever they are (the real file has part numbers and GUIDs
 *   with a trailing space: note `spacesTrimmed`); inside a cell any run of white space (tabs, no-break
 *   spaces) becomes one space (note `whitespaceInside`). Ids are lower-cased (note `idsLowerCased`).
 * - Rows: blank rows are skipped (note `blankRows`); rows that are the same once tidied are one row (note
 *   `duplicateRows`). A row count, `rows`, counts every data row read, duplicates included.
 * - Products: the GUID is the product's identity. One part number under two GUIDs is two products (note
 *   `partNumberUnderSeveralProducts`); one display name under several GUIDs is normal (note
 *   `displayNameShared`, for information). A product whose rows disagree on its name or part number takes
 *   the one most of its rows give, the first in the file on a tie (notes `productNameVaries`,
 *   `partNumberVaries`). Products come in the order of the file.
 * - Plans: the Service_Plan_Id is the plan's identity, one plan whatever product it is in. Under several
 *   Service_Plan_Names or friendly names, the plan takes the one most rows give it, the first in the file on a
 *   tie (notes `planNameVaries`, `planFriendlyNameVaries`, each naming what was kept). A row without a
 *   friendly name gives the plan name instead (note `friendlyNameMissing`). A product's plans come in the
 *   order of its rows, each once (note `planRepeatedInProduct` when a plan is listed twice in one product).
 * - Clouds: a part number with a US Government marker (`_GOV`, `_GCC`, `USGOV_GCCHIGH`, `_DOD`) is sold in
 *   AzureUSGovernment, any other in AzureCloud (cloudsOfPartNumber).
 *
 * Refused with ApiError 400 `invalidCatalogFile` (message: what is wrong, on which line, and the way out;
 * target: the column, the line, or `body`): an empty file, a binary file or workbook, a header without
 * Microsoft's six columns, a row with more or fewer cells than the header, a quoted cell never closed, a
 * row longer than MAX_TABLE_RECORD_CHARS, a GUID or Service_Plan_Id that is not a GUID, an empty
 * Product_Display_Name, String_Id or Service_Plan_Name, a header with no rows (no products), more than
 * MAX_TABLE_ROWS rows; with 413 `requestTooLarge`: more than MAX_TABLE_BYTES.
 */
import { Readable, pipeline } from 'node:stream';
import { CsvError, Info, parse } from 'csv-parse';
import { ApiError } from '../errors';
import type { Cloud } from './clouds';
import { Notes, Row, shown, TableBuilder } from './tableBuilder';
import { invalidFile, MAX_TABLE_BYTES, MICROSOFT_TABLE_PAGE, TableTextDecoder, tableText } from './tableText';

export { CLOUDS, type Cloud, cloudsOfPartNumber } from './clouds';
export { MAX_NOTE_EXAMPLES } from './tableBuilder';
export { INVALID_CATALOG_FILE, MAX_TABLE_BYTES, MICROSOFT_TABLE_PAGE } from './tableText';

export interface TablePlan {
  servicePlanId: string;
  servicePlanName: string;
  displayName: string;
}

export interface TableProduct {
  skuId: string;
  skuPartNumber: string;
  displayName: string;
  servicePlans: TablePlan[];
  clouds: Cloud[];
}

/** What was tidied while reading (duplicate rows, trimmed part numbers, which name a plan kept, ...): count and a few examples. */
export interface TableNote {
  code: string;
  message: string;
  count: number;
  examples: string[];
}

export interface MicrosoftTable {
  products: TableProduct[];
  /** Every plan once, in the order the file first names it. */
  servicePlans: TablePlan[];
  /** Data rows read (the header and blank rows not counted, duplicate rows counted). */
  rows: number;
  notes: TableNote[];
}

/** Rows: Microsoft's table has about 5,500 (December 2025); ten times that is not a product table. */
export const MAX_TABLE_ROWS = 50_000;
/** The limits a read stops at; the defaults are the constants above (smaller ones are for tests). */
export interface TableLimits {
  maxBytes: number;
  maxRows: number;
}
/** Characters in one row: the real file's longest is under 300. Also stops a quote left open from swallowing the file. */
export const MAX_TABLE_RECORD_CHARS = 4096;

const COLUMNS = ['Product_Display_Name', 'String_Id', 'GUID', 'Service_Plan_Name', 'Service_Plan_Id', 'Service_Plans_Included_Friendly_Names'] as const;
type Column = (typeof COLUMNS)[number];
const columnKey = (name: string) => name.replace(/[\s_\-\uFEFF]/g, '').toLowerCase();
const COLUMN_BY_KEY = new Map<string, Column>(COLUMNS.map((c) => [columnKey(c), c]));
const DELIMITERS = [',', ';', '\t'] as const;
const GUID = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/i;

/** The header's columns: where each of Microsoft's six is, or a refusal naming the missing ones. */
function readHeader(record: string[], notes: Notes): Map<Column, number> {
  const at = new Map<Column, number>();
  const extra: string[] = [];
  record.forEach((name, i) => {
    const column = COLUMN_BY_KEY.get(columnKey(name));
    if (!column) {
      if (name.trim()) extra.push(name.trim());
      return;
    }
    if (at.has(column))
      throw invalidFile(`The header (line 1) has the column ${column} twice. Keep Microsoft's six columns once each: ${COLUMNS.join(', ')}.`, column);
    at.set(column, i);
    const spelled = name.replace(/^\uFEFF/, '').trim();
    if (spelled !== column)
      notes.add('headerSpelling', "Header names spelled differently from today's edition were matched to its columns.", `${shown(spelled)} read as ${column}`);
  });
  const missing = COLUMNS.filter((c) => !at.has(c));
  if (missing.length)
    throw invalidFile(
      `This is not Microsoft's table "Product names and service plan identifiers for licensing.csv": its header (line 1) lacks ${missing.join(', ')} (it has ${record.map((h) => shown(h.trim())).join(', ') || 'nothing'}). Download the table from ${MICROSOFT_TABLE_PAGE} and upload it unchanged; it has the columns ${COLUMNS.join(', ')}.`,
      missing[0],
    );
  if (extra.length) notes.add('extraColumns', "Columns that are not Microsoft's were ignored.", extra.join(', '));
  return at;
}

/** The separator the header line uses: the one that splits it into the most of Microsoft's columns (a comma when none does). */
function delimiterOf(firstLine: string): string {
  let best: string = ',';
  let found = 0;
  for (const d of DELIMITERS) {
    const n = firstLine.split(d).filter((h) => COLUMN_BY_KEY.has(columnKey(h.replace(/"/g, '')))).length;
    if (n > found) [best, found] = [d, n];
  }
  return best;
}

/** One cell, tidied: spaces around it trimmed, white space inside it one space; each tidy-up noted. */
function tidy(value: string, column: Column, line: number, notes: Notes): string {
  const trimmed = value.trim();
  if (trimmed !== value)
    notes.add(
      'spacesTrimmed',
      'Spaces around cells were trimmed (the real table has part numbers and GUIDs with a trailing space).',
      `line ${line}, ${column}: ${shown(value)}`,
    );
  const single = trimmed.replace(/\s+/g, ' ');
  if (single !== trimmed)
    notes.add(
      'whitespaceInside',
      'Tabs, no-break spaces and repeated spaces inside a cell were read as one space.',
      `line ${line}, ${column}: ${shown(trimmed)}`,
    );
  return single;
}

function guidCell(value: string, column: 'GUID' | 'Service_Plan_Id', line: number, notes: Notes): string {
  if (!GUID.test(value)) {
    const what = column === 'GUID' ? "the product's id (skuId)" : "the service plan's id";
    throw invalidFile(
      `Line ${line}: ${column} ${value ? `${shown(value)} is not a GUID` : 'is empty'}; it must be ${what}, a GUID such as 6fd2c87f-b296-42f0-b197-1e91e994b900. Fix the row, or download Microsoft's table again from ${MICROSOFT_TABLE_PAGE}; nothing was imported.`,
      column,
    );
  }
  const lower = value.toLowerCase();
  if (lower !== value) notes.add('idsLowerCased', 'GUIDs written in upper case were read in lower case.', `line ${line}, ${column}: ${value}`);
  return lower;
}

function readRow(record: string[], at: Map<Column, number>, line: number, notes: Notes): Row {
  const cell = (c: Column) => tidy(record[at.get(c)!] ?? '', c, line, notes);
  const required = (c: Column) => {
    const v = cell(c);
    if (!v)
      throw invalidFile(
        `Line ${line}: ${c} is empty. Every row of Microsoft's table names a product and one of its service plans; fix the row, or download the table again from ${MICROSOFT_TABLE_PAGE}.`,
        c,
      );
    return v;
  };
  const row: Row = {
    line,
    productName: required('Product_Display_Name'),
    partNumber: required('String_Id'),
    skuId: guidCell(cell('GUID'), 'GUID', line, notes),
    planName: required('Service_Plan_Name'),
    planId: guidCell(cell('Service_Plan_Id'), 'Service_Plan_Id', line, notes),
    friendlyName: cell('Service_Plans_Included_Friendly_Names'),
  };
  if (!row.friendlyName) {
    row.friendlyName = row.planName;
    notes.add('friendlyNameMissing', 'Rows without a friendly name give their plan its Service_Plan_Name instead.', `line ${line}: ${row.planName}`);
  }
  return row;
}

/** A CSV syntax error of the file as the caller's 400, with its line. */
function csvRefusal(e: CsvError): ApiError {
  const line = Number(e.lines ?? 0);
  const where = `line ${line}`;
  const fix = `Upload Microsoft's table as published (${MICROSOFT_TABLE_PAGE}), or fix that row.`;
  switch (e.code) {
    case 'CSV_RECORD_INCONSISTENT_FIELDS_LENGTH': {
      const record = (e as CsvError & { record?: unknown[] }).record;
      const got = Array.isArray(record) ? `${record.length} cells` : 'another number of cells';
      return invalidFile(
        `Line ${line} has ${got}, the header has another number. A name with a comma in it must be in double quotes ("Dynamics 365, Enterprise Edition"). ${fix}`,
        where,
      );
    }
    case 'CSV_QUOTE_NOT_CLOSED':
      return invalidFile(`A cell opens a double quote that is never closed: the file ends inside it (line ${line}). ${fix}`, where);
    case 'CSV_MAX_RECORD_SIZE':
      return invalidFile(
        `Line ${line} is longer than ${MAX_TABLE_RECORD_CHARS} characters; no row of Microsoft's table is (a double quote left open joins rows into one). ${fix}`,
        where,
      );
    default:
      return invalidFile(`Line ${line} is not valid CSV: ${e.message.slice(0, 200)}. ${fix}`, where);
  }
}

/**
 * Reads Microsoft's table from its bytes (an upload's stream, a file's) or its text, as it streams in.
 * Throws ApiError 400 `invalidCatalogFile` (413 past MAX_TABLE_BYTES) for a file that is not Microsoft's
 * table; an error of the source itself (a 413 from the request's body limit) passes through unchanged.
 */
export async function readMicrosoftTable(source: AsyncIterable<Uint8Array | string> | string, limits: Partial<TableLimits> = {}): Promise<MicrosoftTable> {
  const { maxBytes, maxRows } = { maxBytes: MAX_TABLE_BYTES, maxRows: MAX_TABLE_ROWS, ...limits };
  const decoder = new TableTextDecoder(maxBytes);
  const text = tableText(typeof source === 'string' ? [source] : source, decoder);
  // the first line says which separator the file uses: read up to its end before the CSV parser starts
  let head = '';
  while (!head.includes('\n') && head.length <= MAX_TABLE_RECORD_CHARS) {
    const next = await text.next();
    if (next.done) break;
    head += next.value;
  }
  if (!head.trim()) {
    await text.return(undefined);
    throw invalidFile(
      `The file is empty. Upload "Product names and service plan identifiers for licensing.csv" as published at ${MICROSOFT_TABLE_PAGE}, with Content-Type: text/csv.`,
    );
  }
  const notes = new Notes();
  const delimiter = delimiterOf(head.slice(0, head.indexOf('\n') >= 0 ? head.indexOf('\n') : undefined));
  if (delimiter !== ',')
    notes.add(
      'delimiter',
      `Cells are separated by ${delimiter === ';' ? 'semicolons' : 'tabs'} (as a spreadsheet saves CSV in some locales), not commas: read as such.`,
    );
  const parser = parse({
    delimiter,
    info: true,
    skip_empty_lines: true,
    relax_quotes: true, // a stray double quote inside a name is part of the name
    max_record_size: MAX_TABLE_RECORD_CHARS,
  });
  async function* all() {
    yield head;
    for await (const chunk of text) yield chunk;
  }
  // pipeline, not pipe: an error of the source (its decoding, a body limit) reaches the parser and the loop below
  pipeline(Readable.from(all()), parser, () => undefined);
  const table = new TableBuilder(notes);
  let at: Map<Column, number> | undefined;
  let rows = 0;
  try {
    for await (const { record, info } of parser as AsyncIterable<{ record: string[]; info: Info }>) {
      if (!at) {
        at = readHeader(record, notes);
        continue;
      }
      if (record.every((c) => !c.trim())) {
        notes.add('blankRows', 'Rows with no value in any cell were skipped.', `line ${info.lines}`);
        continue;
      }
      if (++rows > maxRows)
        throw invalidFile(
          `The file has more than ${maxRows} rows; Microsoft's table has about 6,000. Upload Microsoft's table as published (${MICROSOFT_TABLE_PAGE}).`,
        );
      table.add(readRow(record, at, info.lines, notes));
    }
  } catch (e) {
    if (e instanceof CsvError) throw csvRefusal(e);
    throw e;
  } finally {
    parser.destroy();
  }
  if (decoder.encoding === 'windows-1252')
    notes.add('windows1252', "The file is not UTF-8: it was read as Windows-1252, the encoding of the table's editions before 2024.");
  return table.finish(rows);
}
