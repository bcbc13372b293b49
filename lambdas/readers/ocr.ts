/**
 * Scans and photos read on a laptop: an OCR engine (tesseract.js in the local stack, see
 * `adapters/local/tesseract-ocr.ts`) gives the words of each page with their boxes and
 * confidences; the words are laid out in rows and cells like a PDF's text layer and read by the
 * same `readLayout`; each field's confidence is then capped by how sure the OCR was of the
 * words it came from.
 *
 * The engine is registered by the process that has one (`useOcrEngine`): the local stack and
 * `bm`. A Lambda registers none (in AWS, Textract and the model read scans), so there an image
 * stays marked for extraction as before.
 */
import { Decimal } from '../core/money.ts';
import { unreadable } from './canonical.ts';
import { sha256Hex } from './hash.ts';
import type { Cell, PdfLayout, Row } from './pdf-layout.ts';
import { readLayout } from './pdf-text.ts';
import type { ReadInput, ReadResult } from './types.ts';

export const OCR_FORMAT = 'ocr';

/** One recognised word: its text, its box in image pixels, the engine's confidence 0..100. */
export interface OcrWord {
  readonly text: string;
  readonly x0: number;
  readonly y0: number;
  readonly x1: number;
  readonly y1: number;
  readonly confidence: number;
  /** Words of one text line share this number (the engine's own line grouping). */
  readonly line: number;
}

export interface OcrPage {
  readonly width: number;
  readonly height: number;
  readonly words: readonly OcrWord[];
}

export interface OcrEngine {
  /** The pages of an image (one for PNG/JPEG), or throws with a reason. */
  recognize(bytes: Uint8Array, mediaType: string): Promise<OcrPage[]>;
}

let engine: OcrEngine | null = null;

/** Registers (or, with null, removes) the OCR engine readers use for images. */
export function useOcrEngine(e: OcrEngine | null): void {
  engine = e;
}

export function ocrEngine(): OcrEngine | null {
  return engine;
}

/** Mean word confidence under which a page is too poor to be read with any confidence. */
const POOR_PAGE = 60;

/** Reads an image by OCR and layout. Null when no engine is registered. */
export async function readImageByOcr(input: ReadInput, mediaType: string, what: string): Promise<ReadResult[] | null> {
  if (!engine) return null;
  let pages: OcrPage[];
  try {
    pages = await engine.recognize(input.bytes, mediaType);
  } catch (err) {
    return [unreadable(OCR_FORMAT, input.filename, `${what}: OCR failed (${err instanceof Error ? err.message : String(err)})`, input.bytes)];
  }
  const { layout, cellConfidence } = ocrLayout(pages);
  if (layout.wordChars < 40) return [unreadable(OCR_FORMAT, input.filename, `${what}: OCR found no readable text`, input.bytes)];
  const read = readLayout(layout);
  if (read.kind === 'refused') return [unreadable(OCR_FORMAT, input.filename, `${what}: ${read.reason}`, input.bytes)];
  const words = pages.flatMap((p) => p.words);
  const mean = words.reduce((s, w) => s + w.confidence, 0) / Math.max(1, words.length);
  const bill = foldConfidence(read.bill, layout, cellConfidence, mean);
  return [{ part: 0, format: OCR_FORMAT, bill, exceptions: [], documentHash: sha256Hex(input.bytes) }];
}

/**
 * Words → rows and cells in PDF points (each page scaled to 595 pt wide): the engine's lines are
 * rows; within a line, a gap wider than about two characters starts a new cell (columns).
 */
export function ocrLayout(pages: readonly OcrPage[]): { layout: PdfLayout; cellConfidence: number[] } {
  const outPages: { width: number; height: number; rows: Row[] }[] = [];
  const rows: Row[] = [];
  const cells: Cell[] = [];
  const cellConfidence: number[] = [];
  let wordChars = 0;
  pages.forEach((page, p) => {
    const scale = 595 / Math.max(1, page.width);
    const lines = new Map<number, OcrWord[]>();
    for (const w of page.words) if (w.text.trim() !== '') lines.set(w.line, [...(lines.get(w.line) ?? []), w]);
    const ordered = [...lines.values()].map((ws) => ws.sort((a, b) => a.x0 - b.x0)).sort((a, b) => median(a.map((w) => w.y1)) - median(b.map((w) => w.y1)));
    const pageRows: Row[] = [];
    for (const ws of ordered) {
      const height = median(ws.map((w) => w.y1 - w.y0));
      const charWidth = median(ws.map((w) => (w.x1 - w.x0) / Math.max(1, w.text.length)));
      const groups: OcrWord[][] = [];
      for (const w of ws) {
        const last = groups.at(-1);
        const prev = last?.at(-1);
        if (last && prev && w.x0 - prev.x1 <= Math.max(2.2 * charWidth, 0.9 * height)) last.push(w);
        else groups.push([w]);
      }
      const y = median(ws.map((w) => w.y1)) * scale;
      const size = Math.max(4, height * scale * 1.15);
      const rowIndex = rows.length;
      const rowCells: Cell[] = groups.map((g) => {
        const cell: Cell = { text: g.map((w) => w.text).join(' '), x0: g[0]!.x0 * scale, x1: g.at(-1)!.x1 * scale, y, size, page: p, index: cells.length, row: rowIndex };
        cells.push(cell);
        cellConfidence.push(Math.min(...g.map((w) => w.confidence)));
        wordChars += (cell.text.match(/[\p{L}\p{N}]/gu) ?? []).length;
        return cell;
      });
      const row: Row = { page: p, y, size, cells: rowCells, index: rowIndex };
      rows.push(row);
      pageRows.push(row);
    }
    outPages.push({ width: 595, height: page.height * scale, rows: pageRows });
  });
  return { layout: { pages: outPages, rows, cells, wordChars }, cellConfidence };
}

function median(xs: readonly number[]): number {
  const s = [...xs].sort((a, b) => a - b);
  return s.length === 0 ? 0 : s[Math.floor(s.length / 2)]!;
}

/**
 * Each field's confidence times the OCR's confidence in the cell its value was printed in
 * (found by its text; amounts in either decimal convention): a value the engine read at 95 %
 * keeps its confidence, one read at 70 % falls under the threshold. A field whose cell cannot be
 * found takes the page's mean. A poor page (mean under 60) leaves nothing confident.
 */
export function foldConfidence(bill: ReadResult['bill'] & object, layout: PdfLayout, cellConfidence: readonly number[], mean: number): NonNullable<ReadResult['bill']> {
  const confidence: Record<string, number> = {};
  const texts = layout.cells.map((c) => c.text.replace(/\s+/g, '').toUpperCase());
  for (const [path, c] of Object.entries(bill.confidence ?? {})) {
    const value = valueAt(bill, path);
    const ocr = value === null ? mean : cellOf(value, texts, cellConfidence) ?? mean;
    const factor = Math.min(1, ocr / 92);
    const folded = Number(c) * factor;
    confidence[path] = Math.round(Math.min(mean < POOR_PAGE ? 0.5 : 0.95, folded) * 100) / 100;
  }
  return { ...bill, confidence };
}

function cellOf(value: string, texts: readonly string[], conf: readonly number[]): number | null {
  const forms = new Set([value.replace(/\s+/g, '').toUpperCase()]);
  const d = Decimal.tryParse(value);
  if (d) {
    const fixed = d.abs().toFixed(Math.max(2, d.normalized().toFixed().split('.')[1]?.length ?? 0));
    forms.add(fixed);
    forms.add(fixed.replace('.', ','));
    forms.add(fixed.replace(/\B(?=(\d{3})+(?!\d))/g, ','));
    forms.add(fixed.replace('.', ',').replace(/\B(?=(\d{3})+(?!\d))/g, '.'));
  }
  let best: number | null = null;
  texts.forEach((t, i) => {
    if ([...forms].some((f) => f.length >= 2 && t.includes(f))) best = Math.max(best ?? 0, conf[i]!);
  });
  return best;
}

function valueAt(bill: Record<string, unknown>, path: string): string | null {
  let cur: unknown = bill;
  for (const part of path.replace(/\[(\d+)\]/g, '.$1').split('.')) {
    if (cur === null || typeof cur !== 'object') return null;
    cur = (cur as Record<string, unknown>)[part];
  }
  return typeof cur === 'string' || typeof cur === 'number' ? String(cur) : null;
}
