import { AFRelationship, PDFDocument } from 'pdf-lib';
import { describe, expect, it } from 'vitest';
import type { CanonicalBill } from '../../../lambdas/core/bill.ts';
import { Decimal } from '../../../lambdas/core/money.ts';
import type { DocumentStore } from '../../../lambdas/core/ports/documents.ts';
import { readSubmission } from '../../../lambdas/core/read-submission.ts';
import { validateBill } from '../../../lambdas/core/validate.ts';
import { readDocument } from '../../../lambdas/readers/index.ts';
import type { ReadResult } from '../../../lambdas/readers/types.ts';
import { pdfWithText, rowsToItems } from './support.ts';

const THRESHOLD = { confidenceThreshold: Decimal.from('0.8') };
const read = async (bytes: Uint8Array, filename = 'bill.pdf') => readDocument({ bytes, filename });
const only = (results: readonly ReadResult[]): { result: ReadResult; bill: CanonicalBill } => {
  expect(results).toHaveLength(1);
  const [result] = results;
  if (!result?.bill) throw new Error(`no bill: ${JSON.stringify(result?.exceptions)}`);
  return { result, bill: result.bill };
};
const lowFields = (bill: CanonicalBill) => validateBill(bill, THRESHOLD).exceptions.filter((e) => e.code === 'LOW_CONFIDENCE').map((e) => /field (\S+):/.exec(e.message)?.[1]);

/** A German invoice with labels right of their values, a line table and the legal footer. */
const GERMAN = rowsToItems([
  [60, [[50, 'Müller Bürotechnik GmbH · Hauptstraße 5 · 80331 München']]],
  [110, [[50, 'Beispielkunde AG'], [360, 'Rechnungsnummer:'], [470, 'RE-2024-0815']]],
  [124, [[50, 'Kundenweg 1'], [360, 'Rechnungsdatum:'], [470, '15.03.2024']]],
  [138, [[50, '60311 Frankfurt'], [360, 'Fälligkeitsdatum:'], [470, '14.04.2024']]],
  [152, [[360, 'Bestellnummer:'], [470, 'PO-4711']]],
  [240, [[50, 'Pos'], [80, 'Menge'], [130, 'Beschreibung'], [380, 'Einzelpreis'], [490, 'Gesamt']]],
  [258, [[50, '1'], [85, '10'], [130, 'Toner schwarz'], [390, '45,00'], [495, '450,00']]],
  [274, [[50, '2'], [85, '2'], [130, 'Papier A4, 500 Blatt'], [395, '4,50'], [500, '9,00']]],
  [320, [[380, 'Nettobetrag'], [490, '459,00 €']]],
  [334, [[380, 'USt. 19 %'], [490, '87,21 €']]],
  [348, [[380, 'Gesamtbetrag'], [490, '546,21 €']]],
  [780, [[50, 'Müller Bürotechnik GmbH'], [250, 'USt-IdNr. DE123456789'], [400, 'IBAN DE89 3704 0044 0532 0130 00']]],
]).concat([{ x: 50, y: 200, text: 'Rechnung', size: 16 }]);

/** An English invoice: letterhead, labels, a Bill To block, values in pounds by code. */
const ENGLISH = [
  { x: 50, y: 50, text: 'Northwind Traders Ltd', size: 16 },
  { x: 420, y: 50, text: 'INVOICE', size: 18 },
  ...rowsToItems([
    [70, [[50, '12 Harbour Road, Bristol BS1 4DJ']]],
    [110, [[50, 'Bill To:'], [350, 'Invoice No:'], [450, 'NW-10023']]],
    [124, [[50, 'Contoso GmbH'], [350, 'Invoice Date:'], [450, 'March 5, 2024']]],
    [138, [[50, 'Your VAT No: DE999999999'], [350, 'Due Date:'], [450, 'April 4, 2024']]],
    [152, [[350, 'PO Number:'], [450, '4500012345']]],
    [220, [[50, 'Description'], [300, 'Qty'], [370, 'Unit Price'], [480, 'Amount']]],
    [238, [[50, 'Consulting services (hours)'], [305, '12'], [375, '95.00'], [480, '1,140.00']]],
    [254, [[50, 'Travel expenses'], [305, '1'], [375, '260.50'], [485, '260.50']]],
    [300, [[370, 'Subtotal'], [480, '1,400.50']]],
    [314, [[370, 'VAT 20%'], [480, '280.10']]],
    [328, [[370, 'Total GBP'], [480, '1,680.60']]],
    [780, [[50, 'Northwind Traders Ltd · VAT Reg No GB123456789 · Registered in England 01234567']]],
  ]),
];

describe('pdf-text: a German invoice', () => {
  it('reads every header field, the totals and the line table, each above the threshold', async () => {
    const { result, bill } = only(await read(await pdfWithText([GERMAN])));

    expect(result.format).toBe('pdf-text');
    expect(result.needsExtraction).toBe(true);
    expect(bill).toMatchObject({
      document_type: 'invoice',
      invoice_number: 'RE-2024-0815',
      issue_date: '2024-03-15',
      due_date: '2024-04-14',
      currency: 'EUR',
      supplier: { name: 'Müller Bürotechnik GmbH', tax_id: 'DE123456789', iban: 'DE89370400440532013000' },
      po_reference: 'PO-4711',
      net_total: '459.00',
      tax_total: '87.21',
      total: '546.21',
    });
    expect(bill.lines).toMatchObject([
      { line_id: '1', description: 'Toner schwarz', quantity: '10', unit_price: '45.00', net_amount: '450.00' },
      { line_id: '2', description: 'Papier A4, 500 Blatt', quantity: '2', unit_price: '4.50', net_amount: '9.00' },
    ]);
    // Labels that cannot be mistaken, totals that add up, lines that add up to the net total: no doubt left.
    expect(validateBill(bill, THRESHOLD).exceptions).toEqual([]);
  });

  it('keeps a value above the threshold only while the arithmetic confirms it', async () => {
    const broken = GERMAN.map((it) => (it.text === '546,21 €' ? { ...it, text: '564,21 €' } : it));

    const { bill } = only(await read(await pdfWithText([broken])));

    expect(bill.total).toBe('564.21');
    // The lines still confirm the net total; nothing confirms the tax and the total any more.
    expect(lowFields(bill)).toEqual(['tax_total', 'total']);
    expect(validateBill(bill, THRESHOLD).exceptions.map((e) => e.code)).toContain('TOTALS_INCONSISTENT');
  });
});

describe('pdf-text: an English invoice', () => {
  it('reads it, and does not take the buyer block or the buyer VAT id for the supplier', async () => {
    const { bill } = only(await read(await pdfWithText([ENGLISH])));

    expect(bill).toMatchObject({
      invoice_number: 'NW-10023',
      issue_date: '2024-03-05',
      due_date: '2024-04-04',
      currency: 'GBP',
      supplier: { name: 'Northwind Traders Ltd', tax_id: 'GB123456789' },
      po_reference: '4500012345',
      net_total: '1400.50',
      tax_total: '280.10',
      total: '1680.60',
    });
    expect(bill.lines).toMatchObject([
      { description: 'Consulting services (hours)', quantity: '12', unit_price: '95.00', net_amount: '1140.00' },
      { description: 'Travel expenses', quantity: '1', unit_price: '260.50', net_amount: '260.50' },
    ]);
    expect(validateBill(bill, THRESHOLD).exceptions).toEqual([]);
  });

  it('sends what it cannot be sure of to review: a day/month order nothing decides, a shared currency symbol', async () => {
    const items = rowsToItems([
      [60, [[50, 'INVOICE']]],
      [100, [[50, 'Invoice No:'], [150, '7781']]],
      [114, [[50, 'Date:'], [150, '03/04/2024']]],
      [200, [[350, 'Total:'], [450, '$120.00']]],
    ]);

    const { bill } = only(await read(await pdfWithText([items])));

    expect(bill.issue_date).toBe('2024-04-03');
    expect(bill.currency).toBe('unclear');
    expect(lowFields(bill)).toEqual(expect.arrayContaining(['issue_date', 'total']));
    expect(validateBill(bill, THRESHOLD).exceptions.map((e) => e.code)).toEqual(expect.arrayContaining(['CURRENCY_UNCLEAR', 'LOW_CONFIDENCE', 'UNREADABLE']));
  });

  it('gives conflicting values for one field a low confidence', async () => {
    const items = rowsToItems([
      [60, [[50, 'INVOICE']]],
      [100, [[50, 'Invoice No:'], [150, 'A-100']]],
      [120, [[50, 'Thank you for your business and your continued trust.']]],
      [400, [[50, 'Invoice No:'], [150, 'B-200']]],
    ]);

    const { bill } = only(await read(await pdfWithText([items])));

    expect(bill.confidence?.['invoice_number']).toBeLessThan(0.8);
  });
});

describe('pdf-text: documents that are not read as bills here', () => {
  it('a PDF without a text layer (a scan) is marked for OCR and unreadable offline', async () => {
    const doc = await PDFDocument.create();
    const page = doc.addPage([595, 842]);
    page.drawImage(await doc.embedPng(TINY_PNG), { x: 50, y: 400, width: 400, height: 300 });

    const [r] = await read(await doc.save(), 'scan.pdf');

    expect(r?.bill).toBeNull();
    expect(r?.needsExtraction).toBe(true);
    expect(r?.exceptions).toEqual([{ code: 'UNREADABLE', line: null, message: 'scan.pdf: a PDF without a text layer (a scan): needs OCR (Textract) — not available offline' }]);
  });

  it.each([
    { case: 'PNG', bytes: TINY_PNG, what: 'a PNG image' },
    { case: 'JPEG', bytes: new Uint8Array([0xff, 0xd8, 0xff, 0xe0, 0, 0x10, 0x4a, 0x46]), what: 'a JPEG image' },
    { case: 'TIFF', bytes: new Uint8Array([0x49, 0x49, 0x2a, 0x00, 8, 0, 0, 0]), what: 'a TIFF image' },
  ])('a $case photo is marked for OCR by its magic bytes', async ({ bytes, what }) => {
    const [r] = await read(bytes, 'photo.bin');

    expect(r).toMatchObject({ format: 'image', bill: null, needsExtraction: true });
    expect(r?.exceptions[0]?.message).toBe(`photo.bin: ${what}: needs OCR (Textract) — not available offline`);
  });

  it('a purchase order is refused as not a bill', async () => {
    const items = rowsToItems([
      [60, [[50, 'PURCHASE ORDER']]],
      [100, [[50, 'Order date:'], [150, '2024-03-01']]],
      [200, [[350, 'Total:'], [450, '120.00 EUR']]],
    ]);

    const [r] = await read(await pdfWithText([items]));

    expect(r?.bill).toBeNull();
    expect(r?.exceptions[0]?.message).toContain('not a bill');
    expect(r?.needsExtraction).toBe(false);
  });
});

describe('Factur-X keeps the exact XML path', () => {
  it('reads the embedded XML, not the page (whose text says something else)', async () => {
    const page = GERMAN.map((it) => (it.text === 'RE-2024-0815' ? { ...it, text: 'PRINTED-999' } : it));
    const doc = await PDFDocument.load(await pdfWithText([page]));
    const xml = new Uint8Array(await import('node:fs').then((fs) => fs.readFileSync(new URL('../../fixtures/readers/cii-invoice.xml', import.meta.url))));
    await doc.attach(xml, 'factur-x.xml', { mimeType: 'text/xml', afRelationship: AFRelationship.Alternative });

    const { result, bill } = only(await read(await doc.save()));

    expect(result.format).toBe('facturx');
    expect(bill.invoice_number).toBe('FX-2026-001');
    expect(bill.confidence).toBeUndefined();
    expect(result.needsExtraction).toBeUndefined();
  });
});

describe('readSubmission maps the marker', () => {
  it.each([
    { case: 'a text-layer PDF', bytes: () => pdfWithText([GERMAN]), format: 'pdf-text', hasBill: true },
    { case: 'a photo', bytes: async () => TINY_PNG, format: 'image', hasBill: false },
  ])('$case → needs_extraction', async ({ bytes, format, hasBill }) => {
    const stored = await bytes();
    const documents: DocumentStore = { put: async () => undefined, get: async () => stored };

    const out = await readSubmission({ id: 's1', document_key: 'k1', name: 'in.bin', submitter: null, received_at: '2026-03-03T10:00:00Z' }, { documents });

    expect(out.needs_extraction).toBe(true);
    expect(out.parts[0]).toMatchObject({ format, needs_extraction: true, extraction: null });
    expect(out.parts[0]?.bill !== null).toBe(hasBill);
  });
});

/** A 1×1 PNG. */
const TINY_PNG = Uint8Array.from(
  Buffer.from('iVBORw0KGgoAAAANSUhEUgAAAAEAAAABCAYAAAAfFcSJAAAADUlEQVR42mP8z8BQDwAEhQGAhKmMIQAAAABJRU5ErkJggg==', 'base64'),
);
