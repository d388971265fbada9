/**
 * CSV the service writes (failed rows to fix and import again, reports): RFC 4180 quoting, and cells that a
 * spreadsheet would run as a formula (`=`, `+`, `-`, `@`, tab, carriage return first) prefixed with `'`, as
 * OWASP's CSV-injection guidance says: a user principal name or display name typed by someone else must
 * never become `=HYPERLINK(...)` in an admin's Excel.
 */
const FORMULA_START = /^[=+\-@\t\r]/;

function cellText(value: unknown): string {
  if (value === undefined || value === null) return '';
  if (typeof value === 'string') return value;
  if (typeof value === 'number' || typeof value === 'boolean' || typeof value === 'bigint') return value.toString();
  return JSON.stringify(value) ?? '';
}

export function csvCell(value: unknown): string {
  let s = cellText(value);
  if (FORMULA_START.test(s)) s = `'${s}`;
  return /[",\r\n]/.test(s) ? `"${s.replace(/"/g, '""')}"` : s;
}

/** One CSV line (CRLF-terminated). */
export const csvLine = (values: unknown[]) => `${values.map(csvCell).join(',')}\r\n`;
