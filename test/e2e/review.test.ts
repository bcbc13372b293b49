/**
 * Reviewing a bill on the local web page in a real browser: the review form of a `needs_review`
 * bill, a bad value refused next to its field, the correction confirmed, the bill decided again
 * and the review in its audit trail.
 */
import { chromium, type Browser, type Page } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { CHROMIUM } from '../support/browser.ts';
import { misreadCastorBill, submitBill, testStack, type TestStack } from '../support/local.ts';

describe('reviewing a bill on the web page', () => {
  let stack: TestStack;
  let browser: Browser;
  let page: Page;
  let billId: string;

  beforeAll(async () => {
    [stack, browser] = await Promise.all([testStack({ honourWaits: false, user: 'clerk@northwind.example' }), chromium.launch(CHROMIUM)]);
    billId = (await submitBill(stack, misreadCastorBill('CT-2001'), 'scan-ct-2001.bill.json')).bill_id;
    page = await browser.newPage();
    // The web page needs a session: the one-time link `bm start` prints.
    await page.goto(stack.signInUrl());
  }, 60_000);

  afterAll(async () => {
    await browser?.close();
    await stack?.dispose();
  });

  it('offers the bill as read, with the doubtful field marked', async () => {
    await page.goto(`${stack.webUrl}/bills/${billId}`);
    expect(await page.locator('#summary').innerText()).toContain('Needs review');
    const total = page.getByLabel(/^Total/);
    expect(await total.inputValue()).toBe('1532.20');
    expect(await page.locator('.field.low').filter({ has: total }).count()).toBe(1);
    expect(await page.getByLabel('Qty, row 1').inputValue()).toBe('2');
  });

  it('refuses a bad value next to its field, and changes nothing', async () => {
    await page.getByLabel('Qty, row 1').fill('two');
    await page.getByRole('button', { name: 'Confirm and decide again' }).click();
    await expect.poll(() => page.locator('#review-problems').innerText()).toContain('lines[0].quantity');
    expect(await page.getByLabel('Qty, row 1').getAttribute('aria-invalid')).toBe('true');
    // What the clerk typed is still there to fix.
    expect(await page.getByLabel('Qty, row 1').inputValue()).toBe('two');
    // Version 1 is the decision, 2 the review link's audit row: nothing more was written.
    expect((await stack.store.getBill(billId))!.version).toBe(2);
  });

  it('decides the corrected bill again and shows the review in the audit trail', async () => {
    await page.getByLabel('Qty, row 1').fill('2');
    await page.getByLabel(/^Total/).fill('1523.20');
    await page.getByLabel(/^Note/).fill('digits swapped on the scan');
    await page.getByRole('button', { name: 'Confirm and decide again' }).click();
    await page.waitForURL(/\?notice=reviewed$/);
    expect(await page.locator('#summary').innerText()).toContain('Awaiting approval');
    expect(await page.locator('#review').count()).toBe(0);
    const audit = await page.locator('#audit').innerText();
    // The reviewer is the signed-in user: the form has no field to type a name into.
    expect(audit).toContain('clerk@northwind.example');
    expect(await page.locator('input[name="reviewer"]').count()).toBe(0);
    expect(audit).toContain('total: "1532.20" → "1523.20"');
    expect(audit).toContain('digits swapped on the scan');
  });
});
