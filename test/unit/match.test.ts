import { describe, expect, it } from 'vitest';
import { findPoLine, matchLines } from '../../lambdas/core/match.ts';
import type { PoLine, PurchaseOrder } from '../../lambdas/core/master.ts';
import { Decimal } from '../../lambdas/core/money.ts';
import { validateBill, type Bill } from '../../lambdas/core/validate.ts';
import { bill } from '../support/builders.ts';

const D = (s: string) => Decimal.parse(s);
const poLine = (o: Partial<PoLine> = {}): PoLine => ({
  line_no: '1', item_code: 'A-100', description: 'Widget', quantity: D('10'), unit_price: D('10.00'), receipt_required: true, received: D('10'), ...o,
});
const po = (lines: PoLine[] = [poLine()]): PurchaseOrder => ({ po_number: 'PO-1', vendor_id: 'V001', po_date: '2026-01-01', currency: 'EUR', status: 'open', lines });
const tol = { price_tolerance_pct: D('2'), quantity_tolerance_pct: D('0') };

function typed(lines: { item_code?: string | null; po_line?: string | null; description?: string; quantity: string; unit_price: string; base?: string }[], currency = 'EUR'): Bill {
  const ls = lines.map((l, i) => {
    const net = D(l.quantity).mul(D(l.unit_price)).div(D(l.base ?? '1'), 2).toFixed();
    return { line_id: String(i + 1), item_code: l.item_code === undefined ? 'A-100' : l.item_code, po_line: l.po_line ?? null, description: l.description ?? 'Widget', quantity: l.quantity, unit_code: 'C62', unit_price: l.unit_price, price_base_quantity: l.base ?? '1', net_amount: net };
  });
  const netTotal = ls.reduce((s, l) => s.add(D(l.net_amount)), Decimal.ZERO).toFixed(2);
  const r = validateBill(bill({ currency, lines: ls, net_total: netTotal, tax_total: '0', total: netTotal }));
  if (!r.bill) throw new Error(JSON.stringify(r.exceptions));
  return r.bill;
}
const codes = (b: Bill, p = po(), billed = new Map<string, Decimal>(), t = tol) => matchLines(b, p, billed, t).exceptions.map((e) => e.code);

describe('price check, on the line amount', () => {
  it.each([
    { case: '1.9% over is within 2%', price: '10.19', codes: [] },
    { case: 'exactly 2% is within', price: '10.20', codes: [] },
    { case: 'one minor unit over the limit is within', price: '10.21', codes: [] },
    { case: 'two minor units over the limit is a variance', price: '10.22', codes: ['PRICE_VARIANCE'] },
    { case: '2.1% over is a variance', price: '10.21', poPrice: '9.99', codes: ['PRICE_VARIANCE'] },
    { case: '2.5% over is a variance', price: '10.25', codes: ['PRICE_VARIANCE'] },
    { case: 'a lower price is fine', price: '8.00', codes: [] },
  ])('$case', ({ price, poPrice, codes: want }) => {
    expect(codes(typed([{ quantity: '1', unit_price: price }]), po([poLine({ unit_price: D(poPrice ?? '10.00') })]))).toEqual(want);
  });

  it.each([
    { case: 'amount at the limit + one minor unit (100 × 0.0102 + 0.01)', qty: '100', price: '0.0103', codes: [] },
    { case: 'amount one minor unit more', qty: '100', price: '0.0104', codes: ['PRICE_VARIANCE'] },
    { case: 'a price under one minor unit hides +99% no more (1000 × 0.0199 vs 0.01)', qty: '1000', price: '0.0199', codes: ['PRICE_VARIANCE'] },
    { case: 'one unit at 0.0199 is within one minor unit of 0.0102', qty: '1', price: '0.0199', codes: [] },
  ])('$case', ({ qty, price, codes: want }) => {
    const p = po([poLine({ unit_price: D('0.01'), quantity: D('1000'), received: D('1000') })]);
    expect(codes(typed([{ quantity: qty, unit_price: price }]), p)).toEqual(want);
  });

  it('uses the price per base quantity, and a price per 100 cannot hide an overcharge', () => {
    const p = po([poLine({ quantity: D('100'), received: D('100') })]);
    expect(codes(typed([{ quantity: '100', unit_price: '1000', base: '100' }]), p)).toEqual([]);
    expect(codes(typed([{ quantity: '100', unit_price: '1030', base: '100' }]), p)).toEqual(['PRICE_VARIANCE']);
    // 10 units at 15.00 per 100 units is 1.50 — 50 % over 10 × 0.10 = 1.00, one minor unit slack or not.
    const cheap = po([poLine({ unit_price: D('0.10'), quantity: D('10'), received: D('10') })]);
    expect(codes(typed([{ quantity: '10', unit_price: '15.00', base: '100' }]), cheap)).toEqual(['PRICE_VARIANCE']);
  });

  it('says the numbers', () => {
    const r = matchLines(typed([{ quantity: '1', unit_price: '10.40' }]), po(), new Map(), tol);
    expect(r.exceptions[0]?.message).toBe('line 1: amount 10.40 > 1 × PO 10.00 + 2% (10.20); unit price 10.40');
  });

  it('works in yen, to the yen', () => {
    const p = po([poLine({ unit_price: D('1200') })]);
    expect(codes(typed([{ quantity: '1', unit_price: '1225' }], 'JPY'), p)).toEqual([]);
    expect(codes(typed([{ quantity: '1', unit_price: '1226' }], 'JPY'), p)).toEqual(['PRICE_VARIANCE']);
  });
});

describe('quantity check', () => {
  it.each([
    { case: 'all received', qty: '10', billed: '0', codes: [] },
    { case: 'more than received', qty: '11', billed: '0', codes: ['QUANTITY_VARIANCE'] },
    { case: 'rest after partial billing', qty: '4', billed: '6', codes: [] },
    { case: 'over after partial billing', qty: '5', billed: '6', codes: ['QUANTITY_VARIANCE'] },
  ])('$case', ({ qty, billed, codes: want }) => {
    expect(codes(typed([{ quantity: qty, unit_price: '10.00' }]), po(), new Map([['1', D(billed)]]))).toEqual(want);
  });

  it('counts nothing received as nothing available', () => {
    expect(codes(typed([{ quantity: '1', unit_price: '10.00' }]), po([poLine({ received: D('0') })]))).toEqual(['QUANTITY_VARIANCE']);
  });

  it('uses the ordered quantity where no receipt is required (two-way)', () => {
    const p = po([poLine({ received: D('0'), receipt_required: false, quantity: D('12') })]);
    expect(codes(typed([{ quantity: '12', unit_price: '10.00' }]), p)).toEqual([]);
    expect(codes(typed([{ quantity: '13', unit_price: '10.00' }]), p)).toEqual(['QUANTITY_VARIANCE']);
  });

  it('applies the quantity tolerance', () => {
    const t = { ...tol, quantity_tolerance_pct: D('10') };
    expect(codes(typed([{ quantity: '11', unit_price: '10.00' }]), po(), new Map(), t)).toEqual([]);
    expect(codes(typed([{ quantity: '11.1', unit_price: '10.00' }]), po(), new Map(), t)).toEqual(['QUANTITY_VARIANCE']);
  });

  it('adds up several bill lines on one PO line, earlier lines first', () => {
    const r = matchLines(typed([{ quantity: '6', unit_price: '10.00' }, { quantity: '5', unit_price: '10.00' }]), po(), new Map(), tol);
    expect(r.exceptions.map((e) => [e.code, e.line])).toEqual([['QUANTITY_VARIANCE', '2']]);
    expect(r.reservations.get('1')?.toString()).toBe('11');
  });
});

describe('findPoLine', () => {
  const lines = [poLine(), poLine({ line_no: '2', item_code: 'B-200', description: 'Stainless hex bolt M8 x 40' }), poLine({ line_no: '3', item_code: null, description: 'Copy paper A4 80gsm ream' })];
  it.each([
    { case: 'item code, case and spaces ignored', line: { item_code: ' b-200 ', po_line: null, description: null }, want: '2' },
    { case: 'unknown code falls back to the line reference', line: { item_code: 'ZZZ', po_line: '3', description: null }, want: '3' },
    { case: 'no code, line reference', line: { item_code: null, po_line: '2', description: null }, want: '2' },
    { case: 'description by similarity', line: { item_code: null, po_line: null, description: 'copy paper a4 ream' }, want: '3' },
    { case: 'description too different', line: { item_code: null, po_line: null, description: 'paper clips' }, want: null },
  ])('$case', ({ line, want }) => {
    expect(findPoLine(line, lines)?.poLine.line_no ?? null).toBe(want);
  });

  it('refuses a tie between descriptions', () => {
    const tied = [poLine({ line_no: '1', item_code: null, description: 'blue pen' }), poLine({ line_no: '2', item_code: null, description: 'blue pen' })];
    expect(findPoLine({ item_code: null, po_line: null, description: 'blue pen' }, tied)).toBeNull();
  });

  it('reports an unmatched line', () => {
    expect(codes(typed([{ item_code: null, description: 'Something else entirely', quantity: '1', unit_price: '1.00' }]))).toEqual(['UNMATCHED_LINE']);
  });
});
