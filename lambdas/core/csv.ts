/**
 * RFC 4180 CSV: UTF-8 (a BOM is tolerated), comma-separated, double-quote quoting with `""`
 * escapes and line breaks inside quotes, one header row. Each record remembers the line on
 * which it starts, so errors can say `vendors.csv:12`.
 */

export interface CsvRecord {
  /** 1-based line number where the record starts in the file. */
  readonly line: number;
  /** Values by lower-cased, trimmed header name; empty cells are absent. */
  readonly values: ReadonlyMap<string, string>;
}

export interface CsvTable {
  readonly headers: readonly string[];
  readonly records: readonly CsvRecord[];
}

export class CsvSyntaxError extends Error {
  override readonly name = 'CsvSyntaxError';
  constructor(
    readonly line: number,
    message: string,
  ) {
    super(message);
  }
}

/** Splits CSV text into rows of cells with their starting line numbers. */
export function parseCsvRows(text: string): { line: number; cells: string[] }[] {
  const src = text.replace(/^\uFEFF/, '');
  const rows: { line: number; cells: string[] }[] = [];
  let cells: string[] = [];
  let cell = '';
  let line = 1;
  let rowLine = 1;
  let i = 0;
  let quoted = false;
  let cellStarted = false;
  while (i < src.length) {
    const c = src[i]!;
    if (quoted) {
      if (c === '"') {
        if (src[i + 1] === '"') {
          cell += '"';
          i += 2;
          continue;
        }
        quoted = false;
        i++;
        continue;
      }
      if (c === '\n') line++;
      cell += c;
      i++;
      continue;
    }
    if (c === '"') {
      if (cellStarted && cell.trim() !== '') throw new CsvSyntaxError(line, 'a quote inside an unquoted cell');
      quoted = true;
      cell = '';
      cellStarted = true;
      i++;
      continue;
    }
    if (c === ',') {
      cells.push(cell);
      cell = '';
      cellStarted = false;
      i++;
      continue;
    }
    if (c === '\r' || c === '\n') {
      cells.push(cell);
      rows.push({ line: rowLine, cells });
      cells = [];
      cell = '';
      cellStarted = false;
      if (c === '\r' && src[i + 1] === '\n') i++;
      i++;
      line++;
      rowLine = line;
      continue;
    }
    cell += c;
    cellStarted = true;
    i++;
  }
  if (quoted) throw new CsvSyntaxError(rowLine, 'a quoted cell is not closed');
  if (cell !== '' || cells.length > 0) {
    cells.push(cell);
    rows.push({ line: rowLine, cells });
  }
  // Blank lines carry no record.
  return rows.filter((r) => !(r.cells.length === 1 && r.cells[0]!.trim() === ''));
}

/** Parses a CSV file with a header row; columns in any order, unknown columns kept but unused. */
export function parseCsv(text: string): CsvTable {
  const rows = parseCsvRows(text);
  const header = rows.shift();
  if (!header) return { headers: [], records: [] };
  const headers = header.cells.map((h) => h.trim().toLowerCase());
  const records = rows.map((r) => {
    if (r.cells.length > headers.length) throw new CsvSyntaxError(r.line, `${r.cells.length} cells but only ${headers.length} columns in the header`);
    const values = new Map<string, string>();
    r.cells.forEach((v, idx) => {
      const t = v.trim();
      if (t !== '') values.set(headers[idx]!, t);
    });
    return { line: r.line, values };
  });
  return { headers, records };
}
