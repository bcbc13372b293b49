import { describe, expect, it } from 'vitest';
import { readDocument } from '../../../lambdas/readers/index.ts';
import { n2, x12Separators } from '../../../lambdas/readers/x12.ts';
import { fixture, input, refusal } from './support.ts';

describe('X12 810 reader', () => {
  it('reads each ST 810 of an interchange as one part, with the separators the ISA declares', async () => {
    const results = await readDocument(fixture('x12-two-invoices.edi', 'invoices.txt'));

    expect(results.map((r) => [r.part, r.format, r.origin])).toEqual([
      [0, 'x12-810', 'ST 0001'],
      [1, 'x12-810', 'ST 0002'],
    ]);
    expect(results[0]?.bill).toMatchObject({
      document_type: 'invoice',
      invoice_number: 'INV-810-1',
      issue_date: '2026-03-02',
      due_date: '2026-04-01',
      currency: 'USD',
      supplier: { name: 'Acme Supply Inc' },
      buyer: { name: 'Example Corp' },
      po_reference: 'PO-9001',
      net_total: '127.00',
      tax_total: '24.00',
      total: '151.00',
      payable: '151.00',
      notes: 'Pallets returnable',
    });
  });

  it.each([
    { case: "seller's VP code preferred over the buyer's BP", index: 0, expected: { line_id: '1', item_code: 'ACME-100', description: 'Widget, large', quantity: '10', unit_code: 'EA', unit_price: '12.50', net_amount: '125.00', allowance_total: null } },
    { case: 'no IT101 (position), price ".75", line SAC allowance in N2', index: 1, expected: { line_id: '2', item_code: null, description: 'Spacer', quantity: '4', unit_code: 'CA', unit_price: '0.75', net_amount: '2.00', allowance_total: '1.00' } },
  ])('line: $case', async ({ index, expected }) => {
    const [first] = await readDocument(fixture('x12-two-invoices.edi'));

    expect(first?.bill?.lines?.[index]).toMatchObject(expected);
  });

  it('reads BIG07 CR as a credit note and a composite product qualifier by its first component', async () => {
    const [, second] = await readDocument(fixture('x12-two-invoices.edi'));

    expect(second?.bill).toMatchObject({ document_type: 'credit_note', invoice_number: 'CR-810-2', currency: null, tax_total: null, total: '25.00' });
    expect(second?.bill?.lines?.[0]).toMatchObject({ item_code: 'ACME-100', net_amount: '25.00' });
  });

  it.each([
    { case: 'tilde and colon, CRLF after segments', isa: 'ISA*00*          *00*          *ZZ*A              *ZZ*B              *260302*1200*U*00401*000000001*0*P*:~\r\n', expected: { element: '*', component: ':', segment: '~' } },
    { case: 'line feed as segment terminator', isa: 'ISA*00*0000000000*01*0000000000*ZZ*A*ZZ*B*101127*1719*U*00400*000003438*0*P*>\n', expected: { element: '*', component: '>', segment: '\n' } },
  ])('separators: $case', ({ isa, expected }) => {
    expect(x12Separators(isa)).toEqual(expected);
  });

  it.each([
    { case: 'two implied decimals', raw: '843202', expected: '8432.02' },
    { case: 'small amount', raw: '5', expected: '0.05' },
    { case: 'negative', raw: '-2500', expected: '-25.00' },
  ])('TDS01 N2: $case', ({ raw, expected }) => {
    expect(n2(raw)).toBe(expected);
  });

  it.each([
    { case: 'a truncated ISA', text: 'ISA*00*     ', reason: 'x.edi: X12 ISA segment is truncated or malformed' },
    { case: 'an interchange without an 810', text: 'ISA*00*          *00*          *ZZ*A              *ZZ*B              *260302*1200*U*00401*000000001*0*P*:~ST*850*0001~BEG*00~SE*3*0001~', reason: 'holds no 810 invoice (transaction sets: 850)' },
  ])('refuses $case', async ({ text, reason }) => {
    expect(refusal(await readDocument(input(text, 'x.edi')))).toContain(reason);
  });
});
