/**
 * The local web page in a real browser (Debian's headless Chromium, driven by playwright-core):
 * the bill list with states and a filter, one bill with its line match and audit trail, the
 * outbox with an email rendered in a sandbox, and the upload form.
 */
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { chromium, type Browser, type Page } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { CHROMIUM } from '../support/browser.ts';
import { DEMO, testStack, type TestStack } from '../support/local.ts';
import { bill } from '../support/builders.ts';

describe('the local web page', () => {
  let stack: TestStack;
  let browser: Browser;
  let page: Page;
  const submit = (name: string) => stack.submit({ bytes: readFileSync(join(DEMO, 'bills', name)), name });

  beforeAll(async () => {
    [stack, browser] = await Promise.all([testStack(), chromium.launch(CHROMIUM)]);
    await submit('01-acme-office.xml');
    await submit('03-castor-drills.xml');
    await submit('08-gamma-electrical.xml');
    page = await browser.newPage();
    // The web page needs a session: the one-time link `bm start` prints.
    await page.goto(stack.signInUrl());
  }, 60_000);

  afterAll(async () => {
    await browser?.close();
    await stack?.dispose();
  });

  it('lists the bills with their states, and filters by state', async () => {
    await page.goto(`${stack.webUrl}/`);
    await expect.poll(() => page.title()).toContain('Bills');
    const rows = page.locator('#bills tbody tr');
    expect(await rows.count()).toBe(3);
    const text = await page.locator('#bills').innerText();
    for (const s of ['Ready for payment', 'Flagged', 'CT-88410', 'INV-A-2026-0311', 'GE-5521', 'EUR\u00a01,649.34', 'A price is above the purchase order price', 'The supplier is not in the vendor list']) expect(text).toContain(s);

    await page.getByRole('link', { name: /^Flagged/ }).click();
    await page.waitForURL(/\?state=flagged$/);
    const states = await page.locator('#bills tbody [data-state]').evaluateAll((els) => els.map((e) => e.getAttribute('data-state')));
    expect(states).toEqual(['flagged', 'flagged']);
  });

  it('shows one bill: what was read, the line match against PO and receipts, and the audit trail', async () => {
    await page.goto(`${stack.webUrl}/`);
    await page.getByRole('link', { name: 'CT-88410' }).click();
    await page.waitForURL(/\/bills\/b\w+$/);
    expect(await page.locator('h1').innerText()).toBe('Bill CT-88410');
    expect(await page.locator('#summary').innerText()).toMatch(/Flagged[\s\S]*Castor Tools AG[\s\S]*PO-3001/);
    expect(await page.locator('#exceptions').innerText()).toContain('A price is above the purchase order price and its tolerance');
    // Tax per rate (or the total and its effective rate) and charges, beside the totals.
    expect(await page.locator('#tax').innerText()).toMatch(/^Tax \d+\.\d{2} on net \d+\.\d{2} \(\d+\.\d %\)|^Tax \d+(\.\d+)? % /);
    expect(await page.locator('#charges').innerText()).toBe('No charges');

    const match = page.locator('#match tbody tr');
    expect(await match.count()).toBe(2);
    // Line 1: 6 billed at 199 against the PO's 189 (limit 192.78); 6 received, none billed before.
    const line1 = await match.nth(0).locator('th, td').allInnerTexts();
    expect(line1).toEqual(['1', 'Cordless drill 18V with two batteries', '6', '199', '1 by item code', '189', '192.78', '6', '6', '0', '6', 'A price is above the purchase order price and its tolerance']);
    expect(await match.nth(1).locator('td').last().innerText()).toBe('OK');

    expect(await page.locator('#lines').innerText()).toContain('Cordless drill 18V with two batteries');
    expect(await page.locator('#source').innerText()).toContain('03-castor-drills.xml');
    const audit = page.locator('#audit tbody tr');
    expect(await audit.count()).toBeGreaterThanOrEqual(1);
    expect(await audit.first().innerText()).toMatch(/system\s+decided\s+— → Flagged/);
  });

  it('renders an email of the outbox: its headers, its HTML in a sandbox, its text', async () => {
    const [b] = (await stack.store.listBills()).filter((x) => x.invoice_number === 'GE-5521');
    await stack.mailer.send({
      to: ['ap-admin@northwind.example'],
      subject: 'Review: Gamma Electrical GE-5521',
      text: 'Plain text: please review GE-5521.',
      html: '<h1 id="mail-h">Please review GE-5521</h1><p id="x">static</p><script>document.getElementById("x").textContent = "script ran"</script>',
      tag: 'test-email',
      billId: b!.bill_id,
    });

    await page.goto(`${stack.webUrl}/outbox`);
    await page.getByRole('link', { name: 'Review: Gamma Electrical GE-5521' }).click();
    await page.waitForURL(/\/outbox\/[^/]+\.eml$/);
    const headers = await page.locator('#headers').innerText();
    expect(headers).toContain('ap-admin@northwind.example');
    expect(headers).toContain('test-email');
    expect(await page.locator('#mail-text').innerText()).toContain('Plain text: please review GE-5521.');

    const frame = page.frameLocator('#mail-html');
    expect(await frame.locator('#mail-h').innerText()).toBe('Please review GE-5521');
    // The sandbox runs no script from an email.
    expect(await frame.locator('#x').innerText()).toBe('static');
    expect(await page.locator('#mail-html').getAttribute('sandbox')).not.toContain('allow-scripts');
  });

  it('takes an upload through the form and shows the bill with its outcome', async () => {
    await page.goto(`${stack.webUrl}/upload`);
    await page.getByLabel('Bill file').setInputFiles(join(DEMO, 'bills', '06-delta-freight.xml'));
    await page.getByRole('button', { name: 'Upload and decide' }).click();
    await page.waitForURL(/\/bills\/b\w+$/);
    expect(await page.locator('h1').innerText()).toBe('Bill DF-10077');
    expect(await page.locator('#summary [data-state]').innerText()).toBe('Blocked');
    expect(await page.locator('#exceptions').innerText()).toContain('VENDOR_BLOCKED');
    const url = page.url();
    // The signed-in user uploaded it: its submitter (operator input, §9), so never its approver.
    expect((await stack.store.getBill(decodeURIComponent(url.split('/').pop()!)))!.source.submitter).toBe(stack.user);

    // The same file again runs nothing new and leads to the same bill.
    await page.goto(`${stack.webUrl}/upload`);
    await page.getByLabel('Bill file').setInputFiles(join(DEMO, 'bills', '06-delta-freight.xml'));
    await page.getByRole('button', { name: 'Upload and decide' }).click();
    await page.waitForURL(/notice=already$/);
    expect(page.url()).toBe(`${url}?notice=already`);
    expect(await page.getByRole('status').innerText()).toContain('uploaded before');

    await page.goto(`${stack.webUrl}/`);
    expect(await page.locator('#bills tbody tr').count()).toBe(4);
  });

  it('shows what a bill says as text, never as markup', async () => {
    const hostile = bill({ invoice_number: '<img src=x id=pwned>', supplier: { name: 'Evil <b>Corp</b>', tax_id: null, iban: null, email: null } });
    const outcome = await stack.submit({ bytes: Buffer.from(JSON.stringify(hostile)), name: '<script>x</script>.bill.json' });
    const id = outcome.kind === 'processed' ? outcome.execution.bills[0]!.bill_id : '';
    await page.goto(`${stack.webUrl}/bills/${id}`);
    expect(await page.locator('h1').innerText()).toBe('Bill <img src=x id=pwned>');
    expect(await page.locator('#pwned').count()).toBe(0);
    expect(await page.locator('#read').innerText()).toContain('Evil <b>Corp</b>');
    await page.goto(`${stack.webUrl}/`);
    expect(await page.locator('#pwned').count()).toBe(0);
  });

  it('refuses a form posted from another site', async () => {
    const r = await fetch(`${stack.webUrl}/upload`, { method: 'POST', headers: { Origin: 'https://evil.example', 'Content-Type': 'multipart/form-data; boundary=x' }, body: '--x--' });
    expect(r.status).toBe(403);
    const h = await fetch(`${stack.webUrl}/healthz`);
    expect(await h.json()).toMatchObject({ status: 'ok' });
  });

  it('answers nothing without a session; a sign-in link works once and names the user', async () => {
    const context = await browser.newContext();
    try {
      const stranger = await context.newPage();
      const r = await stranger.goto(`${stack.webUrl}/`);
      expect(r!.status()).toBe(401);
      expect(await stranger.locator('body').innerText()).toContain('Sign in first');
      expect((await stranger.goto(`${stack.webUrl}/api/bills`))!.status()).toBe(401);
      const link = stack.signInUrl();
      expect((await stranger.goto(link))!.status()).toBe(200);
      expect(await stranger.title()).toContain('Bills');
      const cookie = (await context.cookies()).find((c) => c.name.startsWith('bm_session_'))!;
      expect(cookie).toMatchObject({ httpOnly: true, sameSite: 'Strict' });
      // Used once: a second browser cannot use it again.
      const other = await browser.newContext();
      try {
        expect((await (await other.newPage()).goto(link))!.status()).toBe(403);
      } finally {
        await other.close();
      }
    } finally {
      await context.close();
    }
  });
});
