/**
 * A bill waiting on its supplier is never forgotten, through the local stack and `bm sweep`:
 * the approver who queried gets a link to resume it with a note; after supplier_reminder_days × 3
 * the admin is asked to resume or reject.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { CanonicalBill } from '../../lambdas/core/bill.ts';
import { main } from '../../lambdas/cli/main.ts';
import { submitBill, testStack, waitFor, type TestStack } from '../support/local.ts';

const DAY = 86_400_000;

function blades(invoice: string): CanonicalBill {
  return {
    document_type: 'invoice',
    invoice_number: invoice,
    issue_date: '2026-03-02',
    currency: 'EUR',
    supplier: { name: 'Castor Tools AG', tax_id: 'DE811907980', iban: 'DE02120300000000202051', email: null },
    po_reference: 'PO-3002',
    lines: [{ line_id: '1', item_code: 'SAW-BL-190', description: 'Circular saw blade 190 mm', quantity: '5', unit_price: '26.00', net_amount: '130.00' }],
    net_total: '130.00',
    tax_total: '24.70',
    total: '154.70',
  };
}

describe('waiting on the supplier', () => {
  let stack: TestStack;
  // Tuesday 10:00 Berlin: outside quiet hours.
  let clock = Date.parse('2026-03-03T10:00:00+01:00');

  beforeAll(async () => {
    stack = await testStack({ now: () => clock });
  }, 60_000);
  afterAll(async () => stack?.dispose());

  async function queried(invoice: string) {
    const bill = await submitBill(stack, blades(invoice), `${invoice}.bill.json`);
    expect(bill.state).toBe('flagged');
    const email = await waitFor('the approval email', async () => (await stack.outbox.list()).find((m) => m.billId === bill.bill_id && m.tag === 'approval-request'));
    const query = /Query the supplier: (\S+)/.exec((await stack.outbox.read(email.file))!.text!)![1]!;
    expect((await fetch(query, { method: 'POST', body: new URLSearchParams({ message: 'Price should be 24.00.' }) })).status).toBe(200);
    return bill;
  }

  const sweep = async () => {
    const out: string[] = [];
    expect(await main(['sweep', '--home', stack.home], { stdout: (t) => void out.push(t), stderr: (t) => void out.push(t) })).toBe(0);
    return out.join('');
  };

  it('the approver who queried resumes the bill with a note from the reminder', async () => {
    const bill = await queried('CT-7101');
    clock += 6 * DAY;
    expect(await sweep()).toMatch(/1 supplier reminder\(s\)/);
    const reminder = await waitFor('the reminder to the approver', async () => (await stack.outbox.list()).find((m) => m.billId === bill.bill_id && m.tag === 'supplier-wait-reminder'));
    expect(reminder.to).toBe('workshop@northwind.example');
    const link = /Resume or reject: (\S+)/.exec((await stack.outbox.read(reminder.file))!.text!)![1]!;
    // Opening it changes nothing.
    expect(await (await fetch(link)).text()).toContain('This bill waits on its supplier');
    expect((await fetch(link, { method: 'POST', body: new URLSearchParams({ decision: 'resume', note: '' }) })).status).toBe(409);
    const res = await fetch(link, { method: 'POST', body: new URLSearchParams({ decision: 'resume', note: 'Supplier confirmed by phone: 26.00 is the new list price.' }) });
    expect(await res.text()).toContain('Resumed');
    const after = (await stack.store.getBill(bill.bill_id))!;
    expect(after).toMatchObject({ state: 'flagged', revision: 2 });
    expect((await stack.store.audit(bill.bill_id)).find((a) => a.action === 'resumed')).toMatchObject({ actor: 'workshop@northwind.example', message: expect.stringContaining('by phone') });
    // Its approver is asked again, with fresh links.
    expect((await stack.outbox.list()).filter((m) => m.billId === bill.bill_id && m.tag === 'approval-request')).toHaveLength(2);
    // A second click shows what was done.
    expect(await (await fetch(link, { method: 'POST', body: new URLSearchParams({ decision: 'resume', note: 'again' }) })).text()).toContain('used already');
  });

  it('after supplier_reminder_days × 3 without an answer the admin is asked, and may reject', async () => {
    const bill = await queried('CT-7102');
    clock += 16 * DAY;
    expect(await sweep()).toMatch(/1 question\(s\) to the admin/);
    const ask = await waitFor('the question to the admin', async () => (await stack.outbox.list()).find((m) => m.billId === bill.bill_id && m.tag === 'supplier-wait-admin'));
    expect(ask.to).toBe('ap-admin@northwind.example');
    const link = /Resume or reject: (\S+)/.exec((await stack.outbox.read(ask.file))!.text!)![1]!;
    const res = await fetch(link, { method: 'POST', body: new URLSearchParams({ decision: 'reject', note: 'No answer in 16 days.' }) });
    expect(await res.text()).toContain('Rejected');
    const after = (await stack.store.getBill(bill.bill_id))!;
    expect(after).toMatchObject({ state: 'rejected', reservations: {} });
    // Asked once only.
    expect(await sweep()).toMatch(/0 question\(s\) to the admin/);
  });
});
