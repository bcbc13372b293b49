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
  it('shows the bill, its lines, tax per rate, charges and exceptions in plain words, and one set of signed buttons per approver', async () => {
    const store = await freshStore();
    await store.importMaster(master());
    const b = await processBill({ billId: newBillId(), canonical: bill({ total: '2148.75', tax_total: '2023.75' }), readingExceptions: [], source: { input: 't', part: 0, format: 'bill-json', document_hash: 'x', submitter: null } }, { store, now: () => T0 });
    const [req] = approvalRequests(b, { baseUrl: 'http://localhost:1234', nowMs: T0, secret: SECRET });
    expect(req!.email.to).toEqual(['buyer@example.com']);
    expect(req!.email.subject).toContain('INV-1001');
    expect(req!.email.text).toContain('Purchase order: PO-7001');
    expect(req!.email.text).toContain('Tax: 2023.75 on net 125.00 (1619.0 %); no breakdown by rate given');
    expect(req!.email.text).toContain('Charges: none');
    expect(req!.email.text).toContain('- The tax does not follow from the amounts at an accepted rate: tax 2023.75 on net 125.00 is 1619.0 %; accepted rates: 0, 2.1,');
    expect(req!.email.html).toContain('The tax does not follow from the amounts at an accepted rate');
    expect(req!.email.html).toContain('Approve');
    expect(req!.links.approve).toMatch(/^http:\/\/localhost:1234\/approve\?t=/);
  });

  it('shows each tax rate and every charge with its numbers', async () => {
    const store = await freshStore();
    await store.importMaster(master());
    const canonical = bill({
      invoice_number: 'TC-1',
      lines: [
        { line_id: '1', item_code: 'A-100', description: 'Widget', quantity: '8', unit_price: '12.25', net_amount: '898.00', charge_total: '800.00' },
        { line_id: '2', item_code: 'B-200', description: 'Gadget', quantity: '5', unit_price: '20.00', net_amount: '100.00' },
      ],
      charge_total: '700.00',
      net_total: '1698.00',
      tax_total: '177.62',
      tax_breakdown: [
        { category: 'S', rate: '19', taxable_amount: '898.00', tax_amount: '170.62' },
        { category: 'AA', rate: '7', taxable_amount: '100.00', tax_amount: '7.00' },
        { category: 'E', rate: '0', taxable_amount: '700.00', tax_amount: '0.00' },
      ],
      total: '1875.62',
    });
    const b = await processBill({ billId: newBillId(), canonical, readingExceptions: [], source: { input: 't', part: 0, format: 'bill-json', document_hash: 'y', submitter: null } }, { store, now: () => T0 });
    expect(b.exceptions.map((e) => e.code)).toEqual(['PRICE_VARIANCE', 'UNEXPECTED_CHARGE']);
    const { text, html } = approvalRequests(b, { baseUrl: 'http://localhost:1234', nowMs: T0, secret: SECRET })[0]!.email;
    expect(text).toContain('Tax: 19 % (S): 170.62 on 898.00; 7 % (AA): 7.00 on 100.00; 0 % (E): 0.00 on 700.00');
    expect(text).toContain('Charges: document charges 700.00; line 1 charges 800.00');
    expect(text).toContain('The bill adds charges above what the policy allows: document charges 700.00 EUR > allowed 0.00 (no charge is expected) [UNEXPECTED_CHARGE]');
    expect(text).toContain('A price is above the purchase order price and its tolerance: line 1: amount 898.00 > 8 × PO 12.50 + 2% (102.00); unit price 12.25 [PRICE_VARIANCE]');
    expect(html).toContain('19 % (S): 170.62 on 898.00');
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
    // The added approver decides in place of the silent one. The bill is flagged (its tax does not
    // follow from its net at an accepted rate: that is what lifts it over the approval threshold),
    // so approving it takes a written reason, from whichever approver decides.
    expect(after.state).toBe('flagged');
    const l = approvalLinks(after, now, SECRET)['controller@example.com']!;
    const done = await actOnLink(l.approve, { reason: 'Tax checked against the supplier contract.' }, { store, secret: SECRET, now: () => now });
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
