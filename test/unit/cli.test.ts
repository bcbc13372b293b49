/** `bm` on bad input: clear errors naming file and field; a bad bill never stops the run. */
import { mkdtempSync, writeFileSync, mkdirSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, inject, it } from 'vitest';
import { main } from '../../lambdas/cli/main.ts';
import { bill, GRN_CSV, POLICY_JSON, POS_CSV, VENDORS_CSV } from '../support/builders.ts';

function dir(files: Record<string, string>): string {
  const d = mkdtempSync(join(tmpdir(), 'bm-'));
  for (const [name, text] of Object.entries(files)) {
    mkdirSync(join(d, name, '..'), { recursive: true });
    writeFileSync(join(d, name), text);
  }
  return d;
}

async function bm(args: string[]) {
  let out = '';
  let err = '';
  // bm run's table on the test run's DynamoDB Local, not on one of its own (test/workflow/scenario.test.ts runs it whole).
  const code = await main(args, { stdout: (s) => (out += s), stderr: (s) => (err += s), runDatabase: { endpoint: inject('dynamoEndpoint') } });
  return { code, out, err, rows: out.trim().split('\n').filter((l) => l.startsWith('{')).map((l) => JSON.parse(l)) };
}

const masterFiles = { 'm/vendors.csv': VENDORS_CSV, 'm/purchase_orders.csv': POS_CSV, 'm/goods_receipts.csv': GRN_CSV, 'm/policy.json': POLICY_JSON };

describe('bm run on bad input', () => {
  it('turns a malformed bill into needs_review and goes on with the next file', async () => {
    const d = dir({ ...masterFiles, 'bad.bill.json': '{"invoice_number": "X", "lines": [', 'ok.bill.json': JSON.stringify(bill()), 'cur.bill.json': JSON.stringify(bill({ invoice_number: 'C', currency: 'XYZ' })) });
    const r = await bm(['run', '--master', join(d, 'm'), '--json', join(d, 'bad.bill.json'), join(d, 'ok.bill.json'), join(d, 'cur.bill.json')]);
    expect(r.code).toBe(0);
    expect(r.rows.map((x) => x.state)).toEqual(['needs_review', 'ready_for_payment', 'needs_review']);
    expect(r.rows[0].exceptions[0]).toMatchObject({ code: 'UNREADABLE', message: expect.stringContaining('bad.bill.json') });
    expect(r.rows[0]).toMatchObject({ vendor_id: null, po_number: null });
    expect(r.rows[2].exceptions[0]).toMatchObject({ code: 'CURRENCY_UNCLEAR', message: 'field currency: "XYZ" is not an ISO 4217 currency code' });
  });

  it('refuses master data with a bad row, naming file and line, and imports nothing', async () => {
    const d = dir({ ...masterFiles, 'm/vendors.csv': VENDORS_CSV.replace('10000,0', 'ten,0'), 'ok.bill.json': JSON.stringify(bill()) });
    const r = await bm(['run', '--master', join(d, 'm'), '--json', join(d, 'ok.bill.json')]);
    expect(r.code).toBe(2);
    expect(r.err).toContain(`${join(d, 'm', 'vendors.csv')}:2: authorization_cap "ten" is not a decimal number`);
    expect(r.rows).toEqual([]);
  });

  it('exits 1 for a file that cannot be read, after processing the others', async () => {
    const d = dir({ ...masterFiles, 'ok.bill.json': JSON.stringify(bill()) });
    const r = await bm(['run', '--master', join(d, 'm'), '--json', join(d, 'missing.bill.json'), join(d, 'ok.bill.json')]);
    expect(r.code).toBe(1);
    expect(r.err).toContain('missing.bill.json');
    expect(r.rows).toHaveLength(1);
  });

  it.each([
    { case: 'no --master', args: ['run', 'x.bill.json'], msg: 'run needs --master DIR' },
    { case: 'bad --now', args: ['run', '--master', 'm', '--now', 'yesterday', 'x'], msg: '--now "yesterday" is not an ISO 8601 date-time' },
    { case: 'unknown command', args: ['frobnicate'], msg: 'unknown command "frobnicate"' },
  ])('usage error: $case', async ({ args, msg }) => {
    const r = await bm(args);
    expect(r.code).toBe(2);
    expect(r.err).toContain(msg);
  });
});

describe('bm read', () => {
  it('prints the canonical bill of a .bill.json without touching a store', async () => {
    const d = dir({ 'a.bill.json': JSON.stringify(bill()) });
    const r = await bm(['read', '--json', join(d, 'a.bill.json')]);
    expect(r.code).toBe(0);
    expect(r.rows[0]).toMatchObject({ part: 0, format: 'bill-json', bill: { invoice_number: 'INV-1001', total: '148.75' }, exceptions: [] });
  });
});

describe('bm show / bm review without --stack', () => {
  it('points to the bill page of the local stack, and review without its file or reviewer is a usage error', async () => {
    let err = '';
    const io = { stdout: () => undefined, stderr: (s: string) => void (err += s) };
    const home = mkdtempSync(join(tmpdir(), 'bm-home-'));
    expect(await main(['review', 'b123', '--home', home], io)).toBe(2);
    expect(err).toContain('locally, a bill is reviewed on its page');
    err = '';
    expect(await main(['show'], io)).toBe(2);
    expect(err).toContain('show needs one BILL_ID');
  });
});
