import { Transform } from 'node:stream';

/**
 * CSV as RFC 4180 writes it (CRLF line ends; a cell holding a comma, a quote or a line break in
 * quotes, its quotes doubled), with OWASP's defence against CSV injection: text that a
 * spreadsheet would take for a formula (starting with =, +, -, @, tab or carriage return) gets a
 * leading apostrophe, which spreadsheets show as text.
 */

const FORMULA_START = /^[=+\-@\t\r]/;
const NEEDS_QUOTES = /[",\r\n]/;

export type CsvValue = string | number | boolean | null | undefined;

/** One cell. Numbers are written as they are: only text can smuggle a formula. */
export function csvCell(value: CsvValue): string {
  if (value === null || value === undefined) return '';
  let text = String(value);
  if (typeof value === 'string' && FORMULA_START.test(text)) text = `'${text}`;
  return NEEDS_QUOTES.test(text) ? `"${text.replace(/"/g, '""')}"` : text;
}

export function csvLine(values: CsvValue[]): string {
  return `${values.map(csvCell).join(',')}\r\n`;
}

/**
 * Lines are sent in chunks of about this many characters: one socket write per row made a
 * 100,000-order export spend more time in system calls than in building its lines.
 */
const CHUNK_CHARS = 16 * 1024;

/** Object rows in, CSV text out: a header line, then one line per row with these columns. */
export function csvTransform(columns: readonly string[]): Transform {
  let pending = csvLine([...columns]);
  return new Transform({
    writableObjectMode: true,
    transform(row: Record<string, CsvValue>, _encoding, done) {
      pending += csvLine(columns.map((c) => row[c]));
      if (pending.length < CHUNK_CHARS) return done();
      const chunk = pending;
      pending = '';
      done(null, chunk);
    },
    flush(done) {
      done(null, pending);
    },
  });
}
