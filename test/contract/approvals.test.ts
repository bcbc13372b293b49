/**
 * Signed approval links against a real DynamoDB (DynamoDB Local): forgery, tampering, expiry,
 * replay, dual sign-off races and the approval-time gate.
 */
import { describe, expect, it } from 'vitest';
import { approvalLinks, actOnLink, viewLink, type ApprovalDeps } from '../../lambdas/core/approvals.ts';
import { signLink, verifyLink } from '../../lambdas/core/approval-links.ts';
import type { CanonicalBill } from '../../lambdas/core/bill.ts';
import { newBillId } from '../../lambdas/core/ids.ts';
import { processBill } from '../../lambdas/core/process-bill.ts';
import { bill, master, POLICY_JSON, VENDORS_CSV } from '../support/builders.ts';
import { freshStore } from '../support/db.ts';

const NOW = Date.parse('2026-03-03T10:00:00+01:00');
const SECRET = new TextEncoder().encode('test-signing-secret-of-enough-length');

async function world(vendors = VENDORS_CSV) {
  const store = await freshStore();
  // Touchless up to 20.00 only, so that small honest bills wait for an approver.
  await store.importMaster(master({ 'vendors.csv': vendors, 'policy.json': POLICY_JSON.replace('"500"', '"20"') }));
  let clock = NOW;
  const sent: { to: string; subject: string }[] = [];
  const deps: ApprovalDeps = { store, secret: SECRET, now: () => clock, notifySupplier: async (m) => void sent.push(m) };
  const submit = async (b: CanonicalBill) =>
    processBill({ billId: newBillId(), canonical: b, readingExceptions: [], source: { input: 't', part: 0, format: 'bill-json', document_hash: newBillId(), submitter: null } }, { store, now: () => clock });
  const links = async (id: string) => approvalLinks((await store.getBill(id))!, clock, SECRET);
  return { store, deps, submit, links, sent, advance: (ms: number) => (clock += ms) };
}

/** 238.00 (200.00 + 19 % VAT): above the touchless limit (20), below the dual threshold. */
const awaiting = (n = 'A-1', o: Partial<CanonicalBill> = {}) =>
  bill({ invoice_number: n, lines: [{ line_id: '1', item_code: 'A-100', description: 'Widget', quantity: '8', unit_price: '12.50', net_amount: '100.00' }, { line_id: '2', item_code: 'B-200', quantity: '5', unit_price: '20.00', net_amount: '100.00' }], net_total: '200.00', tax_total: '38.00', total: '238.00', ...o });

describe('links', () => {
  it('verifies a genuine link and refuses a forged or tampered one', () => {
    const token = signLink({ b: 'b1', a: 'approve', p: 'x@example.com', n: 'n1', e: NOW / 1000 + 60, h: 'h' }, SECRET);
    expect(verifyLink(token, SECRET, NOW).ok).toBe(true);
    expect(verifyLink(token, new TextEncoder().encode('another secret'), NOW)).toMatchObject({ ok: false, reason: 'forged' });
    const [body, sig] = token.split('.');
    for (const field of ['b', 'a', 'p'] as const) {
      const payload = JSON.parse(Buffer.from(body!, 'base64url').toString());
      payload[field] = field === 'a' ? 'reject' : 'someone-else';
      const tampered = `${Buffer.from(JSON.stringify(payload)).toString('base64url')}.${sig}`;
      expect(verifyLink(tampered, SECRET, NOW)).toMatchObject({ ok: false, reason: 'forged' });
    }
  });

  it('refuses an expired link', () => {
    const token = signLink({ b: 'b1', a: 'approve', p: 'x@example.com', n: 'n1', e: NOW / 1000 - 1, h: 'h' }, SECRET);
    expect(verifyLink(token, SECRET, NOW)).toMatchObject({ ok: false, reason: 'expired' });
  });
});

describe('approving', () => {
  it('GET alone changes nothing; POST approves, through the gate, into payment', async () => {
    const w = await world();
    const b = await w.submit(awaiting());
    expect(b.state).toBe('awaiting_approval');
    const l = (await w.links(b.bill_id))['buyer@example.com']!;
    expect(await viewLink(l.approve, w.deps)).toMatchObject({ kind: 'confirm', action: 'approve', needs: null });
    expect((await w.store.getBill(b.bill_id))!.state).toBe('awaiting_approval');
    const done = await actOnLink(l.approve, {}, w.deps);
    expect(done).toMatchObject({ kind: 'done', bill: { state: 'ready_for_payment' } });
    expect((await w.store.vendorSpend('V001', '0')).value.toString()).toBe('238');
    expect((await w.store.audit(b.bill_id)).map((a) => a.action)).toEqual(['decided', 'approved']);
  });

  it('refuses a replayed link and a decision on a decided bill', async () => {
    const w = await world();
    const b = await w.submit(awaiting());
    const l = (await w.links(b.bill_id))['buyer@example.com']!;
    await actOnLink(l.approve, {}, w.deps);
    expect(await actOnLink(l.approve, {}, w.deps)).toMatchObject({ kind: 'refused', reason: expect.stringMatching(/already decided|used already/i), decided: true });
    expect(await actOnLink(l.reject, {}, w.deps)).toMatchObject({ kind: 'refused', reason: expect.stringMatching(/^Already decided: by .* the bill is ready for payment/), decided: true });
    expect((await w.store.audit(b.bill_id))).toHaveLength(2);
  });

  it('refuses an expired link on the real path', async () => {
    const w = await world();
    const b = await w.submit(awaiting());
    const l = (await w.links(b.bill_id))['buyer@example.com']!;
    w.advance(15 * 86_400_000);
    expect(await actOnLink(l.approve, {}, w.deps)).toMatchObject({ kind: 'refused', reason: expect.stringContaining('expired') });
  });

  it('refuses a link when the bill changed after the email', async () => {
    const w = await world();
    const b = await w.submit(awaiting());
    const l = (await w.links(b.bill_id))['buyer@example.com']!;
    const stored = (await w.store.getBill(b.bill_id))!;
    await w.store.commitTransition({ bill: { ...stored, version: stored.version + 1, total: '1.00' }, expectedVersion: stored.version, audit: [{ at: 'now', actor: 'clerk', action: 'corrected', from_state: 'awaiting_approval', to_state: 'awaiting_approval', message: 'total corrected' }], nonce: null, spend: null, releases: [], duplicateClaim: null });
    expect(await actOnLink(l.approve, {}, w.deps)).toMatchObject({ kind: 'refused', reason: expect.stringContaining('changed after this email') });
  });

  it('asks for a reason to approve a flagged bill', async () => {
    const w = await world();
    const b = await w.submit(awaiting('F-1', { lines: [{ line_id: '1', item_code: 'A-100', quantity: '8', unit_price: '12.50', net_amount: '100.00' }, { line_id: '2', item_code: 'ZZZ', description: 'unknown thing', quantity: '5', unit_price: '20.00', net_amount: '100.00' }] }));
    expect(b.state).toBe('flagged');
    const l = (await w.links(b.bill_id))['buyer@example.com']!;
    expect(await viewLink(l.approve, w.deps)).toMatchObject({ kind: 'confirm', needs: 'reason' });
    expect(await actOnLink(l.approve, {}, w.deps)).toMatchObject({ kind: 'refused', reason: expect.stringContaining('written reason') });
    expect(await actOnLink(l.approve, { reason: 'agreed by phone' }, w.deps)).toMatchObject({ kind: 'done', bill: { state: 'ready_for_payment' } });
  });

  it('query emails the supplier and waits; reject emails the supplier and gives back the PO quantities', async () => {
    const w = await world();
    const q = await w.submit(awaiting('Q-1'));
    const lq = (await w.links(q.bill_id))['buyer@example.com']!;
    expect(await actOnLink(lq.query, {}, w.deps)).toMatchObject({ kind: 'refused', reason: expect.stringContaining('message') });
    expect(await actOnLink(lq.query, { message: 'Which delivery is this?' }, w.deps)).toMatchObject({ kind: 'done', bill: { state: 'waiting_on_supplier' } });
    const r = await w.submit(awaiting('R-1', { lines: [{ line_id: '1', item_code: 'A-100', quantity: '2', unit_price: '12.50', net_amount: '25.00' }], net_total: '25.00', tax_total: '4.75', total: '29.75' }));
    const before = (await w.store.billedQuantities('PO-7001')).value.get('1')!.toString();
    const lr = (await w.links(r.bill_id))['buyer@example.com']!;
    expect(await actOnLink(lr.reject, { reason: 'not ordered' }, w.deps)).toMatchObject({ kind: 'done', bill: { state: 'rejected' } });
    expect(Number(before) - Number((await w.store.billedQuantities('PO-7001')).value.get('1')!.toString())).toBe(2);
    expect(w.sent.map((m) => m.to)).toEqual(['billing@acme.example', 'billing@acme.example']);
  });
});

describe('dual sign-off', () => {
  const big = bill({ invoice_number: 'D-1', po_reference: null, lines: [{ line_id: '1', item_code: 'C-1', description: 'Consulting day', quantity: '10', unit_price: '800', net_amount: '8000.00' }], net_total: '8000.00', tax_total: '2160.00', total: '10160.00', supplier: { name: 'Other Corp.', tax_id: 'DE999999999' } });

  it('needs both approvers; the first cannot act twice', async () => {
    const w = await world();
    const b = await w.submit(big);
    expect(b.approvers).toEqual(['it-lead@example.com', 'controller@example.com']);
    const l = await w.links(b.bill_id);
    expect(await actOnLink(l['it-lead@example.com']!.approve, {}, w.deps)).toMatchObject({ kind: 'done', bill: { state: 'awaiting_approval' } });
    expect(await actOnLink(l['it-lead@example.com']!.reject, {}, w.deps)).toMatchObject({ kind: 'refused', reason: expect.stringContaining('approved this bill already'), decided: true });
    expect(await actOnLink(l['controller@example.com']!.approve, {}, w.deps)).toMatchObject({ kind: 'done', bill: { state: 'ready_for_payment' } });
  });

  it('two concurrent approvals make exactly one transition to payment', async () => {
    const w = await world();
    const b = await w.submit(big);
    const l = await w.links(b.bill_id);
    const results = await Promise.all([actOnLink(l['it-lead@example.com']!.approve, {}, w.deps), actOnLink(l['controller@example.com']!.approve, {}, w.deps)]);
    expect(results.map((r) => r.kind)).toEqual(['done', 'done']);
    expect((await w.store.getBill(b.bill_id))!.state).toBe('ready_for_payment');
    const audit = await w.store.audit(b.bill_id);
    expect(audit.filter((a) => a.to_state === 'ready_for_payment')).toHaveLength(1);
    expect((await w.store.vendorSpend('V002', '0')).value.toString()).toBe('10160');
  });
});

describe('approval-time gate', () => {
  it('a cap consumed by another approval between email and click blocks the bill', async () => {
    // Cap 260 for V001: bills of 238.00 and 29.75 fit alone, not together.
    const w = await world(VENDORS_CSV.replace('EUR,10000,0', 'EUR,260,0'));
    const first = await w.submit(awaiting('G-1'));
    const second = await w.submit(awaiting('G-2', { lines: [{ line_id: '1', item_code: 'A-100', quantity: '2', unit_price: '12.50', net_amount: '25.00' }], net_total: '25.00', tax_total: '4.75', total: '29.75' }));
    expect([first.state, second.state]).toEqual(['awaiting_approval', 'awaiting_approval']);
    const l1 = (await w.links(first.bill_id))['buyer@example.com']!;
    const l2 = (await w.links(second.bill_id))['buyer@example.com']!;
    expect(await actOnLink(l1.approve, {}, w.deps)).toMatchObject({ bill: { state: 'ready_for_payment' } });
    const r = await actOnLink(l2.approve, {}, w.deps);
    expect(r).toMatchObject({ kind: 'done', bill: { state: 'blocked', approvers: ['ap-admin@example.com'] } });
    expect((r as unknown as { bill: { exceptions: { code: string }[] } }).bill.exceptions.map((e) => e.code)).toEqual(['CAP_EXCEEDED']);
    expect((await w.store.vendorSpend('V001', '0')).value.toString()).toBe('238');
  });

  it('the admin may override a blocked bill, with a reason', async () => {
    const w = await world(VENDORS_CSV.replace(',false,buyer@example.com', ',true,buyer@example.com'));
    const b = await w.submit(awaiting('B-1'));
    expect([b.state, b.approvers]).toEqual(['blocked', ['ap-admin@example.com']]);
    const l = (await w.links(b.bill_id))['ap-admin@example.com']!;
    expect(await actOnLink(l.approve, {}, w.deps)).toMatchObject({ kind: 'refused', reason: expect.stringContaining('reason') });
    expect(await actOnLink(l.approve, { reason: 'unblocked by the CFO, ticket 42' }, w.deps)).toMatchObject({ kind: 'done', bill: { state: 'ready_for_payment' } });
    expect((await w.store.audit(b.bill_id)).at(-1)).toMatchObject({ action: 'override', actor: 'ap-admin@example.com' });
  });

  it('another approver’s link cannot be used by someone else', async () => {
    const w = await world();
    const b = await w.submit(awaiting());
    const l = (await w.links(b.bill_id))['buyer@example.com']!;
    const [body, sig] = l.approve.split('.');
    const payload = JSON.parse(Buffer.from(body!, 'base64url').toString());
    payload.p = 'intruder@example.com';
    expect(await actOnLink(`${Buffer.from(JSON.stringify(payload)).toString('base64url')}.${sig}`, {}, w.deps)).toMatchObject({ kind: 'refused', reason: expect.stringContaining('signature') });
  });
});
