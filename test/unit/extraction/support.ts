/** Helpers for the extraction tests: recorded Converse responses replayed, document texts, PDFs built on the fly. */
import { readFileSync } from 'node:fs';
import type { ConverseCommand, ConverseCommandInput, ConverseCommandOutput } from '@aws-sdk/client-bedrock-runtime';
import { PDFDocument, StandardFonts } from 'pdf-lib';
import { BedrockInvoiceModel } from '../../../lambdas/adapters/aws/bedrock.ts';
import type { DocumentText, LayoutLine } from '../../../lambdas/core/ports/extractor.ts';
import type { CanonicalBill } from '../../../lambdas/core/bill.ts';
import { readDocument } from '../../../lambdas/readers/index.ts';

export function converseFixture(name: string): ConverseCommandOutput[] {
  return JSON.parse(readFileSync(new URL(`../../fixtures/extraction/${name}`, import.meta.url), 'utf8')) as ConverseCommandOutput[];
}

/** A Bedrock client that answers each Converse call with the next recorded response, and keeps the requests. */
export function replayingModel(fixture: string) {
  const responses = converseFixture(fixture);
  const requests: ConverseCommandInput[] = [];
  const client = {
    async send(command: ConverseCommand): Promise<ConverseCommandOutput> {
      // The loop mutates nothing it sent, but a copy keeps the recorded request as it was at the call.
      requests.push(structuredClone(command.input));
      const next = responses[requests.length - 1];
      if (!next) throw new Error(`${fixture}: no recorded response for call ${requests.length}`);
      return next;
    },
  };
  return { model: new BedrockInvoiceModel({ client }), requests };
}

/** Document text from rows of cells: `[top, [[left, text], …]]`, coordinates as fractions of the page. */
export function documentText(rows: readonly (readonly [number, readonly (readonly [number, string])[]])[], source: DocumentText['source'] = 'pdf-text-layer'): DocumentText {
  const lines: LayoutLine[] = rows.flatMap(([top, cells]) => cells.map(([left, text]) => ({ text, left, top, width: text.length * 0.008, height: 0.012 })));
  return { source, pageCount: 1, pages: [{ page: 1, lines }], hints: [] };
}

/** The Acme GmbH bill of test/support/builders.ts, as it is printed. */
export const ACME_ROWS: readonly (readonly [number, readonly (readonly [number, string])[]])[] = [
  [0.06, [[0.08, 'Acme GmbH · Industriestraße 1 · 10115 Berlin']]],
  [0.15, [[0.08, 'Example Ltd'], [0.6, 'Rechnungsnummer:'], [0.78, 'INV-1001']]],
  [0.17, [[0.6, 'Rechnungsdatum:'], [0.78, '02.03.2026']]],
  [0.19, [[0.6, 'Fällig am:'], [0.78, '01.04.2026']]],
  [0.21, [[0.6, 'Ihre Bestellung:'], [0.78, 'PO-7001']]],
  [0.3, [[0.08, 'Rechnung']]],
  [0.34, [[0.08, 'Pos'], [0.14, 'Artikel'], [0.26, 'Beschreibung'], [0.55, 'Menge'], [0.66, 'Einzelpreis'], [0.82, 'Betrag']]],
  [0.37, [[0.08, '1'], [0.14, 'A-100'], [0.26, 'Widget'], [0.56, '10'], [0.67, '12,50'], [0.83, '125,00']]],
  [0.45, [[0.6, 'Nettobetrag'], [0.83, '125,00 EUR']]],
  [0.47, [[0.6, 'USt. 19 %'], [0.83, '23,75 EUR']]],
  [0.49, [[0.6, 'Gesamtbetrag'], [0.83, '148,75 EUR']]],
  [0.94, [[0.08, 'Acme GmbH · USt-IdNr. DE123456789 · Amtsgericht Berlin HRB 12345']]],
];

export const ACME_TEXT = documentText(ACME_ROWS);

/** A page of text at positions given from the top left (points), as a PDF with a real text layer. */
export async function pdfWithText(pages: readonly (readonly { x: number; y: number; text: string; size?: number }[])[]): Promise<Uint8Array> {
  const doc = await PDFDocument.create();
  const font = await doc.embedFont(StandardFonts.Helvetica);
  for (const items of pages) {
    const page = doc.addPage([595, 842]);
    for (const it of items) page.drawText(it.text, { x: it.x, y: 842 - it.y, size: it.size ?? 10, font });
  }
  return doc.save();
}

/** Rows of cells (`[y, [[x, text], …]]`) on one page. */
export function rowsToItems(rows: readonly (readonly [number, readonly (readonly [number, string])[]])[], size = 10) {
  return rows.flatMap(([y, cells]) => cells.map(([x, text]) => ({ x, y, text, size })));
}

/** A one-page PDF of these items read by the product's reader: its one bill (throws with the exceptions otherwise). */
export async function readPage(items: readonly { x: number; y: number; text: string; size?: number }[]): Promise<CanonicalBill> {
  const [result] = await readDocument({ bytes: await pdfWithText([items]), filename: 'bill.pdf' });
  if (!result?.bill) throw new Error(JSON.stringify(result?.exceptions));
  return result.bill;
}

/** A field's confidence as a number (0 where the bill carries none). */
export const confidenceOf = (bill: CanonicalBill, field: string) => Number(bill.confidence?.[field] ?? 0);
