/**
 * In a real browser, from the outbox: a review email's link opened, the original PDF beside the
 * form, the misread total corrected and confirmed, the bill's new state on its page; and every
 * email the pipeline sent, read on a 375 px phone without sideways scrolling of the page.
 */
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { chromium, type Browser, type Page } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { CHROMIUM } from '../support/browser.ts';
import { DEMO, sendMail, testStack, waitFor, type TestStack } from '../support/local.ts';
import { pdfWith } from '../unit/readers/support.ts';

describe('people in the browser', () => {
  let stack: TestStack;
  let browser: Browser;
  let page: Page;

  beforeAll(async () => {
    [stack, browser] = await Promise.all([testStack({ honourWaits: false }), chromium.launch(CHROMIUM)]);
    page = await browser.newPage();
    // The local page (its outbox, the bill page) needs a session: the one-time link `bm start` prints.
    await page.goto(stack.signInUrl());
  }, 60_000);

  afterAll(async () => {
    await browser?.close();
    await stack?.dispose();
  });

  it('from the outbox: open the review email, see the PDF, correct, confirm, see the new state', async () => {
    // Fjord's Factur-X invoice with two digits of the total swapped: the amounts do not add up.
    const xml = readFileSync(join(DEMO, 'bills', '04-fjord-boxes.cii.xml'), 'utf8').replace(/565\.25/g, '556.25');
    const pdf = await pdfWith([{ name: 'factur-x.xml', bytes: new TextEncoder().encode(xml) }]);
    await sendMail(stack, { from: 'clerk@northwind.example', subject: 'Fjord invoice', text: 'Forwarding.', attachments: [{ filename: 'fjord-invoice.pdf', content: Buffer.from(pdf), contentType: 'application/pdf' }] });
    await stack.idle();
    const bill = (await stack.store.listBills()).find((b) => b.source.input === 'Fjord invoice')!;
    expect(bill.state).toBe('needs_review');

    const email = await waitFor('the review email', async () => (await stack.outbox.list()).find((m) => m.billId === bill.bill_id && m.tag === 'review-request'));
    await page.goto(`${stack.webUrl}/outbox`);
    await page.getByRole('link', { name: email.subject }).first().click();
    await page.waitForURL(/\/outbox\/[^/]+\.eml$/);
    const href = await page.frameLocator('#mail-html').getByRole('link', { name: 'Review and correct' }).getAttribute('href');
    expect(href).toMatch(/\/review\?t=/);
    await page.goto(href!);

    // The original document beside the form: the PDF attachment itself, shown inline.
    const frame = page.locator('iframe#document');
    await expect.poll(() => frame.isVisible()).toBe(true);
    expect((await frame.boundingBox())!.height).toBeGreaterThan(200);
    const doc = await page.request.get(new URL((await frame.getAttribute('src'))!, page.url()).toString());
    expect(doc.status()).toBe(200);
    expect(doc.headers()['content-type']).toBe('application/pdf');
    expect(doc.headers()['content-disposition']).toMatch(/^inline/);
    expect(Buffer.from(await doc.body()).equals(Buffer.from(pdf))).toBe(true);

    const total = page.getByLabel(/^Total/);
    expect(await total.inputValue()).toBe('556.25');
    await total.fill('565.25');
    await page.getByLabel(/^Note/).fill('two digits swapped in the total');
    await page.getByRole('button', { name: 'Confirm and decide again' }).click();
    await expect.poll(() => page.locator('h1').innerText()).toBe('Confirmed');
    expect(await page.locator('#state').innerText()).not.toBe('Needs review');

    await page.goto(`${stack.webUrl}/bills/${bill.bill_id}`);
    const after = (await stack.store.getBill(bill.bill_id))!;
    expect(after.state).not.toBe('needs_review');
    expect(await page.locator('#summary').innerText()).toContain({ flagged: 'Flagged', awaiting_approval: 'Awaiting approval', ready_for_payment: 'Ready for payment', blocked: 'Blocked' }[after.state as 'flagged']);
    expect(await page.locator('#audit').innerText()).toContain('two digits swapped in the total');
  });

  it('every email fits a 375 px screen: the page never scrolls sideways; a blocked bill offers Reject first', async () => {
    // More kinds of email: a multi-line approval request, a blocked bill, a receipt.
    for (const file of ['01-acme-office.xml', '06-delta-freight.xml', '02-brightline-laptops.cii.xml']) {
      await sendMail(stack, { from: 'clerk@northwind.example', subject: `Fwd: ${file}`, text: 'see attached', attachments: [{ filename: file, content: readFileSync(join(DEMO, 'bills', file)) }] });
    }
    await stack.idle();
    const mails = await stack.outbox.list();
    const tags = new Set(mails.map((m) => m.tag));
    for (const t of ['receipt', 'review-request', 'approval-request']) expect(tags).toContain(t);
    const phone = await browser.newPage({ viewport: { width: 375, height: 740 } });
    try {
      for (const m of mails) {
        const html = (await stack.outbox.read(m.file))!.html;
        if (!html) continue;
        await phone.setContent(html);
        // Measured in the page: the document's scroll width against the viewport's.
        const { scrollWidth, innerWidth } = (await phone.evaluate('({ scrollWidth: document.scrollingElement.scrollWidth, innerWidth: window.innerWidth })')) as { scrollWidth: number; innerWidth: number };
        expect(innerWidth).toBe(375);
        expect(scrollWidth, `${m.tag} ${m.subject}`).toBeLessThanOrEqual(innerWidth);
      }
      const blocked = mails.find((m) => m.tag === 'approval-request' && m.subject.startsWith('Blocked'))!;
      await phone.setContent((await stack.outbox.read(blocked.file))!.html!);
      const buttons = await phone.locator('a[href*="/approve?t="]').allInnerTexts();
      expect(buttons).toEqual(['Reject', 'Query supplier', 'Override and approve']);
    } finally {
      await phone.close();
    }
  });
});
