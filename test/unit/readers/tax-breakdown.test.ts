/**
 * The VAT breakdown (EN 16931 BG-23, canonical `tax_breakdown`) in every reader: UBL
 * TaxSubtotal, CII ApplicableTradeTax (also ZUGFeRD 1.0), X12 TXI, the CSV breakdown columns,
 * the PDF text layer's tax table, and the Bedrock tool schema and prompt.
 */
import { describe, expect, it } from 'vitest';
import { extractInvoiceToolSchema, SYSTEM_PROMPT } from '../../../lambdas/core/extraction.ts';
import { readDocument } from '../../../lambdas/readers/index.ts';
import { pdfWithText, rowsToItems } from '../extraction/support.ts';
import { fixture, onlyBill } from './support.ts';

describe('tax_breakdown (BG-23) from structured formats', () => {
  it('UBL: the TaxSubtotals of the TaxTotal in the document currency, not the one in the tax currency', async () => {
    const bill = onlyBill(await readDocument(fixture('ubl-invoice.xml')));
    expect(bill.tax_breakdown).toEqual([{ category: 'S', rate: '19', taxable_amount: '125.00', tax_amount: '23.75' }]);
  });

  it('UBL without TaxSubtotal: null', async () => {
    const bill = onlyBill(await readDocument(fixture('ubl-credit-note.xml')));
    expect(bill.tax_breakdown).toBeNull();
  });

  it('CII: one row per header-level ApplicableTradeTax, amounts as written', async () => {
    const bill = onlyBill(await readDocument(fixture('cii-invoice.xml')));
    expect(bill.tax_breakdown).toEqual([
      { category: 'S', rate: '19.00', taxable_amount: '300.00', tax_amount: '57.00' },
      { category: 'S', rate: '19', taxable_amount: '10.00', tax_amount: '1.90' },
    ]);
  });

  it('ZUGFeRD 1.0: ApplicableTradeTax with ApplicablePercent', async () => {
    const bill = onlyBill(await readDocument(fixture('zugferd1-invoice.xml')));
    expect(bill.tax_breakdown).toEqual([{ category: 'S', rate: '19.00', taxable_amount: '20.00', tax_amount: '3.80' }]);
  });

  it('X12 810: TXI01 type, TXI02 amount, TXI03 percent, TXI08 basis; a negative invoice becomes a credit note with the rows negated', async () => {
    const results = await readDocument(fixture('x12-tax-breakdown.edi'));
    expect(results.map((r) => r.bill?.tax_breakdown)).toEqual([
      [
        { category: 'S', rate: '19', taxable_amount: '100.00', tax_amount: '19.00' },
        { category: 'S', rate: '7', taxable_amount: '100.00', tax_amount: '7.00' },
      ],
      [{ category: 'S', rate: '19', taxable_amount: '100.00', tax_amount: '19.00' }],
    ]);
    expect(results[1]!.bill).toMatchObject({ document_type: 'credit_note', total: '119.00', tax_total: '19.00' });
  });

  it('X12 810 version 005010: TXI03 .0825 is a fraction (8.25 %); a sales tax has no VAT category; the single row is on the net total', async () => {
    const bill = onlyBill(await readDocument(fixture('x12-5010-tax-fraction.edi')));
    expect(bill.tax_breakdown).toEqual([{ category: null, rate: '8.25', taxable_amount: '100.00', tax_amount: '8.25' }]);
  });

  it('X12 810: a TXI without a percent gives no breakdown (the tax total stays)', async () => {
    const [first] = await readDocument(fixture('x12-two-invoices.edi'));
    expect(first!.bill).toMatchObject({ tax_total: '24.00', tax_breakdown: null });
  });

  it('CSV: the breakdown_* columns add one row each; a bill without them has none', async () => {
    const results = await readDocument(fixture('csv-tax-breakdown.csv'));
    expect(results.map((r) => r.bill?.tax_breakdown)).toEqual([
      [
        { category: 'S', rate: '19', taxable_amount: '100.00', tax_amount: '19.00' },
        { category: 'S', rate: '7', taxable_amount: '100.00', tax_amount: '7.00' },
      ],
      null,
    ]);
  });
});

describe('tax_breakdown from the PDF text layer', () => {
  const invoice = (taxRows: [number, [number, string][]][]) =>
    rowsToItems([
      [60, [[50, 'Müller Bürotechnik GmbH · Hauptstraße 5 · 80331 München']]],
      [110, [[360, 'Rechnungsnummer:'], [470, 'RE-2024-0816']]],
      [124, [[360, 'Rechnungsdatum:'], [470, '15.03.2024']]],
      [240, [[50, 'Pos'], [80, 'Menge'], [130, 'Beschreibung'], [380, 'Einzelpreis'], [490, 'Gesamt']]],
      [258, [[50, '1'], [85, '10'], [130, 'Toner schwarz'], [390, '10,00'], [495, '100,00']]],
      [274, [[50, '2'], [85, '4'], [130, 'Fachbuch'], [390, '25,00'], [495, '100,00']]],
      [320, [[380, 'Nettobetrag'], [490, '200,00 €']]],
      ...taxRows,
      [420, [[380, 'Gesamtbetrag'], [490, '226,00 €']]],
      [780, [[50, 'Müller Bürotechnik GmbH'], [250, 'USt-IdNr. DE123456789']]],
    ]).concat([{ x: 50, y: 200, text: 'Rechnung', size: 16 }]);

  it('reads a tax table per rate (rate, net, tax, gross) that adds up to the totals, confidently', async () => {
    const items = invoice([
      [340, [[200, 'USt-Satz'], [280, 'Netto'], [360, 'USt'], [440, 'Brutto']]],
      [354, [[200, '19 %'], [280, '100,00'], [360, '19,00'], [440, '119,00']]],
      [368, [[200, '7 %'], [280, '100,00'], [360, '7,00'], [440, '107,00']]],
      [390, [[380, 'USt. gesamt'], [490, '26,00 €']]],
    ]);
    const bill = onlyBill(await readDocument({ bytes: await pdfWithText([items]), filename: 'bill.pdf' }));
    expect(bill.tax_total).toBe('26.00');
    expect(bill.tax_breakdown).toEqual([
      { category: null, rate: '19', taxable_amount: '100.00', tax_amount: '19.00' },
      { category: null, rate: '7', taxable_amount: '100.00', tax_amount: '7.00' },
    ]);
    expect(bill.confidence?.['tax_breakdown[1].tax_amount']).toBeGreaterThanOrEqual(0.8);
  });

  it('keeps no breakdown when the rows do not add up to the tax total', async () => {
    const items = invoice([
      [354, [[200, '19 %'], [280, '100,00'], [360, '19,00']]],
      [368, [[200, '7 %'], [280, '100,00'], [360, '7,00']]],
      [390, [[380, 'USt. gesamt'], [490, '26,00 €']]],
    ]).map((it) => (it.text === '7,00' ? { ...it, text: '9,00' } : it));
    const bill = onlyBill(await readDocument({ bytes: await pdfWithText([items]), filename: 'bill.pdf' }));
    expect(bill.tax_breakdown).toBeNull();
  });
});

describe('tax_breakdown in the Bedrock extract_invoice tool', () => {
  it('is in the tool schema (generated from the bill schema) as decimal strings, and the prompt explains it', () => {
    const schema = extractInvoiceToolSchema() as { properties: Record<string, unknown> };
    const text = JSON.stringify(schema.properties['tax_breakdown']);
    expect(text).toContain('taxable_amount');
    expect(text).toContain('tax_amount');
    expect(text).toContain('^-?[0-9]+(\\\\.[0-9]+)?$');
    expect(SYSTEM_PROMPT).toMatch(/tax_breakdown .*per rate/);
  });
});
