/**
 * Review by signed link, the original document, and dismissing a review bill — through the
 * local stack: the review email in the outbox, its link opened and confirmed over HTTP like a
 * browser would, the document link followed.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { signKindLink } from '../../lambdas/core/approval-links.ts';
import { requestReview } from '../../lambdas/core/notify.ts';
import type { BillRecord } from '../../lambdas/core/ports/store.ts';
import { misreadCastorBill, sendMail, signedInFetch, testStack, waitFor, type TestStack } from '../support/local.ts';

/** The form's fields as a browser would post them back. */
function formValues(html: string): Record<string, string> {
  const out: Record<string, string> = {};
  for (const m of html.matchAll(/<input\b[^>]*>/g)) {
    const name = /\bname="([^"]*)"/.exec(m[0])?.[1];
    const value = /\bvalue="([^"]*)"/.exec(m[0])?.[1] ?? '';
    if (name) out[name.replace(/&#39;/g, "'").replace(/&quot;/g, '"').replace(/&amp;/g, '&')] = value.replace(/&quot;/g, '"').replace(/&#39;/g, "'").replace(/&lt;/g, '<').replace(/&gt;/g, '>').replace(/&amp;/g, '&');
  }
  return out;
}

describe('review by signed link', () => {
  let stack: TestStack;
  /** The local page's own routes need a session; the emailed links do not. */
  let local: (path: string, init?: RequestInit) => Promise<Response>;

  beforeAll(async () => {
    // The clerk is the local user here: the one who dismisses on the local page.
    stack = await testStack({ user: 'clerk@northwind.example' });
    local = await signedInFetch(stack);
  }, 60_000);
  afterAll(async () => stack?.dispose());

  async function misreadByMail(invoice: string): Promise<{ bill: BillRecord; link: string; json: string }> {
    const json = JSON.stringify(misreadCastorBill(invoice));
    await sendMail(stack, { from: 'clerk@northwind.example', subject: `scan ${invoice}`, text: 'scanned', attachments: [{ filename: `${invoice}.bill.json`, content: json }] });
    await stack.idle();
    const bill = (await stack.store.listBills()).find((b) => b.invoice_number === invoice)!;
    expect(bill.state).toBe('needs_review');
    const email = await waitFor('the review email', async () => (await stack.outbox.list()).find((m) => m.billId === bill.bill_id && m.tag === 'review-request'));
    expect(email.to).toBe('clerk@northwind.example');
    const text = (await stack.outbox.read(email.file))!.text!;
    const link = /(http:\/\/\S+\/review\?t=\S+)/.exec(text)![1]!;
    return { bill: (await stack.store.getBill(bill.bill_id))!, link, json };
  }

  it('opens the form prefilled with the doubtful field marked and the document beside it; confirm decides again; a second use is refused', async () => {
    const { bill, link, json } = await misreadByMail('CT-3001');
    const get = await fetch(link);
    expect(get.status).toBe(200);
    const page = await get.text();
    const values = formValues(page);
    expect(values.total).toBe('1532.20');
    expect(page).toMatch(/class="field low"><label for="f-total">Total <span class="muted">\(check: the reader was unsure\)/);
    expect(page).toContain('Reviewing as <strong>clerk@northwind.example</strong>');
    // The original document: the attachment itself, not the email it came in.
    const docUrl = /id="document-link" href="([^"]+)"|href="([^"]+)" id="document-link"/.exec(page)!;
    const doc = await fetch(new URL((docUrl[1] ?? docUrl[2])!.replace(/&amp;/g, '&'), link));
    expect(doc.status).toBe(200);
    expect(await doc.text()).toBe(json);
    // Opening the link changed nothing.
    expect((await stack.store.getBill(bill.bill_id))!.version).toBe(bill.version);

    const post = await fetch(link, { method: 'POST', body: new URLSearchParams({ ...values, total: '1523.20', note: 'digits swapped' }) });
    expect(post.status).toBe(200);
    expect(await post.text()).toContain('Confirmed');
    const after = (await stack.store.getBill(bill.bill_id))!;
    expect(after).toMatchObject({ state: 'awaiting_approval', total: '1523.20', revision: 2 });
    const reviewed = (await stack.store.audit(bill.bill_id)).find((a) => a.action === 'reviewed')!;
    expect(reviewed.actor).toBe('clerk@northwind.example');
    expect(reviewed.message).toContain('total: "1532.20" → "1523.20"');

    const again = await fetch(link, { method: 'POST', body: new URLSearchParams({ ...values, total: '1523.20' }) });
    expect(again.status).toBe(409);
    expect(await again.text()).toMatch(/used already/);
    expect((await stack.store.getBill(bill.bill_id))!.version).toBe(after.version);
  });

  it('a bad correction is refused next to its field, writes nothing, and the same link still works', async () => {
    const { bill, link } = await misreadByMail('CT-3002');
    const values = formValues(await (await fetch(link)).text());
    const bad = await fetch(link, { method: 'POST', body: new URLSearchParams({ ...values, 'lines[0].quantity': 'two' }) });
    expect(bad.status).toBe(400);
    expect(await bad.text()).toContain('lines[0].quantity');
    expect((await stack.store.getBill(bill.bill_id))!.version).toBe(bill.version);
    const good = await fetch(link, { method: 'POST', body: new URLSearchParams({ ...values, total: '1523.20' }) });
    expect(good.status).toBe(200);
  });

  it('a link for a bill that changed after it was sent is refused, and changes nothing', async () => {
    const { bill, link } = await misreadByMail('CT-3003');
    // A fresh link is sent (the bill's version moves on): the first one is stale.
    expect(await requestReview(bill, await stack.store.policy(), { store: stack.store, mailer: stack.mailer, secret: new Uint8Array(32), baseUrl: stack.webUrl, now: Date.now })).toBe(true);
    const changed = (await stack.store.getBill(bill.bill_id))!;
    const values = formValues(await (await fetch(link)).text());
    const res = await fetch(link, { method: 'POST', body: new URLSearchParams({ ...values, total: '1523.20' }) });
    expect(res.status).toBe(409);
    expect(await res.text()).toContain('The bill changed after this link was sent');
    expect((await stack.store.getBill(bill.bill_id))!).toMatchObject({ version: changed.version, state: 'needs_review' });
  });

  it('a forged or expired document link shows nothing', async () => {
    const bill = (await stack.store.listBills()).find((b) => b.invoice_number === 'CT-3003')!;
    const forged = signKindLink({ k: 'doc', b: bill.bill_id, e: Math.floor(Date.now() / 1000) + 600 }, new Uint8Array(32).fill(7));
    expect((await fetch(`${stack.webUrl}/document?t=${encodeURIComponent(forged)}`)).status).toBe(403);
    const page = await (await local(`/bills/${bill.bill_id}`)).text();
    const href = /id="document-link" href="([^"]+)"|href="([^"]+)" id="document-link"/.exec(page)!;
    const good = (href[1] ?? href[2])!.replace(/&amp;/g, '&');
    expect((await fetch(new URL(good, stack.webUrl))).status).toBe(200);
  });

  it('dismiss: a review bill marked "not a bill" leaves the worklist, keeps its audit and claims nothing', async () => {
    const bill = (await stack.store.listBills()).find((b) => b.invoice_number === 'CT-3003')!;
    const res = await local(`/bills/${bill.bill_id}/dismiss`, {
      method: 'POST',
      redirect: 'manual',
      // A `by` typed into the form is ignored: the dismisser is the signed-in user.
      body: new URLSearchParams({ version: String(bill.version), by: 'someone@else.example', reason: 'a marketing flyer, not an invoice' }),
    });
    expect(res.status).toBe(303);
    const after = (await stack.store.getBill(bill.bill_id))!;
    expect(after).toMatchObject({ state: 'rejected', dismissed: { by: 'clerk@northwind.example', reason: 'a marketing flyer, not an invoice' }, reservations: {}, spend: null });
    expect((await stack.store.listBills({ state: 'needs_review' })).some((b) => b.bill_id === bill.bill_id)).toBe(false);
    const audit = await stack.store.audit(bill.bill_id);
    expect(audit.map((a) => a.action)).toEqual(['decided', 'review_requested', 'review_requested', 'dismissed']);
    expect(audit.at(-1)!.message).toContain('a marketing flyer');
    expect(after.duplicate_key).toBeNull();
    const page = await (await local(`/bills/${bill.bill_id}`)).text();
    expect(page).toContain('not a bill, by clerk@northwind.example');
  });
});
