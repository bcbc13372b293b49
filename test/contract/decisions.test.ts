/**
 * Decisions against a real DynamoDB (DynamoDB Local): claims, reservations and spend are
 * conditional writes in one transaction, so races resolve to one winner and a failed
 * transaction leaves nothing behind.
 */
import { describe, expect, it } from 'vitest';
import type { CanonicalBill } from '../../lambdas/core/bill.ts';
import { newBillId } from '../../lambdas/core/ids.ts';
import { ConflictError } from '../../lambdas/core/ports/store.ts';
import { processBill } from '../../lambdas/core/process-bill.ts';
import { decide } from '../../lambdas/core/decide.ts';
import { validateBill } from '../../lambdas/core/validate.ts';
import { bill, master } from '../support/builders.ts';
import { freshStore } from '../support/db.ts';

const NOW = Date.parse('2026-03-03T10:00:00+01:00');

async function world() {
  const store = await freshStore();
  await store.importMaster(master());
  const submit = (b: CanonicalBill, opts: { hash?: string; part?: number } = {}) =>
    processBill(
      {
        billId: newBillId(),
        canonical: b,
        readingExceptions: [],
        source: { input: 'test.bill.json', part: opts.part ?? 0, format: 'bill-json', document_hash: opts.hash ?? newBillId(), submitter: null },
      },
      { store, now: () => NOW },
    );
  return { store, submit };
}

const codes = (r: { exceptions: readonly { code: string }[] }) => r.exceptions.map((e) => e.code);

describe('duplicates', () => {
  it('20 concurrent submissions of one bill yield exactly one that is not a duplicate', async () => {
    const { submit } = await world();
    const results = await Promise.all(Array.from({ length: 20 }, () => submit(bill())));
    const originals = results.filter((r) => !codes(r).includes('DUPLICATE'));
    expect(originals).toHaveLength(1);
    expect(originals[0]!.state).toBe('ready_for_payment');
    expect(results.filter((r) => r.state === 'blocked')).toHaveLength(19);
  }, 60_000);

  it('finds the same number written differently: within the window, or with the same total whatever the dates', async () => {
    const { submit } = await world();
    await submit(bill({ invoice_number: 'INV-0012' }));
    expect(codes(await submit(bill({ invoice_number: 'inv 12', issue_date: '2026-03-20', due_date: null, tax_total: '0', total: '125.00' })))).toContain('DUPLICATE');
    const sameTotalLater = await submit(bill({ invoice_number: 'ＩＮＶ－ＯＯ１２', issue_date: '2026-07-01', due_date: null }));
    expect(codes(sameTotalLater)).toContain('DUPLICATE');
    const otherTotalLater = await submit(bill({ invoice_number: 'INV12', issue_date: '2026-11-02', due_date: null, tax_total: '6.25', total: '131.25' }));
    expect(codes(otherTotalLater)).not.toContain('DUPLICATE');
  });

  it('finds byte-identical documents even when the numbers differ', async () => {
    const { submit } = await world();
    await submit(bill({ invoice_number: 'A-1' }), { hash: 'same', part: 0 });
    expect(codes(await submit(bill({ invoice_number: 'A-2' }), { hash: 'same', part: 0 }))).toEqual(['DUPLICATE']);
    expect(codes(await submit(bill({ invoice_number: 'A-3' }), { hash: 'same', part: 1 }))).not.toContain('DUPLICATE');
  });

  it('a duplicate reserves nothing', async () => {
    const { store, submit } = await world();
    await submit(bill());
    await submit(bill());
    expect((await store.billedQuantities('PO-7001')).value.get('1')?.toString()).toBe('10');
  });
});

describe('reservations and spend', () => {
  // Different issue dates: the same total on the same day under another number would be a possible duplicate.
  const half = (n: string) =>
    bill({ invoice_number: n, issue_date: `2026-03-0${n.slice(-1)}`, due_date: null, lines: [{ line_id: '1', item_code: 'A-100', description: 'Widget', quantity: '5', unit_price: '12.50', net_amount: '62.50' }], net_total: '62.50', tax_total: '0', total: '62.50' });

  it('partial bills add up against what was received', async () => {
    const { store, submit } = await world();
    expect(codes(await submit(half('P-1')))).toEqual([]);
    expect(codes(await submit(half('P-2')))).toEqual([]);
    expect(codes(await submit(half('P-3')))).toEqual(['QUANTITY_VARIANCE']);
    expect((await store.billedQuantities('PO-7001')).value.get('1')?.toString()).toBe('15');
  });

  it('concurrent partial bills never both take the last units', async () => {
    const { submit } = await world();
    const results = await Promise.all(['C-1', 'C-2', 'C-3'].map((n) => submit(half(n))));
    expect(results.map(codes).filter((c) => c.includes('QUANTITY_VARIANCE'))).toHaveLength(1);
  });

  it('touchless bills add to the spend, and the cap then blocks', async () => {
    const { store, submit } = await world();
    const big = (n: string, total: string) =>
      bill({ invoice_number: n, po_reference: null, lines: [{ line_id: '1', item_code: 'X', description: 'Other', quantity: '1', unit_price: total, net_amount: total }], net_total: total, tax_total: '0', total });
    await submit(bill());
    expect((await store.vendorSpend('V001', '0')).value.toString()).toBe('148.75');
    const r = await submit(big('CAP-1', '9900.00'));
    expect(codes(r)).toContain('CAP_EXCEEDED');
    expect(r.state).toBe('blocked');
  });
});

describe('transactions', () => {
  it('a failed transaction leaves no bill, no audit row and no claim', async () => {
    const { store } = await world();
    const policy = await store.policy();
    const typed = validateBill(bill()).bill!;
    const source = { input: 'x', part: 0, format: 'bill-json', document_hash: 'h1', submitter: null };
    const id = newBillId();
    const stale = await decide(typed, bill(), source, store, { billId: id, nowMs: NOW, policy });
    // Another bill claims the PO lines first: the stale decision's version check must fail.
    const other = await decide(validateBill(bill({ invoice_number: 'OTHER' })).bill!, null, { ...source, document_hash: 'h2' }, store, { billId: newBillId(), nowMs: NOW, policy });
    await store.commitDecision(other.commit);

    await expect(store.commitDecision(stale.commit)).rejects.toBeInstanceOf(ConflictError);
    expect(await store.getBill(id)).toBeNull();
    expect(await store.audit(id)).toEqual([]);
    expect(await store.documentClaim('h1#0')).toBeNull();
    expect((await store.duplicateClaim(stale.commit.duplicateClaim!.key)).value).toEqual([]);
  });

  it('writes the decision and its audit trail together', async () => {
    const { store, submit } = await world();
    const r = await submit(bill());
    const audit = await store.audit(r.bill_id);
    expect(audit.map((a) => [a.action, a.from_state, a.to_state])).toEqual([['approved_touchless', null, 'ready_for_payment']]);
    expect(audit[0]!.message).toContain('touchless');
    expect((await store.getBill(r.bill_id))?.state).toBe('ready_for_payment');
  });
});

describe('resolution', () => {
  it.each([
    { case: 'by tax id with spaces', patch: { supplier: { name: 'Whoever', tax_id: 'de 123 456 789' } }, vendor: 'V001' },
    { case: 'by alias', patch: { supplier: { name: 'ACME Widgets', tax_id: null } }, vendor: 'V001' },
    { case: 'by normalized name', patch: { supplier: { name: 'acme g.m.b.h.', tax_id: null } }, vendor: 'V001' },
    { case: 'unknown', patch: { supplier: { name: 'Nobody Ltd', tax_id: 'XX1' } }, vendor: null },
  ])('vendor $case', async ({ patch, vendor }) => {
    const { submit } = await world();
    expect((await submit(bill(patch))).vendor_id).toBe(vendor);
  });

  it('infers the PO when exactly one open PO fits every line', async () => {
    const { submit } = await world();
    const r = await submit(bill({ po_reference: null }));
    expect([r.po_number, r.po_inferred, codes(r)]).toEqual(['PO-7001', true, []]);
  });

  it('checks a credit note against the vendor, not a PO, and never pays it touchless', async () => {
    const { submit } = await world();
    const r = await submit(bill({ document_type: 'credit_note', po_reference: null }));
    expect([r.state, r.po_number, codes(r)]).toEqual(['awaiting_approval', null, []]);
  });
});
