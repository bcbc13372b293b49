/**
 * A decision made ahead of its turn (the local workflow decides the next bills while an earlier
 * one commits) is recorded only when nothing it read has changed since: its commit is conditional
 * on every version it read, also on those it does not write (a PO it reserves nothing on, a spend
 * ledger it adds nothing to). Otherwise it is decided again, on what the table holds then.
 */
import { describe, expect, it } from 'vitest';
import type { CanonicalBill } from '../../lambdas/core/bill.ts';
import { newBillId } from '../../lambdas/core/ids.ts';
import { ConflictError } from '../../lambdas/core/ports/store.ts';
import { decideFirst, processBill, sharedReads, type ProcessInput } from '../../lambdas/core/process-bill.ts';
import { bill, consultingDay, master } from '../support/builders.ts';
import { freshStore } from '../support/db.ts';

const NOW = Date.parse('2026-03-03T10:00:00+01:00');
const codes = (r: { exceptions: readonly { code: string }[] }) => r.exceptions.map((e) => e.code);
const widgets = (n: string, qty: string): CanonicalBill => {
  const net = (Number(qty) * 12.5).toFixed(2);
  return bill({ invoice_number: n, lines: [{ line_id: '1', item_code: 'A-100', description: 'Widget', quantity: qty, unit_price: '12.50', net_amount: net }], net_total: net, tax_total: '0', total: net });
};
const input = (b: CanonicalBill): ProcessInput => ({
  billId: newBillId(),
  canonical: b,
  readingExceptions: [],
  source: { input: 't.bill.json', part: 0, format: 'bill-json', document_hash: newBillId(), submitter: null },
});

async function world() {
  const store = await freshStore();
  await store.importMaster(master());
  return { store, deps: { store, now: () => NOW } };
}

describe('a decision made ahead of its turn', () => {
  it('is refused when a PO quantity or a spend ledger it read, and does not write, changed since; decided again, it is recorded', async () => {
    const { store, deps } = await world();
    expect((await processBill(input(widgets('W-1', '4')), deps)).state).toBe('ready_for_payment');
    // The same invoice again: a duplicate reserves nothing and adds no spend, but it read the PO's quantities and the vendor's spend.
    const copy = input(widgets('W-1', '4'));
    const ahead = await decideFirst(copy, deps, sharedReads(store));
    expect(ahead.commit.reservations).toEqual([]);
    expect(ahead.commit.spend).toBeNull();
    expect(ahead.commit.readVersions).toEqual(
      expect.arrayContaining([
        { of: 'billed', key: 'PO-7001', version: 1 },
        { of: 'spend', key: 'V001', version: 1 },
      ]),
    );
    // Meanwhile another bill on the same PO, from the same vendor, is recorded.
    expect((await processBill(input(widgets('W-2', '3')), deps)).state).toBe('ready_for_payment');
    await expect(store.commitDecision(ahead.commit)).rejects.toBeInstanceOf(ConflictError);
    expect(await store.getBill(copy.billId)).toBeNull();
    // Decided again: the duplicate it is, on the quantities as they are now.
    const again = await processBill(copy, deps);
    expect(codes(again)).toContain('DUPLICATE');
    expect((await store.billedQuantities('PO-7001')).value.get('1')?.toString()).toBe('7');
  });

  it('is recorded as it was decided when nothing it read changed', async () => {
    const { store, deps } = await world();
    await processBill(input(widgets('W-1', '4')), deps);
    const next = input(widgets('W-3', '6'));
    const ahead = await decideFirst(next, deps, sharedReads(store));
    // Another vendor's bill on another PO changes nothing this one read.
    const other = consultingDay('C-9');
    await processBill(input(other), deps);
    await store.commitDecision(ahead.commit);
    const recorded = await store.getBill(next.billId);
    expect(recorded?.state).toBe('ready_for_payment');
    expect((await store.billedQuantities('PO-7001')).value.get('1')?.toString()).toBe('10');
  });
});
