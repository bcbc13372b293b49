/**
 * The approval walk-through in a real browser: the approval email in the local outbox, its
 * Approve / Query / Reject button followed, the confirmation page confirmed, and the bill's new
 * state on the local web page.
 */
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { chromium, type Browser, type Page } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { CHROMIUM } from '../support/browser.ts';
import { DEMO, testStack, waitFor, type TestStack } from '../support/local.ts';

describe('approving from the email', () => {
  let stack: TestStack;
  let browser: Browser;
  let page: Page;

  beforeAll(async () => {
    [stack, browser] = await Promise.all([testStack({ honourWaits: false }), chromium.launch(CHROMIUM)]);
    page = await browser.newPage();
    // The web page needs a session: the one-time link `bm start` prints.
    await page.goto(stack.signInUrl());
  }, 60_000);

  afterAll(async () => {
    await browser?.close();
    await stack?.dispose();
  });

  /** Opens the bill's approval email in the outbox and returns the href of the named button. */
  async function buttonInEmail(billId: string, label: RegExp): Promise<string> {
    const entry = await waitFor('the approval email', async () => (await stack.outbox.list()).find((e) => e.billId === billId && e.tag === 'approval-request'));
    await page.goto(`${stack.webUrl}/outbox`);
    await page.getByRole('link', { name: entry.subject }).first().click();
    await page.waitForURL(/\/outbox\/[^/]+\.eml$/);
    const href = await page.frameLocator('#mail-html').getByRole('link', { name: label }).getAttribute('href');
    expect(href).toMatch(/\/approve\?t=/);
    return href!;
  }

  async function stateOnPage(billId: string): Promise<string> {
    await page.goto(`${stack.webUrl}/bills/${billId}`);
    return page.locator('body').innerText();
  }

  it.each([
    { case: 'Approve', file: '02-brightline-laptops.cii.xml', button: /^Approve$/, fill: null, after: /ready for payment/i },
    { case: 'Query', file: '03-castor-drills.xml', button: /^Query supplier$/, fill: { field: '#message', text: 'Which delivery note does this price belong to?' }, after: /waiting on supplier/i },
    { case: 'Reject', file: '04-fjord-boxes.cii.xml', button: /^Reject$/, fill: { field: '#reason', text: 'More boxes than we received.' }, after: /rejected/i },
  ])('$case: from the outbox email to the new state on the bill page', async ({ file, button, fill, after }) => {
    const result = await stack.submit({ bytes: readFileSync(join(DEMO, 'bills', file)), name: file });
    if (result.kind !== 'processed') throw new Error(`not processed: ${result.kind}`);
    const [outcome] = result.execution.bills;
    const billId = outcome!.bill_id;
    const link = await buttonInEmail(billId, button);

    await page.goto(link);
    expect(await page.locator('h1').innerText()).toMatch(/\?$/);
    // Opening the link changed nothing.
    expect((await stack.store.getBill(billId))!.state).toBe(outcome!.state);
    if (fill) await page.fill(fill.field, fill.text);
    await page.click('#confirm');
    await expect.poll(() => page.locator('h1').innerText()).toBe('Done');

    expect(await stateOnPage(billId)).toMatch(after);
  });
});
