/**
 * The text layer of a PDF with its layout: pdf.js text items grouped into rows (same
 * baseline) and cells (runs of text without a column-sized gap), in page coordinates with the
 * origin at the top left. Both PDF paths use it: the local `pdf-text` reader finds fields by
 * label and position in it, and the AWS path sends it to the model as laid-out text instead of
 * running OCR on a PDF that already has text.
 *
 * A PDF "has a text layer" when its pages carry enough real characters; a scan (images only,
 * or a text layer of glyph garbage) has none and needs OCR.
 */
import type { DocumentText, LayoutPage } from '../core/ports/extractor.ts';
import { PDF_LIMITS, pdfTextPages, type PdfSession } from './pdfjs.ts';

/** A run of text on one row, with its horizontal extent (points, from the page's left edge). */
export interface Cell {
  readonly text: string;
  readonly x0: number;
  readonly x1: number;
  /** Baseline, points from the top of the page. */
  readonly y: number;
  /** Font size (points): the unit for "near" and "far". */
  readonly size: number;
  readonly page: number;
  /** Position in reading order over the whole document (rows top to bottom, cells left to right). */
  readonly index: number;
  readonly row: number;
}

export interface Row {
  readonly page: number;
  readonly y: number;
  readonly size: number;
  readonly cells: readonly Cell[];
  /** Index of the row over the whole document. */
  readonly index: number;
}

export interface PdfPageLayout {
  readonly width: number;
  readonly height: number;
  readonly rows: readonly Row[];
}

export interface PdfLayout {
  readonly pages: readonly PdfPageLayout[];
  /** Every row of every page, in reading order. */
  readonly rows: readonly Row[];
  /** Every cell in reading order. */
  readonly cells: readonly Cell[];
  /** Letters and digits in the text layer. */
  readonly wordChars: number;
}

export type PdfLayoutResult = { readonly ok: true; readonly layout: PdfLayout } | { readonly ok: false; readonly reason: string };

/** Fewer letters and digits than this in the whole document: no usable text layer (a scan). */
export const MIN_TEXT_CHARS = 40;
/** Pages read at most: an invoice is short; a 500-page PDF is not read by layout here. */
export const MAX_PAGES = 30;

interface Item {
  str: string;
  x0: number;
  x1: number;
  y: number;
  size: number;
}

/** The text layer of a PDF, by page, row and cell. Never throws, never hangs. */
export async function pdfLayout(bytes: Uint8Array, timeoutMs = PDF_LIMITS.timeoutMs, pdf?: PdfSession): Promise<PdfLayoutResult> {
  // pdf.js runs in a worker thread with bounded memory and time (pdfjs.ts).
  const r = await pdfTextPages(bytes, MAX_PAGES, timeoutMs, pdf);
  if (!r.ok) return r;
  const pages: { width: number; height: number; items: Item[] }[] = r.value.map(({ width, height, items: raws }) => {
    const items: Item[] = [];
    for (const raw of raws) {
      const t = raw.transform;
      const size = Math.max(1, Math.hypot(t[2] ?? 0, t[3] ?? 0) || raw.height || 1);
      // Rotated text (vertical margins, stamps) is not part of the page's rows.
      if (Math.abs(t[1] ?? 0) > 0.01 || Math.abs(t[2] ?? 0) > 0.01) continue;
      items.push(...splitWideGaps(raw.str, t[4] ?? 0, raw.width, height - (t[5] ?? 0), size));
    }
    return { width, height, items };
  });
  return { ok: true, layout: buildLayout(pages) };
}

/** One text item, split where it holds a run of three or more spaces (a column gap typed as spaces). */
function splitWideGaps(str: string, x: number, width: number, y: number, size: number): Item[] {
  const parts = str.split(/( {3,}|\t+)/);
  if (parts.length === 1) return [{ str: str.trim(), x0: x, x1: x + width, y, size }];
  const perChar = str.length > 0 ? width / str.length : 0;
  const out: Item[] = [];
  let offset = 0;
  for (const part of parts) {
    if (part.trim() !== '' && !/^( {3,}|\t+)$/.test(part)) {
      const lead = part.length - part.trimStart().length;
      out.push({ str: part.trim(), x0: x + (offset + lead) * perChar, x1: x + (offset + part.trimEnd().length) * perChar, y, size });
    }
    offset += part.length;
  }
  return out;
}

/** Groups items into rows by baseline and rows into cells by horizontal gaps. */
export function buildLayout(pages: readonly { width: number; height: number; items: readonly Item[] }[]): PdfLayout {
  const allRows: Row[] = [];
  const allCells: Cell[] = [];
  const outPages: PdfPageLayout[] = [];
  let wordChars = 0;
  pages.forEach((pg, pageIndex) => {
    const items = [...pg.items].sort((a, b) => a.y - b.y || a.x0 - b.x0);
    const groups: { y: number; size: number; items: Item[] }[] = [];
    for (const it of items) {
      wordChars += (it.str.match(/[\p{L}\p{N}]/gu) ?? []).length;
      const g = groups.find((r) => Math.abs(r.y - it.y) <= 0.35 * Math.max(r.size, it.size));
      if (g) {
        g.items.push(it);
        g.size = Math.max(g.size, it.size);
      } else groups.push({ y: it.y, size: it.size, items: [it] });
    }
    groups.sort((a, b) => a.y - b.y);
    const rows: Row[] = [];
    for (const g of groups) {
      const rowIndex = allRows.length;
      const sorted = g.items.sort((a, b) => a.x0 - b.x0);
      const cells: Cell[] = [];
      let cur: { text: string; x0: number; x1: number; size: number } | null = null;
      for (const it of sorted) {
        const gap = cur ? it.x0 - cur.x1 : Infinity;
        // A word gap is about a quarter of the font size; columns are further apart.
        if (cur && gap <= 0.9 * Math.max(cur.size, it.size)) {
          cur.text += gap > 0.12 * it.size && !cur.text.endsWith(' ') ? ` ${it.str}` : it.str;
          cur.x1 = Math.max(cur.x1, it.x1);
          cur.size = Math.max(cur.size, it.size);
        } else {
          if (cur) cells.push(cellOf(cur, g.y, pageIndex, allCells.length + cells.length, rowIndex));
          cur = { text: it.str, x0: it.x0, x1: it.x1, size: it.size };
        }
      }
      if (cur) cells.push(cellOf(cur, g.y, pageIndex, allCells.length + cells.length, rowIndex));
      const row: Row = { page: pageIndex, y: g.y, size: g.size, cells, index: rowIndex };
      rows.push(row);
      allRows.push(row);
      allCells.push(...cells);
    }
    outPages.push({ width: pg.width, height: pg.height, rows });
  });
  return { pages: outPages, rows: allRows, cells: allCells, wordChars };
}

function cellOf(c: { text: string; x0: number; x1: number; size: number }, y: number, page: number, index: number, row: number): Cell {
  return { text: c.text.replace(/\s+/g, ' ').trim(), x0: c.x0, x1: c.x1, y, size: c.size, page, index, row };
}

/** True when the layout carries enough real text to be read without OCR. */
export function hasTextLayer(layout: PdfLayout): boolean {
  if (layout.wordChars < MIN_TEXT_CHARS) return false;
  // A text layer of glyph garbage (fonts without a Unicode map) reads as symbols and private-use characters.
  const all = layout.cells.map((c) => c.text).join('');
  const odd = (all.match(/[\u{E000}-\u{F8FF}\u{FFFD}]/gu) ?? []).length;
  return odd < 0.2 * all.length;
}

/** The layout as the neutral document text the extraction port carries (coordinates 0..1). */
export function layoutToDocumentText(layout: PdfLayout): DocumentText {
  const pages: LayoutPage[] = layout.pages.map((p, i) => ({
    page: i + 1,
    lines: p.rows.flatMap((r) =>
      r.cells.map((c) => ({
        text: c.text,
        left: c.x0 / p.width,
        top: (c.y - c.size) / p.height,
        width: (c.x1 - c.x0) / p.width,
        height: c.size / p.height,
      })),
    ),
  }));
  return { source: 'pdf-text-layer', pageCount: layout.pages.length, pages, hints: [] };
}

/** The text layer of a PDF as document text, or null when it has none (a scan). */
export async function pdfDocumentText(bytes: Uint8Array): Promise<DocumentText | null> {
  const r = await pdfLayout(bytes);
  return r.ok && hasTextLayer(r.layout) ? layoutToDocumentText(r.layout) : null;
}
