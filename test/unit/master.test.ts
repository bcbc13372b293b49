import { describe, expect, it } from 'vitest';
import { MasterDataError, parseMasterData } from '../../lambdas/core/master.ts';
import { GRN_CSV, master, POLICY_JSON, POS_CSV, VENDORS_CSV } from '../support/builders.ts';

function problems(files: Parameters<typeof master>[0]): string[] {
  try {
    master(files);
  } catch (err) {
    if (err instanceof MasterDataError) return err.problems.map((p) => `${p.file}:${p.line ?? '-'}: ${p.reason}`);
    throw err;
  }
  return [];
}

describe('vendors.csv ytd_as_of (optional column)', () => {
  const withAsOf = (v: string) =>
    VENDORS_CSV.replace('approver,category', 'approver,category,ytd_as_of').replace('buyer@example.com,', `buyer@example.com,,${v}`).replace(',,it', ',,it,');
  it('reads the date, and empty as the import moment', () => {
    const m = master({ 'vendors.csv': withAsOf('2026-03-31') });
    expect(m.vendors.map((v) => v.ytd_as_of)).toEqual(['2026-03-31', null]);
    expect(master().vendors[0]!.ytd_as_of ?? null).toBeNull();
  });
  it('refuses a date that is not real, naming file, line and column', () => {
    expect(problems({ 'vendors.csv': withAsOf('2026-02-30') })).toEqual(['vendors.csv:2: ytd_as_of "2026-02-30" is not a real date (YYYY-MM-DD)']);
  });
});

describe('master data import', () => {
  it('reads vendors, POs with their receipts, and the policy with defaults', () => {
    const m = master();
    expect(m.vendors.map((v) => v.vendor_id)).toEqual(['V001', 'V002']);
    expect(m.vendors[0]!.aliases).toEqual(['Acme Widgets', 'ACW']);
    expect(m.vendors[0]!.authorization_cap?.toString()).toBe('10000');
    expect(m.vendors[1]!.authorization_cap).toBeNull();
    const po = m.purchaseOrders.find((p) => p.po_number === 'PO-7001')!;
    expect(po.lines.map((l) => [l.line_no, l.received.toString()])).toEqual([['1', '10'], ['2', '5']]);
    expect(m.purchaseOrders.find((p) => p.po_number === 'PO-7002')!.lines[0]!.receipt_required).toBe(false);
    expect(m.policy.duplicate_window_days).toBe(90);
    expect(m.policy.price_tolerance_pct.toString()).toBe('2');
  });

  it('tolerates a BOM, quoted cells and columns in any order', () => {
    const csv = '\uFEFFname,vendor_id,aliases\n"Quoted, Name Ltd",V9,"A|""B"""\n';
    const m = parseMasterData({ 'vendors.csv': csv, 'policy.json': POLICY_JSON });
    expect(m.vendors[0]).toMatchObject({ vendor_id: 'V9', name: 'Quoted, Name Ltd', aliases: ['A', '"B"'] });
  });

  it.each([
    { case: 'bad decimal', files: { 'vendors.csv': VENDORS_CSV.replace('10000,0', '10k,0') }, want: 'vendors.csv:2: authorization_cap "10k" is not a decimal number' },
    { case: 'bad boolean', files: { 'vendors.csv': VENDORS_CSV.replace(',false,buyer', ',maybe,buyer') }, want: 'vendors.csv:2: blocked "maybe" must be true or false' },
    { case: 'unknown currency', files: { 'purchase_orders.csv': POS_CSV.replace('2026-02-01,EUR,open,1,A-100', '2026-02-01,EUX,open,1,A-100') }, want: 'purchase_orders.csv:2: currency "EUX" is not an ISO 4217 currency code' },
    { case: 'not a real date', files: { 'purchase_orders.csv': POS_CSV.replace('PO-7002,V002,2026-02-01', 'PO-7002,V002,2026-02-31') }, want: 'purchase_orders.csv:4: po_date "2026-02-31" is not a real date (YYYY-MM-DD)' },
    { case: 'PO of an unknown vendor', files: { 'purchase_orders.csv': POS_CSV.replace('PO-7002,V002', 'PO-7002,V404') }, want: 'purchase_orders.csv:4: vendor_id V404 is not in vendors.csv' },
    { case: 'receipt of an unknown PO line', files: { 'goods_receipts.csv': GRN_CSV + 'GRN-3,PO-7001,9,1,2026-02-21\n' }, want: 'goods_receipts.csv:4: PO-7001 line 9 is not in purchase_orders.csv' },
    { case: 'missing column', files: { 'goods_receipts.csv': 'grn_number,po_number\nG,P\n' }, want: 'goods_receipts.csv:1: missing columns line_no, received_quantity' },
    { case: 'second approver is the admin', files: { 'policy.json': JSON.stringify({ admin_approver: 'a@x.example', second_approver: 'a@x.example' }) }, want: 'policy.json:-: second_approver: second_approver must not be the admin_approver (dual sign-off needs two different people)' },
    { case: 'policy without admin', files: { 'policy.json': '{}' }, want: 'policy.json:-: admin_approver is missing' },
  ])('reports $case with file and line', ({ files, want }) => {
    expect(problems(files)).toContain(want);
  });

  it('reports every bad row, not just the first', () => {
    const bad = VENDORS_CSV.replace('10000,0', '10k,0').replace(',false,,it', ',nope,,it');
    expect(problems({ 'vendors.csv': bad })).toHaveLength(2);
  });
});
