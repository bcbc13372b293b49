import { describe, expect, it } from 'vitest';
import { billJsonSchema } from '../../lambdas/core/bill.ts';
import { Decimal } from '../../lambdas/core/money.ts';
import { validateBill } from '../../lambdas/core/validate.ts';
import { bill } from '../support/builders.ts';

const codes = (r: ReturnType<typeof validateBill>) => r.exceptions.map((e) => e.code);

describe('validateBill', () => {
  it('accepts a consistent bill and types its amounts exactly', () => {
    const r = validateBill(bill());
    expect(r.exceptions).toEqual([]);
    expect(r.bill?.total.toFixed(2)).toBe('148.75');
    expect(r.bill?.payable.toFixed(2)).toBe('148.75');
  });

  it.each([
    { case: 'line net off by two cents', patch: { lines: [{ ...bill().lines![0]!, net_amount: '125.02' }], net_total: '125.02', total: '148.77' }, code: 'TOTALS_INCONSISTENT' },
    { case: 'net total off', patch: { net_total: '126.00', total: '149.75' }, code: 'TOTALS_INCONSISTENT' },
    { case: 'total off', patch: { total: '150.00' }, code: 'TOTALS_INCONSISTENT' },
    { case: 'issue date not real', patch: { issue_date: '2026-02-30' }, code: 'DATE_INVALID' },
    { case: 'issue date missing', patch: { issue_date: null }, code: 'DATE_INVALID' },
    { case: 'due before issue', patch: { due_date: '2026-03-01' }, code: 'DATE_INVALID' },
    { case: 'currency unclear', patch: { currency: 'unclear' }, code: 'CURRENCY_UNCLEAR' },
    { case: 'currency not ISO', patch: { currency: 'EURO' }, code: 'CURRENCY_UNCLEAR' },
    { case: 'currency missing', patch: { currency: null }, code: 'CURRENCY_UNCLEAR' },
    { case: 'number missing', patch: { invoice_number: '  ' }, code: 'UNREADABLE' },
    { case: 'no lines', patch: { lines: [] }, code: 'UNREADABLE' },
    { case: 'amount not a number', patch: { total: '1.2.3' }, code: 'UNREADABLE' },
    { case: 'a line id repeated', patch: { lines: [{ ...bill().lines![0]!, net_amount: '62.50', quantity: '5' }, { ...bill().lines![0]!, net_amount: '62.50', quantity: '5' }] }, code: 'UNREADABLE' },
    { case: 'a tax row amount not a number', patch: { tax_breakdown: [{ category: 'S', rate: '19', taxable_amount: '125.00', tax_amount: 'x' }] }, code: 'UNREADABLE' },
  ])('$case → $code', ({ patch, code }) => {
    expect(codes(validateBill(bill(patch)))).toEqual([code]);
  });

  it.each(['eur', 'Eur', 'EUR'])('reads the currency code %s case-insensitively as EUR', (currency) => {
    const r = validateBill(bill({ currency }));
    expect(r.exceptions).toEqual([]);
    expect(r.bill?.currency).toBe('EUR');
  });

  it('types the tax breakdown exactly', () => {
    const r = validateBill(bill({ tax_breakdown: [{ category: 'S', rate: 19, taxable_amount: '125.00', tax_amount: '23.75' }] }));
    expect(r.bill?.tax_breakdown?.map((t) => [t.category, t.rate?.toString(), t.taxable_amount.toFixed(2), t.tax_amount.toFixed(2)])).toEqual([['S', '19', '125.00', '23.75']]);
  });

  it('allows one minor unit of rounding difference', () => {
    const r = validateBill(bill({ lines: [{ ...bill().lines![0]!, net_amount: '125.01' }], net_total: '125.01', total: '148.76' }));
    expect(r.exceptions).toEqual([]);
  });

  it('names the field of a shape problem', () => {
    const r = validateBill({ ...bill(), lines: [{ line_id: '1', quantity: true }] });
    expect(r.exceptions[0]?.code).toBe('UNREADABLE');
    expect(r.exceptions.map((e) => e.message).join(' ')).toContain('lines[0].quantity');
  });

  it('names the field of an unparsable line amount', () => {
    const r = validateBill(bill({ lines: [{ ...bill().lines![0]!, unit_price: 'twelve' }] }));
    expect(r.exceptions).toEqual([expect.objectContaining({ code: 'UNREADABLE', line: '1', message: expect.stringContaining('lines[0].unit_price') })]);
  });

  it('divides by the price base quantity', () => {
    const r = validateBill(bill({ lines: [{ ...bill().lines![0]!, unit_price: '1250', price_base_quantity: '100' }] }));
    expect(r.exceptions).toEqual([]);
  });

  it('checks JPY to the yen and BHD to the fils', () => {
    const jpy = validateBill(bill({ currency: 'JPY', lines: [{ ...bill().lines![0]!, unit_price: '1200', net_amount: '12000' }], net_total: '12000', tax_total: '1200', total: '13202' }));
    expect(codes(jpy)).toEqual(['TOTALS_INCONSISTENT']);
    const bhd = validateBill(bill({ currency: 'BHD', lines: [{ ...bill().lines![0]!, unit_price: '1.2345', net_amount: '12.345' }], net_total: '12.345', tax_total: '0', total: '12.346' }));
    expect(bhd.exceptions).toEqual([]);
  });

  it('subtracts allowances and adds charges', () => {
    const r = validateBill(bill({ allowance_total: '5.00', charge_total: '2.00', net_total: '122.00', tax_total: '23.18', total: '145.18' }));
    expect(r.exceptions).toEqual([]);
  });

  it('reports low confidence of extracted fields', () => {
    const r = validateBill(bill({ confidence: { total: 0.5, invoice_number: 0.99 } }), { confidenceThreshold: Decimal.from('0.8') });
    expect(r.exceptions).toEqual([expect.objectContaining({ code: 'LOW_CONFIDENCE', message: expect.stringContaining('total') })]);
  });

  it('computes payable from total, prepaid and rounding', () => {
    const r = validateBill(bill({ prepaid: '48.75', rounding: '0.01' }));
    expect(r.bill?.payable.toFixed(2)).toBe('100.01');
  });
});

describe('billJsonSchema', () => {
  it('describes the canonical bill for the extraction tool', () => {
    const s = billJsonSchema() as { properties: Record<string, unknown> };
    expect(Object.keys(s.properties)).toEqual(expect.arrayContaining(['invoice_number', 'lines', 'total', 'currency', 'confidence']));
  });
});
