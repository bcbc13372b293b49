/**
 * The AP workspace's pages in a real browser, written against a base URL and a signed-in page
 * only, so that the same tests run against any home of the workspace (the local stack here; the
 * Lambda home later). The page's browser context must bypass the pages' CSP (`bypassCSP: true`):
 * the pages allow no script, and axe-core is injected as one.
 */
import { createRequire } from 'node:module';
import type { Page } from 'playwright-core';
import { describe, expect, it } from 'vitest';

const axeSource = createRequire(import.meta.url)('node:fs').readFileSync(createRequire(import.meta.url).resolve('axe-core/axe.min.js'), 'utf8') as string;

export interface WorkspaceHome {
  readonly baseUrl: string;
  /** A page signed in as `user`, in a context with `bypassCSP: true`. */
  readonly page: Page;
  /** The signed-in user (an email). */
  readonly user: string;
  /**
   * `bm start` (local): also the outbox and upload pages, and approve links on the bill page (it
   * holds the link-signing key). The workspace in AWS holds no signing key: approving is by the
   * emailed links only, and the page says so.
   */
  readonly local: boolean;
  /** Bills per state, as the home holds them. */
  readonly counts: Readonly<Record<string, number>>;
  /** A bill that waits on `user` as approver (its id and invoice number). */
  readonly mine: { readonly billId: string; readonly invoice: string };
  /** A bill decided by the pipeline from a stored document, with a line match (flagged for a price). */
  readonly matched: { readonly billId: string; readonly invoice: string; readonly po: string };
  /** A bill to review. */
  readonly review: { readonly billId: string };
  /** A vendor whose IBAN an import changed, with the importer and both IBANs. */
  readonly changedVendor: { readonly id: string; readonly by: string; readonly oldIban: string; readonly newIban: string };
  /** A purchase order with receipts. */
  readonly po: string;
}

/** Every page a person reaches in the workspace (paths). */
export function workspacePaths(h: WorkspaceHome): string[] {
  return [
    '/',
    '/?state=flagged',
    '/?mine=1',
    `/?q=${encodeURIComponent(h.matched.invoice)}`,
    '/?sort=amount_desc&code=PRICE_VARIANCE',
    `/bills/${h.matched.billId}`,
    `/bills/${h.mine.billId}`,
    `/bills/${h.review.billId}`,
    '/master',
    '/master/vendors',
    `/master/vendors/${h.changedVendor.id}`,
    '/master/purchase-orders',
    `/master/purchase-orders/${encodeURIComponent(h.po)}`,
    '/master/receipts',
    '/master/policy',
    ...(h.local ? ['/upload', '/outbox'] : []),
  ];
}

export function workspacePageTests(home: () => WorkspaceHome): void {
  const go = async (path: string) => {
    const h = home();
    const r = await h.page.goto(`${h.baseUrl}${path}`);
    expect(r?.status(), path).toBe(200);
    return h.page;
  };
  const texts = (page: Page, sel: string) => page.locator(sel).allInnerTexts();

  describe('the worklist', () => {
    it('shows my work first: the bills waiting on me, then all bills with counts per state', async () => {
      const page = await go('/');
      await page.setViewportSize({ width: 1280, height: 900 });
      const order = await page.locator('#mywork-h, #all-h').allInnerTexts();
      expect(order[0]).toMatch(/^My work/);
      expect(order[1]).toBe('All bills');
      const mineRows = page.locator('#mywork-table tbody tr');
      expect(await mineRows.count()).toBeGreaterThan(0);
      // Every row of my work waits on me (or is a review).
      for (const w of await texts(page, '#mywork-table td.waiting')) expect(w).toMatch(/\byou\b|A reviewer/);
      const counts = Object.fromEntries(
        await page.locator('#counts a').evaluateAll((as) => as.map((a) => [new URL((a as unknown as { href: string }).href).searchParams.get('state') ?? 'all', a.querySelector('.count')!.textContent!.replace(/,/g, '')])),
      );
      const h = home();
      // Counts stop at 1,000 a state (COUNT_UP_TO), shown as "1,000+".
      const shown = (n: number) => (n >= 1000 ? '1000+' : String(n));
      for (const [s, n] of Object.entries(h.counts)) expect(counts[s], s).toBe(shown(n));
      const all = Object.values(h.counts).reduce((a, b) => a + b, 0);
      if (Object.values(h.counts).every((n) => n < 1000)) expect(counts.all).toBe(String(all));
      else expect(counts.all).toMatch(/^\d+\+$/);
      expect(await page.locator('#bills tbody tr').count()).toBe(50);
    });

    it('formats money per currency, dates in the policy time zone, exception codes in words once', async () => {
      const page = await go('/');
      const totals = await texts(page, '#bills td[data-label="Total"]');
      // The ISO code, a no-break space, thousands separators, the currency's decimals.
      for (const t of totals) expect(t).toMatch(/^(EUR|USD)\u00a0\d{1,3}(,\d{3})*\.\d{2}$|^JPY\u00a0\d{1,3}(,\d{3})*$/);
      expect(totals.some((t) => t.startsWith('JPY'))).toBe(true);
      const received = await texts(page, '#bills td[data-label="Received"]');
      for (const r of received) expect(r).toMatch(/^\d{1,2} [A-Z][a-z]{2} \d{4}, \d{2}:\d{2} (CET|CEST)$/);
      const dt = await page.locator('#bills td[data-label="Received"] time').first().getAttribute('datetime');
      expect(dt).toMatch(/Z$/);
      for (const cell of await page.locator('#bills td[data-label="Exceptions"]').all()) {
        const items = await cell.locator('li').allInnerTexts();
        expect(new Set(items).size).toBe(items.length);
        for (const x of items) expect(x).not.toMatch(/^[A-Z_]+$/);
      }
    });

    it('searches by invoice number (as normalized for duplicates), PO and vendor name', async () => {
      const h = home();
      const page = await go('/');
      await page.locator('#q').fill(h.mine.invoice.toLowerCase().replace(/-/g, ' '));
      await page.locator('#apply').click();
      await page.waitForURL(/q=/);
      expect(await texts(page, '#bills tbody td[data-label="Invoice"]')).toEqual([h.mine.invoice]);

      await go(`/?q=${encodeURIComponent(h.matched.po.toLowerCase())}`);
      const invoices = await texts(page, '#bills tbody td[data-label="Invoice"]');
      expect(invoices).toContain(h.matched.invoice);

      await go('/?q=castor');
      const vendors = await texts(page, '#bills tbody td[data-label="Vendor"]');
      expect(vendors.length).toBeGreaterThan(0);
      for (const v of vendors) expect(v).toMatch(/^Castor/);
    });

    it('filters by state and exception, and pages forwards and back over every bill once', async () => {
      const h = home();
      const page = await go('/');
      await page.locator('#f-state').selectOption('flagged');
      await page.locator('#f-code').selectOption('PRICE_VARIANCE');
      await page.locator('#apply').click();
      await page.waitForURL(/state=flagged/);
      const states = await page.locator('#bills tbody [data-state]').evaluateAll((els) => els.map((e) => e.getAttribute('data-state')));
      expect(new Set(states)).toEqual(new Set(['flagged']));
      for (const cell of await texts(page, '#bills td[data-label="Exceptions"]')) expect(cell).toContain('A price is above the purchase order price');

      // Every blocked bill (some 770 of the 10,000), page by page, once.
      await go('/?state=blocked');
      const seen: string[] = [];
      const firstPage = await page.locator('#bills tbody tr').evaluateAll((rs) => rs.map((r) => r.getAttribute('data-bill')));
      for (let i = 0; i < 100; i++) {
        seen.push(...(await page.locator('#bills tbody tr').evaluateAll((rs) => rs.map((r) => r.getAttribute('data-bill')!))));
        const next = page.locator('.pager a[rel=next]');
        if ((await next.count()) === 0) break;
        await next.click();
        await page.waitForLoadState();
      }
      expect(seen.length).toBe(h.counts.blocked);
      expect(seen.length).toBeGreaterThan(50 * 10);
      expect(new Set(seen).size).toBe(seen.length);
      // Back to the first page.
      for (let i = 0; i < 100 && (await page.locator('.pager a[rel=prev]').count()) > 0; i++) {
        await page.locator('.pager a[rel=prev]').click();
        await page.waitForLoadState();
      }
      expect(await page.locator('#bills tbody tr').evaluateAll((rs) => rs.map((r) => r.getAttribute('data-bill')))).toEqual(firstPage);
    });

    it('answers a bad filter or a forged cursor with a clear 400', async () => {
      const h = home();
      const bad = await h.page.goto(`${h.baseUrl}/?min=lots`);
      expect(bad?.status()).toBe(400);
      expect(await h.page.locator('[role=alert]').innerText()).toMatch(/Total from: an amount/);
      const forged = await h.page.goto(`${h.baseUrl}/?after=eyJ2IjoxfQ`);
      expect(forged?.status()).toBe(400);
    });
  });

  describe('the bill page', () => {
    it('shows the document inline, tax per rate, versions, and the line match fitting 1440 px', async () => {
      const h = home();
      const page = await go(`/bills/${h.matched.billId}`);
      await page.setViewportSize({ width: 1440, height: 900 });
      expect(await page.locator('#document').count()).toBe(1);
      // The document itself is served to the signed-in user (locally by a signed link, in AWS by the workspace).
      const src = (await page.locator('#document-link').getAttribute('href'))!;
      const doc = await page.request.get(new URL(src, h.baseUrl).toString());
      expect(doc.status()).toBe(200);
      expect((await doc.body()).byteLength).toBeGreaterThan(100);
      expect(await page.locator('#tax').innerText()).toMatch(/\d/);
      expect(await page.locator('#versions').innerText()).toMatch(/First decided/);
      expect(await page.locator('#summary').innerText()).toMatch(/Due date[\s\S]*\d{4}/);
      // The whole line-match table, Result column included, is visible without scrolling.
      const fit = await page.locator('#match').evaluate((t) => {
        const box = t.parentElement!;
        const last = t.querySelector('thead th:last-child')!.getBoundingClientRect();
        return { scroll: box.scrollWidth, client: box.clientWidth, lastRight: last.right, view: (globalThis as unknown as { innerWidth: number }).innerWidth };
      });
      expect(fit.scroll).toBeLessThanOrEqual(fit.client);
      expect(fit.lastRight).toBeLessThanOrEqual(fit.view);
      expect(await page.locator('#match thead th:last-child').innerText()).toBe('Result');
    });

    it("offers the signed-in approver their actions, and says what others' bills wait on", async () => {
      const h = home();
      const page = await go(`/bills/${h.mine.billId}`);
      expect(await page.locator('#summary').innerText()).toMatch(/Waiting on\s+you/);
      const approve = page.locator('#action-approve');
      if (h.local) {
        expect(await approve.count()).toBe(1);
        await approve.click();
        await page.waitForURL(/\/approve\?t=/);
        expect(await page.locator('h1').innerText()).toMatch(/approve/i);
      } else {
        // No signing key in the workspace: the approver's own emailed links are the only way.
        expect(await approve.count()).toBe(0);
        expect(await page.locator('#actions').innerText()).toContain('with the links in the approval email sent to you');
      }

      await go(`/bills/${h.matched.billId}`);
      expect(await page.locator('#actions').innerText()).toMatch(/^Nothing: it waits on/);
      await go(`/bills/${h.review.billId}`);
      expect(await page.locator('#actions').innerText()).toMatch(/Correct what was misread/);
    });
  });

  describe('the master data pages', () => {
    it('list vendors, POs with their lines, receipts and the policy, each with its import history', async () => {
      const h = home();
      let page = await go('/master/vendors');
      expect(await page.locator('#vendors tbody tr').count()).toBeGreaterThan(3);
      expect(await page.locator('#imports tbody tr').count()).toBeGreaterThan(0);

      page = await go(`/master/purchase-orders/${encodeURIComponent(h.po)}`);
      const head = await texts(page, '#po-lines thead th');
      expect(head).toEqual(['Line', 'Item', 'Description', 'Unit price', 'Ordered', 'Received', 'Billed', 'Available']);
      expect(await page.locator('#po-lines tbody tr').count()).toBeGreaterThan(0);
      expect(await page.locator('#po-receipts tbody tr').count()).toBeGreaterThan(0);

      page = await go('/master/receipts');
      expect(await page.locator('#receipts tbody tr').count()).toBeGreaterThan(0);
      page = await go('/master/policy');
      expect(await page.locator('#policy').innerText()).toMatch(/Europe\/Berlin/);
      expect(await page.locator('#imports tbody tr').count()).toBeGreaterThan(0);
    });

    it("shows an IBAN change as an audit row naming who imported it, old → new", async () => {
      const h = home();
      const page = await go(`/master/vendors/${h.changedVendor.id}`);
      const rows = await texts(page, '#changes tbody tr.sensitive');
      const iban = rows.find((r) => r.includes('iban'));
      expect(iban).toBeDefined();
      expect(iban).toContain(h.changedVendor.by);
      expect(iban).toContain(`${h.changedVendor.oldIban} → ${h.changedVendor.newIban}`);
      expect(await page.locator('#vendor').innerText()).toContain(h.changedVendor.newIban);
    });
  });

  describe('every page', () => {
    it('has no serious or critical accessibility violation (axe-core)', async () => {
      const h = home();
      await h.page.setViewportSize({ width: 1280, height: 900 });
      const found: string[] = [];
      for (const path of workspacePaths(h)) {
        await go(path);
        await h.page.addScriptTag({ content: axeSource });
        const violations = await h.page.evaluate(async () => {
          const g = globalThis as unknown as { document: unknown; axe: { run(ctx: unknown, opts: unknown): Promise<{ violations: { id: string; impact: string | null; nodes: { target: unknown }[] }[] }> } };
          const r = await g.axe.run(g.document, { resultTypes: ['violations'] });
          return r.violations.filter((v) => v.impact === 'serious' || v.impact === 'critical').map((v) => `${v.id} (${v.impact}): ${JSON.stringify(v.nodes.slice(0, 3).map((n) => n.target))}`);
        });
        for (const v of violations) found.push(`${path}: ${v}`);
      }
      expect(found).toEqual([]);
    }, 120_000);

    it('is usable at 390 px: no horizontal overflow, rows as cards', async () => {
      const h = home();
      await h.page.setViewportSize({ width: 390, height: 844 });
      const wide: string[] = [];
      for (const path of workspacePaths(h)) {
        await go(path);
        const w = await h.page.evaluate(() => (globalThis as unknown as { document: { scrollingElement: { scrollWidth: number } } }).document.scrollingElement.scrollWidth);
        if (w > 390) wide.push(`${path}: ${w}px`);
      }
      expect(wide).toEqual([]);
      await go('/');
      // A row is a card: its cells stacked, each with its label.
      const display = await h.page.locator('#bills tbody tr').first().evaluate((tr) => (globalThis as unknown as { getComputedStyle(e: unknown): { display: string } }).getComputedStyle(tr).display);
      expect(display).toBe('block');
      await h.page.setViewportSize({ width: 1280, height: 900 });
    }, 120_000);
  });
}
