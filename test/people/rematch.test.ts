/**
 * Re-match after master data changes, through the local stack and the CLI: a bill flagged
 * QUANTITY_VARIANCE (billed more than received) turns clean when the receipt is imported with
 * `bm import`, as its next version, audited with the reason; other flagged bills stay.
 */
import { cp, mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { loadMasterFolder } from '../../lambdas/adapters/local/master-folder.ts';
import type { CanonicalBill } from '../../lambdas/core/bill.ts';
import { main } from '../../lambdas/cli/main.ts';
import { DEMO, submitBill, testStack, type TestStack } from '../support/local.ts';

function blades(invoice: string, unitPrice = '24.00'): CanonicalBill {
  const net = (10 * Number(unitPrice)).toFixed(2);
  const tax = ((10 * Number(unitPrice) * 19) / 100).toFixed(2);
  return {
    document_type: 'invoice',
    invoice_number: invoice,
    issue_date: '2026-03-02',
    currency: 'EUR',
    supplier: { name: 'Castor Tools AG', tax_id: 'DE811907980', iban: 'DE02120300000000202051', email: null },
    po_reference: 'PO-3002',
    lines: [{ line_id: '1', item_code: 'SAW-BL-190', description: 'Circular saw blade 190 mm', quantity: '10', unit_price: unitPrice, net_amount: net }],
    net_total: net,
    tax_total: tax,
    total: (Number(net) + Number(tax)).toFixed(2),
  };
}

describe('re-match after master data changes', () => {
  let stack: TestStack;
  let master: string;

  beforeAll(async () => {
    stack = await testStack();
    // Only 4 of the 10 saw blades of PO-3002 received so far.
    master = await mkdtemp(join(tmpdir(), 'bm-master-'));
    await cp(join(DEMO, 'master'), master, { recursive: true });
    const grn = join(master, 'goods_receipts.csv');
    await writeFile(grn, (await readFile(grn, 'utf8')).replace('GRN-5303,PO-3002,1,10,2026-02-25', 'GRN-5303,PO-3002,1,4,2026-02-25'));
    await stack.store.importMaster(await loadMasterFolder(master));
  }, 60_000);
  afterAll(async () => {
    await stack?.dispose();
    await rm(master, { recursive: true, force: true });
  });

  it('a receipt import turns a QUANTITY_VARIANCE bill clean, as its next version, audited with the reason', async () => {
    const early = await submitBill(stack, blades('CT-6001'), 'ct-6001.bill.json');
    expect(early).toMatchObject({ state: 'flagged', exceptions: [expect.objectContaining({ code: 'QUANTITY_VARIANCE' })] });
    // Flagged for a price too: master data cannot settle that, so it stays as it is.
    const dear = await submitBill(stack, { ...blades('CT-6002', '30.00'), po_reference: 'PO-3003', lines: [{ line_id: '1', item_code: 'WB-STEEL-2M', description: 'Steel workbench 2 m', quantity: '1', unit_price: '700.00', net_amount: '700.00' }], net_total: '700.00', tax_total: '133.00', total: '833.00' }, 'ct-6002.bill.json');
    expect(dear.exceptions.map((e) => e.code)).toContain('PRICE_VARIANCE');

    const dearVersion = (await stack.store.getBill(dear.bill_id))!.version;
    // The other 6 arrive: the receipt is imported.
    const grn = join(master, 'goods_receipts.csv');
    await writeFile(grn, (await readFile(grn, 'utf8')) + 'GRN-5399,PO-3002,1,6,2026-03-03\n');
    const out: string[] = [];
    const code = await main(['import', master, '--home', stack.home], { stdout: (t) => void out.push(t), stderr: (t) => void out.push(t) });
    expect(code).toBe(0);
    expect(out.join('')).toMatch(/re-match: 1 of 1 flagged bill decided again\n {2}CT-6001 {2}flagged \(QUANTITY_VARIANCE\) → ready_for_payment/);

    const after = (await stack.store.getBill(early.bill_id))!;
    expect(after).toMatchObject({ state: 'ready_for_payment', exceptions: [], revision: 2 });
    expect(after.reservations).toEqual({ 'PO-3002': { '1': '10' } });
    expect((await stack.store.billedQuantities('PO-3002')).value.get('1')!.toString()).toBe('10');
    const rematched = (await stack.store.audit(early.bill_id)).find((a) => a.action === 'rematched')!;
    expect(rematched.message).toBe(`master data changed (bm import ${master}): flagged for QUANTITY_VARIANCE, decided again as version 2`);
    expect((await stack.store.getBill(dear.bill_id))!.version).toBe(dearVersion);
    expect((await stack.store.audit(dear.bill_id)).some((a) => a.action === 'rematched')).toBe(false);

    // Nothing left to settle: bm rematch says so.
    const again: string[] = [];
    expect(await main(['rematch', '--home', stack.home], { stdout: (t) => void again.push(t), stderr: (t) => void again.push(t) })).toBe(0);
    expect(again.join('')).toBe('re-match: no flagged bill waits on master data\n');
  });
});
