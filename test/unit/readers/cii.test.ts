import { describe, expect, it } from 'vitest';
import { readDocument } from '../../../lambdas/readers/index.ts';
import { fixture, onlyBill } from './support.ts';

describe('CII reader', () => {
  it('reads a D16B invoice: format-102 dates, VAT id by scheme VA, tax total in the invoice currency', async () => {
    const results = await readDocument(fixture('cii-invoice.xml'));

    expect(results[0]?.format).toBe('cii');
    expect(onlyBill(results)).toMatchObject({
      document_type: 'invoice',
      invoice_number: 'FX-2026-001',
      issue_date: '2026-03-02',
      due_date: '2026-04-01',
      currency: 'EUR',
      supplier: { name: 'Lieferant GmbH', tax_id: 'DE987654321', iban: 'DE02120300000000202051', email: 'rechnung@lieferant.example' },
      buyer: { name: 'Kunde AG' },
      po_reference: 'PO-4711',
      allowance_total: '0.00',
      charge_total: '10.00',
      net_total: '310.00',
      tax_total: '58.90',
      total: '368.90',
      prepaid: '100.00',
      rounding: '0.10',
      payable: '269.00',
      notes: 'First note\nSecond note',
    });
  });

  it.each([
    { case: 'net price, basis quantity, line allowance', index: 0, expected: { line_id: '1', item_code: 'S-1', po_line: '10', description: 'Service bundle', quantity: '2.50', unit_code: 'HUR', unit_price: '100.00', price_base_quantity: '1', net_amount: '225.00', allowance_total: '25.00', charge_total: null } },
    { case: "buyer's id when the seller's is absent", index: 1, expected: { line_id: '2', item_code: 'B-2', po_line: null, description: 'Travel', quantity: '1', unit_code: 'C62', unit_price: '75', price_base_quantity: null, net_amount: '75.00', allowance_total: null, charge_total: null } },
  ])('line: $case (sub-lines with a ParentLineID are skipped)', async ({ index, expected }) => {
    const bill = onlyBill(await readDocument(fixture('cii-invoice.xml')));

    expect(bill.lines).toHaveLength(2);
    expect(bill.lines?.[index]).toEqual(expected);
  });

  it('reads ZUGFeRD 1.0 (CrossIndustryDocument) by analogy', async () => {
    const bill = onlyBill(await readDocument(fixture('zugferd1-invoice.xml')));

    expect(bill).toMatchObject({
      invoice_number: 'ZF1-77',
      issue_date: '2014-05-19',
      due_date: '2014-06-18',
      supplier: { name: 'Alt Lieferant KG', tax_id: 'DE111222333' },
      po_reference: 'PO-1',
      net_total: '20.00',
      tax_total: '3.80',
      total: '23.80',
      payable: null,
    });
    expect(bill.lines?.[0]).toMatchObject({ line_id: '1', item_code: 'ZF-9', quantity: '2.0000', unit_price: '10.0000', price_base_quantity: '1.0000', net_amount: '20.00' });
  });

  it.each([
    { case: 'format 102', attr: ' format="102"', value: '20260302', expected: '2026-03-02' },
    { case: 'no format, eight digits', attr: '', value: '20260302', expected: '2026-03-02' },
    { case: 'another format is kept as written', attr: ' format="610"', value: '202603', expected: '202603' },
  ])('issue date: $case', async ({ attr, value, expected }) => {
    const xml = new TextDecoder()
      .decode(fixture('cii-invoice.xml').bytes)
      .replace('<udt:DateTimeString format="102">20260302</udt:DateTimeString>', `<udt:DateTimeString${attr}>${value}</udt:DateTimeString>`);

    const bill = onlyBill(await readDocument({ bytes: new TextEncoder().encode(xml), filename: 'cii.xml' }));

    expect(bill.issue_date).toBe(expected);
  });
});
