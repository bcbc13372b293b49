import { describe, expect, it } from 'vitest';
import { actOnLink, approvalLinks } from '../../lambdas/core/approvals.ts';
import { approvalRequests } from '../../lambdas/core/approval-desk.ts';
import { newBillId } from '../../lambdas/core/ids.ts';
import type { Mailer, OutgoingEmail } from '../../lambdas/core/ports/mailer.ts';
import { processBill } from '../../lambdas/core/process-bill.ts';
import { dailySweep } from '../../lambdas/core/sweep.ts';
import { bill, master, POLICY_JSON } from '../support/builders.ts';
import { freshStore } from '../support/db.ts';

const SECRET = new TextEncoder().encode('sweep-test-secret');
const T0 = Date.parse('2026-03-03T10:00:00+01:00');
const DAY = 86_400_000;

describe('approval email', () => {
  it('shows the bill, its lines and exceptions, and one set of signed buttons per approver', async () => {
    const store = await freshStore();
    await store.importMaster(master());
    const b = await processBill({ billId: newBillId(), canonical: bill({ total: '2148.75', tax_total: '2023.75' }), readingExceptions: [], source: { input: 't', part: 0, format: 'bill-json', document_hash: 'x', submitter: null } }, { store, now: () => T0 });
    const [req] = approvalRequests(b, { baseUrl: 'http://localhost:1234', nowMs: T0, secret: SECRET });
    expect(req!.email.to).toEqual(['buyer@example.com']);
    expect(req!.email.subject).toContain('INV-1001');
    expect(req!.email.text).toContain('Purchase order: PO-7001');
    expect(req!.email.html).toContain('Approve');
    expect(req!.links.approve).toMatch(/^http:\/\/localhost:1234\/approve\?t=/);
  });
});

describe('daily sweep', () => {
  it('re-sends pending approvals after a day and pings suppliers after the policy’s days', async () => {
    const store = await freshStore();
    // No escalation within this test's week.
    await store.importMaster(master({ 'policy.json': JSON.stringify({ ...JSON.parse(POLICY_JSON), escalate_after_days: 30 }) }));
    let now = T0;
    const sent: OutgoingEmail[] = [];
    const mailer: Mailer = { send: async (e) => (sent.push(e), { messageId: String(sent.length) }) };
    const submit = (n: string) => processBill({ billId: newBillId(), canonical: bill({ invoice_number: n, total: '2148.75', tax_total: '2023.75' }), readingExceptions: [], source: { input: 't', part: 0, format: 'bill-json', document_hash: n, submitter: null } }, { store, now: () => now });
    const pending = await submit('S-1');
    const queried = await submit('S-2');
    const l = approvalLinks(queried, now, SECRET)['buyer@example.com']!;
    await actOnLink(l.query, { message: 'Which delivery?' }, { store, secret: SECRET, now: () => now });

    const deps = { store, mailer, secret: SECRET, baseUrl: 'http://localhost', now: () => now };
    expect(await dailySweep(deps)).toMatchObject({ approvalReminders: 0, supplierReminders: 0, escalations: 0 });
    now += DAY + 1;
    expect(await dailySweep(deps)).toMatchObject({ approvalReminders: 1, supplierReminders: 0, escalations: 0 });
    expect(sent.map((e) => [e.tag, e.to[0]])).toEqual([['approval-reminder', 'buyer@example.com']]);
    now += 5 * DAY;
    expect(await dailySweep(deps)).toMatchObject({ approvalReminders: 1, supplierReminders: 1, escalations: 0 });
    expect(sent.find((e) => e.tag === 'supplier-reminder')).toMatchObject({ to: ['billing@acme.example'] });
    expect((await store.audit(pending.bill_id)).map((a) => a.action)).toEqual(['decided', 'reminded', 'reminded']);
    // The one who queried gets a link to resume the bill with a note (or reject it).
    expect(sent.some((e) => e.tag === 'supplier-wait-reminder' && e.to[0] === 'buyer@example.com' && /\/wait\?t=/.test(e.text))).toBe(true);
  });

  it('escalates after escalate_after_days to the next approver in line (never the submitter), tells both, and either may decide', async () => {
    const store = await freshStore();
    await store.importMaster(master());
    let now = T0;
    const sent: OutgoingEmail[] = [];
    const mailer: Mailer = { send: async (e) => (sent.push(e), { messageId: String(sent.length) }) };
    // Submitted by the admin: the admin is never its approver, so the next in line is the second approver.
    const b = await processBill(
      { billId: newBillId(), canonical: bill({ invoice_number: 'E-1', total: '2148.75', tax_total: '2023.75' }), readingExceptions: [], source: { input: 't', part: 0, format: 'bill-json', document_hash: 'E-1', submitter: 'ap-admin@example.com' } },
      { store, now: () => now },
    );
    expect(b.approvers).toEqual(['buyer@example.com']);
    const deps = { store, mailer, secret: SECRET, baseUrl: 'http://localhost', now: () => now };
    now += 2 * DAY;
    expect(await dailySweep(deps)).toMatchObject({ escalations: 0 });
    now += 1 * DAY + 1;
    expect(await dailySweep(deps)).toMatchObject({ escalations: 1 });
    const after = (await store.getBill(b.bill_id))!;
    expect(after.approvers).toEqual(['buyer@example.com', 'controller@example.com']);
    expect(after.required_approvals).toBe(1);
    expect(sent.find((e) => e.tag === 'approval-escalated')).toMatchObject({ to: ['controller@example.com'] });
    expect(sent.find((e) => e.tag === 'escalation-notice')).toMatchObject({ to: ['buyer@example.com'] });
    expect((await store.audit(b.bill_id)).at(-1)).toMatchObject({ action: 'escalated' });
    // The added approver decides in place of the silent one.
    const l = approvalLinks(after, now, SECRET)['controller@example.com']!;
    const done = await actOnLink(l.approve, {}, { store, secret: SECRET, now: () => now });
    expect(done).toMatchObject({ kind: 'done', bill: { state: 'ready_for_payment' } });
  });

  it('routes new requests to a delegate during an absence', async () => {
    const store = await freshStore();
    const delegates = [{ approver: 'buyer@example.com', delegate: 'deputy@example.com', from: '2026-03-01', to: '2026-03-10' }];
    await store.importMaster(master({ 'policy.json': JSON.stringify({ ...JSON.parse(POLICY_JSON), delegates }) }));
    const at = (iso: string) => processBill(
      { billId: newBillId(), canonical: bill({ invoice_number: `D-${iso}`, total: '2148.75', tax_total: '2023.75' }), readingExceptions: [], source: { input: 't', part: 0, format: 'bill-json', document_hash: iso, submitter: null } },
      { store, now: () => Date.parse(iso) },
    );
    const away = await at('2026-03-05T10:00:00+01:00');
    expect(away.approvers).toEqual(['deputy@example.com']);
    expect(away.standing_in).toEqual({ 'deputy@example.com': 'buyer@example.com' });
    expect(approvalRequests(away, { baseUrl: 'http://x', nowMs: Date.parse('2026-03-05T10:00:00+01:00'), secret: SECRET })[0]!.email.text).toContain('standing in for buyer@example.com');
    expect((await at('2026-03-11T10:00:00+01:00')).approvers).toEqual(['buyer@example.com']);
  });
});
