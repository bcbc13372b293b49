import { describe, expect, it } from 'vitest';
import type { CanonicalBill } from '../../../lambdas/core/bill.ts';
import { readDocument } from '../../../lambdas/readers/index.ts';
import { negate, normalizeSign } from '../../../lambdas/readers/normalize.ts';
import { input, onlyBill } from './support.ts';

const line = (quantity: string, unit_price: string, net_amount: string) => ({ line_id: '1', quantity, unit_price, net_amount });

const negativeInvoice: CanonicalBill = {
  document_type: 'invoice',
  invoice_number: 'R-1',
  lines: [line('-2', '10.00', '-20.00'), { ...line('1', '-5.00', '-5.00'), allowance_total: '0.00' }, line('3', '1.00', '3.00')],
  allowance_total: null,
  net_total: '-22.00',
  tax_total: '-4.18',
  total: '-26.18',
  prepaid: '0.00',
  payable: '-26.18',
};

describe('sign normalisation', () => {
  it('reads an invoice with a negative total as a credit note with every amount negated', () => {
    const out = normalizeSign(negativeInvoice);

    expect(out).toMatchObject({ document_type: 'credit_note', allowance_total: null, net_total: '22.00', tax_total: '4.18', total: '26.18', prepaid: '0.00', payable: '26.18' });
  });

  it.each([
    { case: 'negative quantity: the quantity is negated', index: 0, expected: { quantity: '2', unit_price: '10.00', net_amount: '20.00' } },
    { case: 'negative price: the price is negated, not the quantity', index: 1, expected: { quantity: '1', unit_price: '5.00', net_amount: '5.00', allowance_total: '0.00' } },
    { case: 'a positive line of a negative invoice becomes negative', index: 2, expected: { quantity: '-3', unit_price: '1.00', net_amount: '-3.00' } },
  ])('line: $case', ({ index, expected }) => {
    expect(normalizeSign(negativeInvoice).lines?.[index]).toMatchObject(expected);
  });

  it.each([
    { case: 'a positive invoice', bill: { ...negativeInvoice, total: '26.18' } },
    { case: 'a credit note (signs as written)', bill: { ...negativeInvoice, document_type: 'credit_note' as const } },
    { case: 'an unparsable total', bill: { ...negativeInvoice, total: 'n/a', payable: null } },
  ])('leaves $case unchanged', ({ bill }) => {
    expect(normalizeSign(bill)).toBe(bill);
  });

  it.each([
    { case: 'minus removed', v: '-12.50', expected: '12.50' },
    { case: 'minus added', v: '12.50', expected: '-12.50' },
    { case: 'plus sign replaced', v: '+3', expected: '-3' },
    { case: 'zero stays unsigned', v: '-0.00', expected: '0.00' },
    { case: 'a JSON number', v: 1.5, expected: '-1.5' },
    { case: 'null', v: null, expected: null },
  ])('negate: $case', ({ v, expected }) => {
    expect(negate(v)).toBe(expected);
  });

  it('is applied by readDocument after any reader', async () => {
    const json = JSON.stringify({ ...negativeInvoice, lines: [line('-2', '10.00', '-20.00')] });

    const bill = onlyBill(await readDocument(input(json, 'r.bill.json')));

    expect(bill).toMatchObject({ document_type: 'credit_note', total: '26.18', lines: [{ quantity: '2', net_amount: '20.00' }] });
  });
});
