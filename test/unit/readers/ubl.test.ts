import { describe, expect, it } from 'vitest';
import { readDocument } from '../../../lambdas/readers/index.ts';
import { fixture, onlyBill } from './support.ts';

describe('UBL reader', () => {
  it('reads a Peppol invoice into the canonical bill, amounts exactly as written', async () => {
    const results = await readDocument(fixture('ubl-invoice.xml'));

    expect(results[0]?.format).toBe('ubl');
    const bill = onlyBill(results);
    expect(bill).toMatchObject({
      document_type: 'invoice',
      invoice_number: 'INV-0012',
      issue_date: '2026-03-02',
      due_date: '2026-04-01',
      currency: 'EUR',
      supplier: { name: 'Acme GmbH & Co. KG', tax_id: 'DE123456789', iban: 'DE89370400440532013000', email: 'billing@acme.example' },
      buyer: { name: 'Example Ltd' },
      po_reference: 'PO-7001',
      allowance_total: '5.00',
      charge_total: null,
      net_total: '125.00',
      tax_total: '23.75',
      total: '148.75',
      prepaid: '0.00',
      rounding: null,
      payable: '148.75',
      notes: 'Thank you & goodbye',
    });
  });

  it.each([
    { case: 'seller item id, PO line, line allowances and charge summed', index: 0, expected: { line_id: '1', item_code: 'A-100', po_line: '3', description: 'Widget', quantity: '0010', unit_code: 'C62', unit_price: '12.50', price_base_quantity: null, net_amount: '120.00', allowance_total: '10.00', charge_total: '5.00' } },
    { case: "buyer's item id when the seller's is absent, base quantity", index: 1, expected: { line_id: '2', item_code: 'B-77', po_line: null, description: 'Bolts, loose', quantity: '1.10', unit_code: 'KGM', unit_price: '90.90', price_base_quantity: '10', net_amount: '10.00', allowance_total: null, charge_total: null } },
  ])('line: $case', async ({ index, expected }) => {
    const bill = onlyBill(await readDocument(fixture('ubl-invoice.xml')));

    expect(bill.lines).toHaveLength(2); // the SubInvoiceLine is not a top-level line
    expect(bill.lines?.[index]).toEqual(expected);
  });

  it('reads a CreditNote with any prefixes: due date from PaymentMeans, CDATA kept verbatim', async () => {
    const bill = onlyBill(await readDocument(fixture('ubl-credit-note.xml')));

    expect(bill).toMatchObject({
      document_type: 'credit_note',
      invoice_number: 'CN-5',
      due_date: '2026-03-31',
      supplier: { name: 'Acme Trading', tax_id: null },
      buyer: { name: null },
      tax_total: '1.90',
      total: '11.90',
    });
    expect(bill.lines?.[0]).toMatchObject({ quantity: '2', unit_code: 'H87', description: 'Returned <Widget> & box' });
  });

  it.each([
    { case: 'type code 381 in an Invoice root', code: '381', expected: 'credit_note' },
    { case: 'type code 396 (factored credit note)', code: '396', expected: 'credit_note' },
    { case: 'type code 380 (commercial invoice)', code: '380', expected: 'invoice' },
    { case: 'type code 384 (corrected invoice)', code: '384', expected: 'invoice' },
  ])('document type: $case', async ({ code, expected }) => {
    const xml = new TextDecoder().decode(fixture('ubl-invoice.xml').bytes).replace('<cbc:InvoiceTypeCode>380<', `<cbc:InvoiceTypeCode>${code}<`);

    const bill = onlyBill(await readDocument({ bytes: new TextEncoder().encode(xml), filename: 'x.xml' }));

    expect(bill.document_type).toBe(expected);
  });
});
