import { describe, expect, it } from 'vitest';
import { actOnLink, approvalLinks } from '../../lambdas/core/approvals.ts';
import { approvalRequests } from '../../lambdas/core/approval-desk.ts';
import { newBillId } from '../../lambdas/core/ids.ts';
import type { Mailer, OutgoingEmail } from '../../lambdas/core/ports/mailer.ts';
import { processBill } from '../../lambdas/core/process-bill.ts';
import { dailySweep } from '../../lambdas/core/sweep.ts';
import { bill, master } from '../support/builders.ts';
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
    await store.importMaster(master());
    let now = T0;
    const sent: OutgoingEmail[] = [];
    const mailer: Mailer = { send: async (e) => (sent.push(e), { messageId: String(sent.length) }) };
    const submit = (n: string) => processBill({ billId: newBillId(), canonical: bill({ invoice_number: n, total: '2148.75', tax_total: '2023.75' }), readingExceptions: [], source: { input: 't', part: 0, format: 'bill-json', document_hash: n, submitter: null } }, { store, now: () => now });
    const pending = await submit('S-1');
    const queried = await submit('S-2');
    const l = approvalLinks(queried, now, SECRET)['buyer@example.com']!;
    await actOnLink(l.query, { message: 'Which delivery?' }, { store, secret: SECRET, now: () => now });

    const deps = { store, mailer, secret: SECRET, baseUrl: 'http://localhost', now: () => now };
    expect(await dailySweep(deps)).toEqual({ approvalReminders: 0, supplierReminders: 0 });
    now += DAY + 1;
    expect(await dailySweep(deps)).toEqual({ approvalReminders: 1, supplierReminders: 0 });
    expect(sent.map((e) => [e.tag, e.to[0]])).toEqual([['approval-reminder', 'buyer@example.com']]);
    now += 5 * DAY;
    expect(await dailySweep(deps)).toEqual({ approvalReminders: 1, supplierReminders: 1 });
    expect(sent.at(-1)).toMatchObject({ tag: 'supplier-reminder', to: ['billing@acme.example'] });
    expect((await store.audit(pending.bill_id)).map((a) => a.action)).toEqual(['decided', 'reminded', 'reminded']);
  });
});
