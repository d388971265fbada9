/**
 * The bytes of Microsoft's product table as text, chunk by chunk, before any CSV is looked at.
 *
 * - UTF-8, with or without a byte-order mark: Microsoft's current editions are UTF-8 with a BOM (dropped here).
 * - Windows-1252: editions before 2024 were published in it (their en dash in "Information Protection and
 *   Governance Analytics – Standard" is the single byte 0x96, which is not UTF-8). A file is read as
 *   Windows-1252 when its first non-ASCII bytes are not UTF-8; everything before them is ASCII, the same in
 *   both. A file that was UTF-8 up to some line and is not UTF-8 after it is refused: it was put together
 *   from two files, and guessing would garble names.
 * - Refused: anything with a NUL byte (binary), an Excel workbook or zip archive (.xlsx), an Excel 97-2003
 *   workbook (.xls), UTF-16 text ("Unicode text" in Excel), and more than MAX_TABLE_BYTES.
 *
 * Nothing is held beyond the chunk at hand (and up to 3 bytes of a character cut between two chunks).
 */
import { ApiError, ErrorCodes } from '../errors';

/** The stable error code of every refusal of a file that is not Microsoft's table. */
export const INVALID_CATALOG_FILE = 'invalidCatalogFile';
/** Where Microsoft publishes the table (the way out of most refusals: download it again, upload it unchanged). */
export const MICROSOFT_TABLE_PAGE = 'https://learn.microsoft.com/entra/identity/users/licensing-service-plan-reference';
/** Microsoft's table is about 1 MB (5,457 rows in its edition of December 2025); 8 MiB leaves room for years of growth. */
export const MAX_TABLE_BYTES = 8 * 1024 * 1024;

export type TableEncoding = 'utf-8' | 'windows-1252';

export const invalidFile = (message: string, target = 'body') => new ApiError(400, INVALID_CATALOG_FILE, message, target);

const notText = (what: string) =>
  invalidFile(
    `The file is ${what}, not the CSV text of Microsoft's table. Download "Product names and service plan identifiers for licensing.csv" from ${MICROSOFT_TABLE_PAGE} and upload it as it is (in Excel: save as "CSV UTF-8 (Comma delimited)").`,
  );

/** What the first bytes of a file say it is, when that is not text. */
function sniff(head: Buffer): ApiError | undefined {
  if (head.subarray(0, 4).equals(Buffer.from('PK\x03\x04', 'latin1'))) return notText('an Excel workbook or a zip archive (.xlsx, .zip)');
  if (head.subarray(0, 4).equals(Buffer.from([0xd0, 0xcf, 0x11, 0xe0]))) return notText('an Excel 97-2003 workbook (.xls)');
  if (head.subarray(0, 2).equals(Buffer.from([0xff, 0xfe])) || head.subarray(0, 2).equals(Buffer.from([0xfe, 0xff])))
    return notText('UTF-16 text (Excel\'s "Unicode Text")');
  return undefined;
}

const BOM = Buffer.from([0xef, 0xbb, 0xbf]);

/**
 * Windows-1252's characters for the bytes 0x80-0x9F (the WHATWG Encoding table; the five it leaves undefined
 * stay as they are). Written out because Node 20's TextDecoder('windows-1252') decodes those bytes as
 * ISO-8859-1 control characters: 0x96 would become U+0096, not the en dash the table means.
 */
const WINDOWS_1252_C1 = [
  0x20ac, 0x81, 0x201a, 0x192, 0x201e, 0x2026, 0x2020, 0x2021, 0x2c6, 0x2030, 0x160, 0x2039, 0x152, 0x8d, 0x17d, 0x8f, 0x90, 0x2018, 0x2019, 0x201c, 0x201d,
  0x2022, 0x2013, 0x2014, 0x2dc, 0x2122, 0x161, 0x203a, 0x153, 0x9d, 0x17e, 0x178,
];
const windows1252 = (bytes: Buffer) => bytes.toString('latin1').replace(/[\x80-\x9f]/g, (c) => String.fromCharCode(WINDOWS_1252_C1[c.charCodeAt(0) - 0x80]));
const firstNonAscii = (bytes: Buffer) => bytes.findIndex((b) => b >= 0x80);

/** Decodes a table's bytes as they arrive; push() each chunk, then end(). Counts bytes and lines for limits and messages. */
export class TableTextDecoder {
  /** Bytes read so far (after the BOM, if any). */
  bytes = 0;
  /** Decided at the first non-ASCII character; undefined while everything is ASCII. */
  encoding: TableEncoding | undefined;
  byteOrderMark = false;
  /** Line breaks given out so far: the line the next text starts on is this + 1. */
  private lineBreaks = 0;
  private head: Buffer | undefined = Buffer.alloc(0); // the first bytes, until there are enough to sniff
  private held = Buffer.alloc(0); // still ASCII so far: the start of a character cut at the end of the last chunk
  private utf8: TextDecoder | undefined;

  constructor(private readonly maxBytes = MAX_TABLE_BYTES) {}

  push(chunk: Uint8Array | string): string {
    if (typeof chunk === 'string') {
      // already text (a caller's string): only the limits and the BOM apply
      this.count(Buffer.byteLength(chunk));
      let text = chunk;
      if (this.head) {
        this.head = undefined;
        if (text.startsWith('\uFEFF')) {
          this.byteOrderMark = true;
          text = text.slice(1);
        }
      }
      if (text.includes('\0')) throw notText('binary (it contains NUL characters)');
      return this.out(text);
    }
    const bytes = Buffer.isBuffer(chunk) ? chunk : Buffer.from(chunk.buffer, chunk.byteOffset, chunk.byteLength);
    if (this.head) {
      this.head = Buffer.concat([this.head, bytes]);
      if (this.head.length < 4) return '';
      return this.start();
    }
    this.count(bytes.length);
    return this.out(this.decode(bytes));
  }

  end(): string {
    let text = this.head ? this.start() : '';
    if (this.encoding === 'utf-8') {
      try {
        text += this.utf8!.decode();
      } catch {
        throw this.notUtf8();
      }
    } else if (this.held.length) {
      // the file ends inside what would be a UTF-8 character: it is not UTF-8
      this.encoding = 'windows-1252';
      text += windows1252(this.held);
      this.held = Buffer.alloc(0);
    }
    return this.out(text);
  }

  /** The line (1-based) the next text starts on: for messages about where a file goes wrong. */
  get line(): number {
    return this.lineBreaks + 1;
  }

  private start(): string {
    let bytes = this.head!;
    this.head = undefined;
    const refused = sniff(bytes);
    if (refused) throw refused;
    if (bytes.subarray(0, 3).equals(BOM)) {
      this.byteOrderMark = true;
      this.encoding = 'utf-8';
      this.utf8 = new TextDecoder('utf-8', { fatal: true, ignoreBOM: true });
      bytes = bytes.subarray(3);
    }
    this.count(bytes.length);
    return this.out(this.decode(bytes));
  }

  private count(n: number) {
    this.bytes += n;
    if (this.bytes > this.maxBytes)
      throw new ApiError(
        413,
        ErrorCodes.requestTooLarge,
        `The file is larger than ${this.maxBytes} bytes; Microsoft's table is about 1 MB. Upload "Product names and service plan identifiers for licensing.csv" as published at ${MICROSOFT_TABLE_PAGE}.`,
        'body',
      );
  }

  private decode(bytes: Buffer): string {
    if (bytes.includes(0)) throw notText('binary (it contains NUL bytes)');
    if (this.encoding === 'windows-1252') return windows1252(bytes);
    if (this.encoding === 'utf-8') {
      try {
        return this.utf8!.decode(bytes, { stream: true });
      } catch {
        throw this.notUtf8(bytes);
      }
    }
    const data = this.held.length ? Buffer.concat([this.held, bytes]) : bytes;
    this.held = Buffer.alloc(0);
    const i = firstNonAscii(data);
    if (i < 0) return data.toString('latin1');
    const ascii = data.toString('latin1', 0, i);
    const utf8 = new TextDecoder('utf-8', { fatal: true, ignoreBOM: true });
    let rest: string;
    try {
      rest = utf8.decode(data.subarray(i), { stream: true });
    } catch {
      this.encoding = 'windows-1252';
      return ascii + windows1252(data.subarray(i));
    }
    // nothing decoded: the non-ASCII bytes are the start of a character the next chunk completes
    if (!rest) this.held = Buffer.from(data.subarray(i));
    else {
      this.encoding = 'utf-8';
      this.utf8 = utf8;
    }
    return ascii + rest;
  }

  /** UTF-8 so far, and then not: refused, naming the line of the first byte that is not (within `bytes`, the chunk at hand). */
  private notUtf8(bytes?: Buffer) {
    const lenient = bytes ? new TextDecoder('utf-8').decode(bytes) : '';
    const bad = lenient.indexOf('\uFFFD');
    const line = this.line + (bad > 0 ? lenient.slice(0, bad).split('\n').length - 1 : 0);
    return invalidFile(
      `The file is UTF-8, yet line ${line} is not: it looks put together from files saved in different encodings. Download "Product names and service plan identifiers for licensing.csv" again from ${MICROSOFT_TABLE_PAGE} and upload it unchanged.`,
      `line ${line}`,
    );
  }

  private out(text: string): string {
    for (let i = text.indexOf('\n'); i >= 0; i = text.indexOf('\n', i + 1)) this.lineBreaks++;
    return text;
  }
}

/** The text of a table from its bytes (or strings), chunk by chunk; the decoder keeps the counts. */
export async function* tableText(
  source: AsyncIterable<Uint8Array | string> | Iterable<Uint8Array | string>,
  decoder: TableTextDecoder,
): AsyncGenerator<string> {
  for await (const chunk of source) {
    const text = decoder.push(chunk);
    if (text) yield text;
  }
  const last = decoder.end();
  if (last) yield last;
}
