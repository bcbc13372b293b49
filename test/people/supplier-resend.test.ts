/**
 * Out of waiting_on_supplier, through the local stack: the approver queries a bill from the
 * approval email; the supplier's corrected re-send with the same number becomes the bill's next
 * version (not a DUPLICATE), with the first version's PO quantities given back.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { CanonicalBill } from '../../lambdas/core/bill.ts';
import { sendMail, testStack, waitFor, type TestStack } from '../support/local.ts';

/** Castor Tools' saw blades against PO-3002 line 1 (10 ordered and received at 24.00). */
function sawBlades(unitPrice: string): CanonicalBill {
  const net = (10 * Number(unitPrice)).toFixed(2);
  const tax = ((10 * Number(unitPrice) * 19) / 100).toFixed(2);
  return {
    document_type: 'invoice',
    invoice_number: 'CT-5501',
    issue_date: '2026-03-02',
    due_date: '2026-04-01',
    currency: 'EUR',
    supplier: { name: 'Castor Tools AG', tax_id: 'DE811907980', iban: 'DE02120300000000202051', email: null },
    po_reference: 'PO-3002',
    lines: [{ line_id: '1', item_code: 'SAW-BL-190', description: 'Circular saw blade 190 mm', quantity: '10', unit_price: unitPrice, net_amount: net }],
    net_total: net,
    tax_total: tax,
    total: (Number(net) + Number(tax)).toFixed(2),
  };
}

describe("the supplier's corrected re-send", () => {
  let stack: TestStack;
  beforeAll(async () => {
    stack = await testStack();
  }, 60_000);
  afterAll(async () => stack?.dispose());

  const billed = async () => (await stack.store.billedQuantities('PO-3002')).value.get('1')?.toString() ?? '0';

  it('ends ready_for_payment as version 2 with the first version’s reservation released', async () => {
    await sendMail(stack, { from: 'accounts@castor-tools.example', subject: 'Invoice CT-5501', text: 'attached', attachments: [{ filename: 'ct-5501.bill.json', content: JSON.stringify(sawBlades('26.00')) }] });
    await stack.idle();
    const first = (await stack.store.listBills()).find((b) => b.invoice_number === 'CT-5501')!;
    expect(first).toMatchObject({ state: 'flagged', exceptions: [expect.objectContaining({ code: 'PRICE_VARIANCE' })] });
    expect(await billed()).toBe('10');

    // The approver queries it from the approval email.
    const email = await waitFor('the approval email', async () => (await stack.outbox.list()).find((m) => m.billId === first.bill_id && m.tag === 'approval-request'));
    const text = (await stack.outbox.read(email.file))!.text!;
    const query = /Query the supplier: (\S+)/.exec(text)![1]!;
    const res = await fetch(query, { method: 'POST', body: new URLSearchParams({ message: 'The PO price is 24.00 per blade.' }) });
    expect(res.status).toBe(200);
    const waiting = (await stack.store.getBill(first.bill_id))!;
    expect(waiting.state).toBe('waiting_on_supplier');
    // The queried bill still holds its quantities.
    expect(await billed()).toBe('10');

    // The supplier sends the corrected invoice, same number.
    await sendMail(stack, { from: 'accounts@castor-tools.example', subject: 'Re: Invoice CT-5501 corrected', text: 'corrected', attachments: [{ filename: 'ct-5501-corrected.bill.json', content: JSON.stringify(sawBlades('24.00')) }] });
    await stack.idle();

    const bills = (await stack.store.listBills()).filter((b) => b.invoice_number === 'CT-5501');
    expect(bills).toHaveLength(1);
    const after = bills[0]!;
    expect(after).toMatchObject({ bill_id: first.bill_id, state: 'ready_for_payment', revision: 2, total: '285.60', exceptions: [] });
    expect(after.exceptions.some((e) => e.code === 'DUPLICATE')).toBe(false);
    // The first version's 10 were given back, the second's 10 taken: 10, not 20.
    expect(await billed()).toBe('10');
    expect(after.reservations).toEqual({ 'PO-3002': { '1': '10' } });
    const audit = await stack.store.audit(first.bill_id);
    const resent = audit.find((a) => a.action === 'resent')!;
    expect(resent.message).toContain('decided again as version 2');
    expect(resent.message).toContain('given back: PO-3002 line 1 × 10');
    expect(audit.at(-1)).toMatchObject({ action: 'approved_touchless', from_state: 'waiting_on_supplier', to_state: 'ready_for_payment' });
    // The supplier's email got a receipt naming the bill, now ready for payment.
    const receipts = (await stack.outbox.list()).filter((m) => m.tag === 'receipt' && m.to === 'accounts@castor-tools.example');
    expect(receipts).toHaveLength(2);
    // The approver who queried hears the answer.
    expect((await stack.outbox.list()).find((m) => m.tag === 'query-answered')).toMatchObject({ to: 'workshop@northwind.example', billId: first.bill_id });
  });
});
