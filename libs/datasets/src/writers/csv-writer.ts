import { writeFileAtomically } from '../io/atomic-write';

// A spreadsheet evaluates a cell that starts with one of these as a formula (CSV injection); tab and
// carriage return can reach the same parser state in some applications.
const FORMULA_START = /^[=+\-@\t\r]/;

/** Prefixes a formula-looking cell with `'` so spreadsheets show it as text; the value stays readable. */
export function neutralizeCell(value: string): string {
  return FORMULA_START.test(value) ? `'${value}` : value;
}

export function csvCell(value: string): string {
  const safe = neutralizeCell(value);
  return /[",\r\n]/.test(safe) ? `"${safe.replace(/"/g, '""')}"` : safe;
}

export function csvLine(cells: string[]): string {
  return `${cells.map(csvCell).join(',')}\r\n`;
}

async function* csvLines(columns: string[], rows: Iterable<Record<string, unknown>> | AsyncIterable<Record<string, unknown>>): AsyncGenerator<string> {
  yield csvLine(columns);
  for await (const row of rows) {
    yield csvLine(columns.map((c) => {
      const value = row[c];
      if (value === undefined || value === null) return '';
      return typeof value === 'string' ? value : JSON.stringify(value);
    }));
  }
}

/** RFC 4180 CSV (CRLF records) with formula cells neutralized; structured values become JSON text. */
export function writeCsv(path: string, columns: string[], rows: Iterable<Record<string, unknown>> | AsyncIterable<Record<string, unknown>>): Promise<{ bytes: number }> {
  return writeFileAtomically(path, csvLines(columns, rows));
}
