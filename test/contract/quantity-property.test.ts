/**
 * Property, on DynamoDB Local: whatever the order of bills, approvals, admin overrides and
 * rejections, the quantity paid on a PO line never exceeds what was received, and the PO
 * line's ledger holds exactly what the bills that still count reserve.
 */
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { actOnLink, approvalLinks, type ApprovalDeps } from '../../lambdas/core/approvals.ts';
import { newBillId } from '../../lambdas/core/ids.ts';
import { Decimal } from '../../lambdas/core/money.ts';
import { processBill } from '../../lambdas/core/process-bill.ts';
import { bill, master, POLICY_JSON } from '../support/builders.ts';
import { freshStore } from '../support/db.ts';

const NOW = Date.parse('2026-03-03T10:00:00+01:00');
const SECRET = new TextEncoder().encode('test-signing-secret-of-enough-length');
const RECEIVED = Decimal.from('10'); // PO-7001 line 1 (builders)

type Op =
  | { readonly kind: 'bill'; readonly qty: number; readonly changedIban: boolean; readonly resend: boolean }
  | { readonly kind: 'approve' | 'override' | 'reject'; readonly pick: number };

const op: fc.Arbitrary<Op> = fc.oneof(
  fc.record({ kind: fc.constant('bill' as const), qty: fc.integer({ min: 1, max: 6 }), changedIban: fc.boolean(), resend: fc.boolean() }),
  fc.record({ kind: fc.constantFrom('approve' as const, 'override' as const, 'reject' as const), pick: fc.nat(20) }),
);

async function play(ops: readonly Op[]): Promise<void> {
  const store = await freshStore();
  // Nothing touchless: every clean bill waits for its approver.
  await store.importMaster(master({ 'policy.json': POLICY_JSON.replace('"500"', '"0"') }));
  const deps: ApprovalDeps = { store, secret: SECRET, now: () => NOW };
  const ids: string[] = [];
  let n = 0;
  for (const o of ops) {
    if (o.kind === 'bill') {
      const number = o.resend && n > 0 ? `Q-${n}` : `Q-${++n}`;
      const qty = String(o.qty);
      const net = Decimal.from(qty).mul(Decimal.from('12.50')).toFixed(2);
      const r = await processBill(
        {
          billId: newBillId(),
          canonical: bill({
            invoice_number: number,
            issue_date: `2026-02-${String(10 + (n % 18)).padStart(2, '0')}`,
            due_date: null,
            supplier: { name: 'Acme GmbH', tax_id: 'DE123456789', iban: o.changedIban ? 'GB33BUKB20201555555555' : null },
            lines: [{ line_id: '1', item_code: 'A-100', description: 'Widget', quantity: qty, unit_price: '12.50', net_amount: net }],
            net_total: net,
            tax_total: '0',
            total: net,
          }),
          readingExceptions: [],
          source: { input: 'p', part: 0, format: 'bill-json', document_hash: newBillId(), submitter: null },
        },
        { store, now: () => NOW },
      );
      ids.push(r.bill_id);
      continue;
    }
    if (ids.length === 0) continue;
    const b = (await store.getBill(ids[o.pick % ids.length]!))!;
    const links = approvalLinks(b, NOW, SECRET);
    const approver = b.approvers[0];
    if (!approver) continue;
    // An approver approves only a clean bill; the admin overrides a blocked one; anyone pending may be rejected.
    if (o.kind === 'approve' && b.state === 'awaiting_approval') await actOnLink(links[approver]!.approve, {}, deps);
    if (o.kind === 'override' && b.state === 'blocked') await actOnLink(links[approver]!.approve, { reason: 'checked' }, deps);
    if (o.kind === 'reject') await actOnLink(links[approver]!.reject, { reason: 'no' }, deps);
  }

  const bills = await store.listBills();
  const held = (states: readonly string[]) =>
    bills.filter((b) => states.includes(b.state)).reduce((s, b) => s.add(Decimal.from(b.reservations['PO-7001']?.['1'] ?? '0')), Decimal.ZERO);
  // What the paid bills bill, from their lines (not from what they say they reserved).
  const paid = bills
    .filter((b) => b.state === 'ready_for_payment')
    .flatMap((b) => b.canonical?.lines ?? [])
    .reduce((s, l) => s.add(Decimal.from(l.quantity)), Decimal.ZERO);
  expect(paid.lte(RECEIVED), `paid ${paid} > received ${RECEIVED}`).toBe(true);
  // The ledger is exactly what the bills that still count hold.
  const ledger = (await store.billedQuantities('PO-7001')).value.get('1') ?? Decimal.ZERO;
  expect(ledger.toString()).toBe(held(['ready_for_payment', 'awaiting_approval', 'flagged', 'waiting_on_supplier']).toString());
  // Rejected and blocked bills hold nothing.
  for (const b of bills.filter((x) => x.state === 'rejected' || x.state === 'blocked')) expect(b.reservations).toEqual({});
}

describe('PO-line quantities under any order of bills, overrides and rejections', () => {
  it('never pay more than was received, and the ledger matches the bills', async () => {
    await fc.assert(fc.asyncProperty(fc.array(op, { minLength: 1, maxLength: 10 }), play), { numRuns: 15 });
  }, 180_000);
});
