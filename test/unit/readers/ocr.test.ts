/**
 * Scans and photos on a laptop: a rendered invoice read by tesseract.js (its wasm core and its
 * English data from node_modules, nothing downloaded) and the layout reader, with the OCR's
 * confidence folded into each field's. Without an engine (a Lambda), an image stays marked
 * for Textract.
 */
import { readFileSync } from 'node:fs';
import { afterAll, describe, expect, it } from 'vitest';
import { TesseractOcr, imageSize } from '../../../lambdas/adapters/local/tesseract-ocr.ts';
import { readDocument } from '../../../lambdas/readers/index.ts';
import { foldConfidence, ocrLayout, useOcrEngine, type OcrPage } from '../../../lambdas/readers/ocr.ts';

const PNG = readFileSync(new URL('../../fixtures/readers/ocr/lines-invoice.png', import.meta.url));

describe('local OCR (tesseract.js)', () => {
  const ocr = new TesseractOcr();
  afterAll(async () => {
    useOcrEngine(null);
    await ocr.stop();
  });

  it('reads a rendered invoice: totals and lines by the layout reader, confident where the OCR and the arithmetic agree', async () => {
    useOcrEngine(ocr);
    const [r] = await readDocument({ bytes: PNG, filename: 'scan.png' });
    expect(r?.format).toBe('ocr');
    expect(r?.needsExtraction).toBeFalsy();
    expect(r?.bill).toMatchObject({ total: '127.50', net_total: '127.50' });
    expect(r?.bill?.lines?.length).toBe(2);
    expect(Number(r?.bill?.confidence?.['total'])).toBeGreaterThanOrEqual(0.8);
    // No currency is printed, only `$`: never a confident guess.
    expect(r?.bill?.currency ?? 'unclear').toBe('unclear');
  }, 180_000);

  it('without an engine, an image stays marked for OCR in AWS (Textract)', async () => {
    useOcrEngine(null);
    const [r] = await readDocument({ bytes: PNG, filename: 'scan.png' });
    expect(r?.bill).toBeNull();
    expect(r?.needsExtraction).toBe(true);
  });

  it('knows the size of a PNG', () => {
    const size = imageSize(PNG);
    expect(size?.width).toBeGreaterThan(500);
    expect(size?.height).toBeGreaterThan(500);
  });
});

describe('OCR words into the layout reader', () => {
  const word = (text: string, x0: number, y: number, line: number, confidence = 96) => ({ text, x0, y0: y - 20, x1: x0 + text.length * 14, y1: y, confidence, line });
  const page = (totalConfidence: number): OcrPage => ({
    width: 1240,
    height: 1754,
    words: [
      word('Invoice', 100, 120, 0),
      word('Invoice', 700, 220, 1), word('No:', 800, 220, 1), word('A-77', 1000, 220, 1),
      word('Subtotal', 700, 900, 2), word('100.00', 1000, 900, 2),
      word('VAT', 700, 940, 3), word('20%', 760, 940, 3), word('20.00', 1000, 940, 3),
      word('Total', 700, 980, 4), word('EUR', 790, 980, 4), word('120.00', 1000, 980, 4, totalConfidence),
    ],
  });

  it('words of one line split into cells at column gaps', () => {
    const { layout } = ocrLayout([page(96)]);
    expect(layout.rows.map((r) => r.cells.map((c) => c.text))).toEqual([['Invoice'], ['Invoice No:', 'A-77'], ['Subtotal', '100.00'], ['VAT 20%', '20.00'], ['Total EUR', '120.00']]);
  });

  it('a value the OCR was unsure of falls under the threshold, whatever the layout reader thought', () => {
    for (const [ocrConf, confident] of [[96, true], [65, false]] as const) {
      const { layout, cellConfidence } = ocrLayout([page(ocrConf)]);
      const bill = { total: '120.00', invoice_number: 'A-77', confidence: { total: 0.95, invoice_number: 0.9 } };
      const folded = foldConfidence(bill, layout, cellConfidence, 90);
      expect(Number(folded.confidence?.['total']) >= 0.8, String(ocrConf)).toBe(confident);
      expect(Number(folded.confidence?.['invoice_number'])).toBeGreaterThanOrEqual(0.8);
    }
  });

  it('a poor page leaves nothing confident', () => {
    const { layout, cellConfidence } = ocrLayout([page(96)]);
    const folded = foldConfidence({ total: '120.00', confidence: { total: 0.95 } }, layout, cellConfidence, 50);
    expect(Number(folded.confidence?.['total'])).toBeLessThan(0.8);
  });
});
