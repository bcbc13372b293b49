/**
 * Word (DOCX) and Excel (XLSX) bills, read by maintained libraries (mammoth for Word, exceljs
 * for Excel) and then by the same label and table logic as a text-layer PDF: the document is
 * laid out as rows of cells (a Word paragraph is a row, its tab stops separate cells; a Word
 * table row or a sheet row is a row, one cell per column) and `readLayout` finds the fields,
 * each with the same honest confidence as on a PDF.
 *
 * Hostile input gets the same limits as any zip: the archive is checked by `safeUnzip`
 * (entry count, declared and actual sizes, compression ratio, CRC) before either library
 * inflates it, and a sheet larger than MAX_CELLS is refused.
 *
 * The libraries are loaded on demand by a name the bundler does not follow, so the Lambda
 * bundles stay small; where they are not installed (a function bundle) the document is
 * refused with that reason (docs/pdf-extraction.md).
 */
import { Decimal } from '../core/money.ts';
import { unreadable } from './canonical.ts';
import { sha256Hex } from './hash.ts';
import type { Cell, PdfLayout, Row } from './pdf-layout.ts';
import { readLayout } from './pdf-text.ts';
import type { ReadInput, ReadResult } from './types.ts';
import { OFFICE_PARTS, officeKind, type OfficeKind } from './office-kind.ts';

export { officeKind, type OfficeKind };
import { safeUnzip, ZIP_LIMITS, type ZipLimits } from './zip.ts';

export const DOCX_FORMAT = 'docx';
export const XLSX_FORMAT = 'xlsx';

/** Cells of a workbook read at most: a bill is a page, not a data export. */
export const MAX_CELLS = 20_000;
/** Rows (paragraphs, table rows, sheet rows) laid out at most. */
export const MAX_ROWS = 2_000;

/** One row of text cells, in reading order; `size` > body size for headings. */
interface TextRow {
  readonly cells: readonly string[];
  readonly size?: number;
  /** Cells of a table row sit in columns; a paragraph's tab stops are wider apart. */
  readonly columns?: number;
}

export async function readOffice(input: ReadInput, kind: OfficeKind, limits: ZipLimits = ZIP_LIMITS): Promise<ReadResult[]> {
  const format = kind === 'docx' ? DOCX_FORMAT : XLSX_FORMAT;
  const what = kind === 'docx' ? 'Word document' : 'Excel workbook';
  const checked = safeUnzip(input.bytes, limits);
  if ('refused' in checked) return [unreadable(format, input.filename, `${what}: ${checked.refused}`, input.bytes)];
  if (!checked.files.some((f) => f.name === OFFICE_PARTS[kind])) return [unreadable(format, input.filename, `${what} without ${OFFICE_PARTS[kind]}`, input.bytes)];
  let rows: TextRow[];
  try {
    rows = kind === 'docx' ? await docxRows(input.bytes) : await xlsxRows(input.bytes);
  } catch (err) {
    const why = err instanceof OfficeError ? err.message : `not a readable ${what} (${err instanceof Error ? err.message : String(err)})`;
    return [unreadable(format, input.filename, why, input.bytes)];
  }
  if (rows.length > MAX_ROWS) return [unreadable(format, input.filename, `${what} has ${rows.length} rows (limit ${MAX_ROWS})`, input.bytes)];
  const read = readLayout(layoutOf(rows));
  if (read.kind === 'refused') return [unreadable(format, input.filename, read.reason, input.bytes)];
  return [{ part: 0, format, bill: read.bill, exceptions: [], documentHash: sha256Hex(input.bytes) }];
}

class OfficeError extends Error {}

/** Loads an optional library by a name the bundler leaves alone (see the file comment). */
async function optional<T>(name: string, what: string): Promise<T> {
  try {
    return (await import(/* @vite-ignore */ name)) as T;
  } catch {
    throw new OfficeError(`${what} reader (${name}) is not installed in this deployment`);
  }
}

// ------------------------------------------------------------------ Word

interface Mammoth {
  convertToHtml(input: { buffer: Buffer }): Promise<{ value: string }>;
}

async function docxRows(bytes: Uint8Array): Promise<TextRow[]> {
  const mod = await optional<{ default?: Mammoth } & Mammoth>('mammoth', 'Word');
  const mammoth = mod.default ?? mod;
  const { value: html } = await mammoth.convertToHtml({ buffer: Buffer.from(bytes) });
  return htmlRows(html);
}

/** mammoth's HTML (paragraphs, headings, list items, tables) as rows of cells. */
export function htmlRows(html: string): TextRow[] {
  const rows: TextRow[] = [];
  const blocks = /<table\b[^>]*>([\s\S]*?)<\/table>|<(p|h[1-6]|li)\b[^>]*>([\s\S]*?)<\/\2>/gi;
  for (const m of html.matchAll(blocks)) {
    if (m[1] !== undefined) {
      for (const tr of m[1].matchAll(/<tr\b[^>]*>([\s\S]*?)<\/tr>/gi)) {
        const cells = [...tr[1]!.matchAll(/<t[dh]\b[^>]*>([\s\S]*?)<\/t[dh]>/gi)].map((td) => textOf(td[1]!));
        if (cells.some((c) => c !== '')) rows.push({ cells, columns: cells.length });
      }
      continue;
    }
    const tag = m[2]!.toLowerCase();
    const text = textOf(m[3]!, true);
    if (text.trim() === '') continue;
    const cells = text.split('\t').map((c) => c.trim());
    rows.push({ cells, size: /^h[12]$/.test(tag) ? 16 : /^h/.test(tag) ? 13 : undefined });
  }
  return rows;
}

function textOf(html: string, keepTabs = false): string {
  const text = html
    .replace(/<\/p>\s*<p\b[^>]*>/gi, ' ')
    .replace(/<br\s*\/?>/gi, ' ')
    .replace(/<[^>]+>/g, '')
    .replace(/&lt;/g, '<')
    .replace(/&gt;/g, '>')
    .replace(/&quot;/g, '"')
    .replace(/&#39;/g, "'")
    .replace(/&amp;/g, '&');
  return keepTabs ? text.replace(/[^\S\t]+/g, ' ') : text.replace(/\s+/g, ' ').trim();
}

// ------------------------------------------------------------------ Excel

interface ExcelCell {
  readonly value: unknown;
  readonly numFmt?: string;
  readonly col: number;
}
interface ExcelRow {
  eachCell(opts: { includeEmpty: boolean }, fn: (cell: ExcelCell, col: number) => void): void;
}
interface ExcelSheet {
  readonly rowCount: number;
  readonly columnCount: number;
  readonly state?: string;
  eachRow(opts: { includeEmpty: boolean }, fn: (row: ExcelRow, n: number) => void): void;
}
interface ExcelModule {
  Workbook: new () => { xlsx: { load(b: Buffer): Promise<unknown> }; worksheets: ExcelSheet[] };
}

async function xlsxRows(bytes: Uint8Array): Promise<TextRow[]> {
  const mod = await optional<{ default?: ExcelModule } & ExcelModule>('exceljs', 'Excel');
  const Excel = mod.default ?? mod;
  const wb = new Excel.Workbook();
  await wb.xlsx.load(Buffer.from(bytes));
  const sheets = wb.worksheets.filter((s) => s.state !== 'hidden' && s.state !== 'veryHidden');
  const cells = sheets.reduce((n, s) => n + s.rowCount * s.columnCount, 0);
  if (cells > MAX_CELLS) throw new OfficeError(`Excel workbook has ${cells} cells (limit ${MAX_CELLS})`);
  const rows: TextRow[] = [];
  for (const sheet of sheets) {
    sheet.eachRow({ includeEmpty: false }, (row) => {
      const out: string[] = [];
      row.eachCell({ includeEmpty: false }, (cell, col) => {
        out[col - 1] = cellText(cell);
      });
      const dense = Array.from(out, (c) => c ?? '');
      if (dense.some((c) => c !== '')) rows.push({ cells: dense, columns: Math.max(sheet.columnCount, dense.length) });
    });
  }
  return rows;
}

/**
 * A cell as the text a reader would see. Numbers: the shortest text of the stored value (no
 * arithmetic), at the number format's decimals where it has fixed ones (`#,##0.00` → 2), rounded
 * as an exact decimal. Dates: ISO `YYYY-MM-DD`. Formulas: their cached result.
 */
export function cellText(cell: { value: unknown; numFmt?: string }): string {
  let v = cell.value;
  if (v && typeof v === 'object' && 'result' in v) v = (v as { result: unknown }).result;
  if (v === null || v === undefined) return '';
  if (v instanceof Date) return v.toISOString().slice(0, 10);
  if (typeof v === 'number') {
    const d = Decimal.tryParse(String(v).includes('e') ? v.toFixed(10) : String(v));
    if (!d) return '';
    const decimals = /0\.(0+)(?![0#])/.exec(cell.numFmt ?? '')?.[1]?.length;
    return decimals !== undefined ? d.round(decimals).toFixed(decimals) : d.toString();
  }
  if (typeof v === 'object' && 'richText' in v) return (v as { richText: { text: string }[] }).richText.map((r) => r.text).join('').trim();
  if (typeof v === 'object' && 'text' in v) return String((v as { text: unknown }).text).trim();
  return String(v).replace(/\s+/g, ' ').trim();
}

// ------------------------------------------------------------------ layout

const LEFT = 40;
const WIDTH = 515;
const LINE = 14;
const CHAR = 5;

/** Rows of text cells as a one-page layout in PDF points, for `readLayout`. */
export function layoutOf(textRows: readonly TextRow[]): PdfLayout {
  const rows: Row[] = [];
  const cells: Cell[] = [];
  let y = 60;
  let wordChars = 0;
  for (const tr of textRows) {
    const size = tr.size ?? 10;
    y += size > 10 ? LINE + 6 : LINE;
    const rowIndex = rows.length;
    const rowCells: Cell[] = [];
    const columns = tr.columns ?? 0;
    tr.cells.forEach((text, i) => {
      if (text === '') return;
      // Table columns share the width; a paragraph's tab stops are 120 pt apart.
      const x0 = columns > 0 ? LEFT + (i * WIDTH) / columns : LEFT + i * 120;
      const cell: Cell = { text, x0, x1: x0 + Math.min(text.length * CHAR, columns > 0 ? WIDTH / columns - 4 : 116), y, size, page: 0, index: cells.length, row: rowIndex };
      rowCells.push(cell);
      cells.push(cell);
      wordChars += (text.match(/[\p{L}\p{N}]/gu) ?? []).length;
    });
    if (rowCells.length > 0) rows.push({ page: 0, y, size, cells: rowCells, index: rowIndex });
    else y -= LINE;
  }
  const height = Math.max(842, y + 60);
  return { pages: [{ width: 595, height, rows }], rows, cells, wordChars };
}
