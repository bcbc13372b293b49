/** Tax and charges (spec/domain.md §4a; `UNEXPECTED_CHARGE`), table-driven at their edges. */
import { describe, expect, it } from 'vitest';
import type { CanonicalBill } from '../../lambdas/core/bill.ts';
import { parsePolicy, taxPolicyFor, type MasterProblem } from '../../lambdas/core/master.ts';
import { Decimal } from '../../lambdas/core/money.ts';
import { checkCharges, checkTax, DEFAULT_TAX_RATES } from '../../lambdas/core/tax.ts';
import { validateBill, type Bill } from '../../lambdas/core/validate.ts';
import { bill } from '../support/builders.ts';

const D = (s: string) => Decimal.parse(s);
const RATES = DEFAULT_TAX_RATES.map(D);

/** One line of `net`, with the given tax total and breakdown; total = net + tax. */
function taxed(net: string, tax: string, breakdown?: CanonicalBill['tax_breakdown'], currency = 'EUR', charge: string | null = null): Bill {
  const lineNet = charge ? D(net).sub(D(charge)).toFixed() : net;
  const r = validateBill(
    bill({
      currency,
      lines: [{ line_id: '1', item_code: 'A-100', description: 'Widget', quantity: '1', unit_price: lineNet, net_amount: lineNet }],
      charge_total: charge,
      net_total: net,
      tax_total: tax,
      tax_breakdown: breakdown ?? null,
      total: D(net).add(D(tax)).toFixed(),
    }),
  );
  if (!r.bill) throw new Error(JSON.stringify(r.exceptions));
  return r.bill;
}
const codes = (b: Bill, rates = RATES) => checkTax(b, rates).map((e) => e.code);

describe('the default accepted rates', () => {
  it.each(['0', '19', '7', '20', '5.5', '2.1', '25.5', '13.5', '8.1', '2.6', '3.8', '27', '17', '4.8', '9.5'])('accepts %s %%', (r) => {
    expect(RATES.some((x) => x.eq(D(r)))).toBe(true);
  });
  it.each(['1', '16.5', '26', '30', '19.5'])('does not accept %s %%', (r) => {
    expect(RATES.some((x) => x.eq(D(r)))).toBe(false);
  });
});

describe('TAX_INVALID without a breakdown', () => {
  it.each([
    { case: 'at 19 %', net: '100.00', tax: '19.00', codes: [] },
    { case: 'at 19 %, one minor unit off', net: '100.00', tax: '19.01', codes: [] },
    { case: 'at 19 %, two minor units off', net: '100.00', tax: '19.02', codes: ['TAX_INVALID'] },
    { case: 'at 19 %, one minor unit under', net: '100.00', tax: '18.99', codes: [] },
    { case: 'a tax total of 0 (exempt, reverse charge)', net: '100.00', tax: '0', codes: [] },
    { case: 'at 5.5 %', net: '1000.00', tax: '55.00', codes: [] },
    { case: 'at an off-list 16.5 %', net: '1000.00', tax: '165.00', codes: ['TAX_INVALID'] },
    { case: '560 on 430 (130.2 %)', net: '430.00', tax: '560.00', codes: ['TAX_INVALID'] },
    { case: 'a negative tax', net: '100.00', tax: '-19.00', codes: ['TAX_INVALID'] },
  ])('$case → $codes', ({ net, tax, codes: want }) => {
    expect(codes(taxed(net, tax))).toEqual(want);
  });

  it('says the numbers', () => {
    expect(checkTax(taxed('430.00', '560.00'), [D('0'), D('7'), D('19')])[0]?.message).toBe('tax 560.00 on net 430.00 is 130.2 %; accepted rates: 0, 7, 19');
  });

  it('rounds to the currency: yen', () => {
    expect(codes(taxed('1001', '100', undefined, 'JPY'), [D('10')])).toEqual([]);
    expect(codes(taxed('1001', '102', undefined, 'JPY'), [D('10')])).toEqual(['TAX_INVALID']);
  });
});

describe('TAX_INVALID with a breakdown', () => {
  const row = (rate: string | null, base: string, tax: string, category = 'S') => ({ category, rate, taxable_amount: base, tax_amount: tax });
  it.each([
    { case: 'one row at 19 %', rows: [row('19', '100.00', '19.00')], net: '100.00', tax: '19.00', codes: [] },
    { case: 'two rows, 19 % and 7 %', rows: [row('19', '100.00', '19.00'), row('7', '50.00', '3.50')], net: '150.00', tax: '22.50', codes: [] },
    { case: 'a row one minor unit off', rows: [row('19', '100.00', '19.01')], net: '100.00', tax: '19.01', codes: [] },
    { case: 'a row two minor units off', rows: [row('19', '100.00', '19.02')], net: '100.00', tax: '19.02', codes: ['TAX_INVALID'] },
    { case: 'a rate off the list', rows: [row('16.5', '100.00', '16.50')], net: '100.00', tax: '16.50', codes: ['TAX_INVALID'] },
    { case: 'a row without a rate, with tax', rows: [row(null, '100.00', '19.00')], net: '100.00', tax: '19.00', codes: ['TAX_INVALID'] },
    { case: 'a row without a rate and without tax (category O, outside scope)', rows: [row(null, '100.00', '0.00', 'O')], net: '100.00', tax: '0', codes: [] },
    { case: 'taxable amounts not the net total', rows: [row('19', '90.00', '17.10')], net: '100.00', tax: '17.10', codes: ['TAX_INVALID'] },
    { case: 'an exempt row beside a 19 % row', rows: [row('19', '100.00', '19.00'), row('0', '0', '0', 'E')], net: '100.00', tax: '19.00', codes: [] },
    { case: 'an exempt row at 0', rows: [row('0', '100.00', '0.00', 'E')], net: '100.00', tax: '0', codes: [] },
  ])('$case → $codes', ({ rows, net, tax, codes: want }) => {
    expect(codes(taxed(net, tax, rows))).toEqual(want);
  });

  it('a tax total the rows do not add up to', () => {
    const b = { ...taxed('100.00', '19.00', [{ category: 'S', rate: '19', taxable_amount: '100.00', tax_amount: '19.00' }]), tax_total: D('19.50') };
    expect(checkTax(b, RATES).map((e) => e.message)).toEqual(['the tax rows add up to 19.00, not the tax total 19.50']);
  });
});

describe('UNEXPECTED_CHARGE', () => {
  it.each([
    { case: 'no charge', charge: null, max: '0', codes: [] },
    { case: 'any charge over the default 0', charge: '0.01', max: '0', codes: ['UNEXPECTED_CHARGE'] },
    { case: 'a charge at the limit', charge: '25.00', max: '25', codes: [] },
    { case: 'one minor unit over the limit', charge: '25.01', max: '25', codes: ['UNEXPECTED_CHARGE'] },
    { case: 'a document charge of 700', charge: '700.00', max: '25', codes: ['UNEXPECTED_CHARGE'] },
  ])('$case → $codes', ({ charge, max, codes: want }) => {
    expect(checkCharges(taxed('800.00', '0', undefined, 'EUR', charge), D(max)).map((e) => e.code)).toEqual(want);
  });
});

describe('policy keys tax_rates and max_charge', () => {
  const parse = (json: object) => {
    const problems: MasterProblem[] = [];
    return { policy: parsePolicy(JSON.stringify({ admin_approver: 'a@example.com', ...json }), problems), problems };
  };
  it('defaults to the documented list and no charge', () => {
    const { policy } = parse({});
    expect(policy!.tax_rates.map(String)).toEqual(DEFAULT_TAX_RATES);
    expect(policy!.max_charge.toString()).toBe('0');
    expect(policy!.fiscal_year_start).toBe('01-01');
  });
  it('takes per-supplier overrides', () => {
    const { policy } = parse({ tax_rates: ['0', '19'], max_charge: '10', suppliers: { V9: { tax_rates: ['0', '8.1'], max_charge: '50' } } });
    expect(taxPolicyFor(policy!, 'V9').tax_rates.map(String)).toEqual(['0', '8.1']);
    expect(taxPolicyFor(policy!, 'V9').max_charge.toString()).toBe('50');
    expect(taxPolicyFor(policy!, 'V1').tax_rates.map(String)).toEqual(['0', '19']);
    expect(taxPolicyFor(policy!, null).max_charge.toString()).toBe('10');
  });
  it.each([
    { case: 'a rate over 100', json: { tax_rates: ['101'] }, problem: 'tax_rates' },
    { case: 'an empty list', json: { tax_rates: [] }, problem: 'tax_rates' },
    { case: 'a negative charge', json: { max_charge: '-1' }, problem: 'max_charge' },
    { case: 'a fiscal year start that is not MM-DD', json: { fiscal_year_start: '4-1' }, problem: 'fiscal_year_start' },
    { case: 'a fiscal year start on 29 February', json: { fiscal_year_start: '02-29' }, problem: 'fiscal_year_start' },
  ])('refuses $case', ({ json, problem }) => {
    const r = parse(json);
    expect(r.policy).toBeNull();
    expect(r.problems.map((p) => p.reason).join('\n')).toContain(problem);
  });
});
