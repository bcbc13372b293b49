/**
 * The summary email as a reader gets it: composed, written as MIME to an outbox and read back;
 * its HTML shown in headless Chromium at 390 px and 600 px wide (no horizontal scroll), its
 * chart a PNG that decodes to the expected size, its CSV every bill of the month.
 */
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { readFileSync } from 'node:fs';
import { chromium, type Browser } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { WasmChartRenderer } from '../../lambdas/adapters/render/chart.ts';
import { OutboxMailer, OutboxReader, type OutboxMessage } from '../../lambdas/adapters/local/outbox.ts';
import { chartAlt, chartSpec, summaryEmail } from '../../lambdas/core/summary/email.ts';
import { writeNarrative } from '../../lambdas/core/summary/narrative.ts';
import type { Summary } from '../../lambdas/core/summary/summary.ts';
import { parseCsvRows } from '../../lambdas/core/csv.ts';
import { CHROMIUM } from '../support/browser.ts';
import { generateMonth } from '../support/month-bills.ts';

const SUMMARY = JSON.parse(readFileSync(join(import.meta.dirname, '../fixtures/summary/summary-2026-03.json'), 'utf8')) as Summary;
const MARCH = { start: Date.parse('2026-03-01T00:00:00+01:00'), end: Date.parse('2026-04-01T00:00:00+02:00') };

let browser: Browser;
let dir: string;
let message: OutboxMessage;
let png: Uint8Array;
const bills = generateMonth({ startMs: MARCH.start, endMs: MARCH.end, n: 25, seed: 4, nowMs: MARCH.end, suppliers: ['Acme GmbH', '=HYPERLINK("http://evil.example")', 'Långa Namnet Utan Mellanslag-Aktiebolaget-Med-Ett-Mycket-Långt-Namn'] }).map((g) => g.record);

beforeAll(async () => {
  [browser, dir] = await Promise.all([chromium.launch(CHROMIUM), mkdtemp(join(tmpdir(), 'bm-summary-'))]);
  const chart = await new WasmChartRenderer().stackedBars(chartSpec(SUMMARY));
  png = chart.png;
  const narrative = await writeNarrative(SUMMARY, { model: null, modelId: null });
  const email = summaryEmail({ summary: SUMMARY, narrative, bills, chart, to: ['finance@example.com'] });
  await new OutboxMailer(dir).send(email);
  const reader = new OutboxReader(dir);
  message = (await reader.read((await reader.list())[0]!.file))!;
}, 60_000);

afterAll(async () => {
  await browser?.close();
  if (dir) await rm(dir, { recursive: true, force: true });
});

describe('the monthly summary email', () => {
  it('is one MIME message: text, HTML, the chart inline and the CSV attached', () => {
    expect(message.tag).toBe('monthly-summary');
    expect(message.subject).toContain('March 2026');
    expect(message.attachments.map((a) => [a.filename, a.contentType])).toEqual([
      ['bills-by-week.png', 'image/png'],
      ['bills-2026-03.csv', 'text/csv'],
    ]);
    expect(message.text).toContain('bills received');
    expect(message.text).toContain('The paragraph is the fixed template (no language model is configured).');
    // The outbox shows the inline chart: its cid reference became the image itself.
    expect(message.html).toContain('src="data:image/png;base64,');
  });

  it('the chart is a PNG that decodes to 1200 × 640 (600 × 320 CSS pixels at twice the density)', async () => {
    expect([...png.slice(0, 8)]).toEqual([0x89, 0x50, 0x4e, 0x47, 0x0d, 0x0a, 0x1a, 0x0a]);
    const page = await browser.newPage();
    try {
      await page.setContent(`<img id="c" src="data:image/png;base64,${Buffer.from(png).toString('base64')}">`);
      const size = await page.evaluate(`(async () => { const img = document.getElementById('c'); await img.decode(); return [img.naturalWidth, img.naturalHeight]; })()`);
      expect(size).toEqual([1200, 640]);
    } finally {
      await page.close();
    }
  });

  it('the alt text carries the chart’s numbers', () => {
    const spec = chartSpec(SUMMARY);
    const alt = chartAlt(spec);
    SUMMARY.current.byWeek.forEach((w) => {
      const n = Object.values(w.states).reduce((a, b) => a + b, 0);
      expect(spec.series.reduce((a, s) => a + s.values[SUMMARY.current.byWeek.indexOf(w)]!, 0)).toBe(n);
    });
    for (const s of spec.series) for (const v of s.values) if (v > 0) expect(alt).toContain(`${v} ${s.name}`);
    expect(message.html).toContain(`alt="${alt.replaceAll('&', '&amp;')}`);
  });

  it.each([{ width: 390 }, { width: 600 }])('reads at $width px: no horizontal scroll, the chart fits, tables fit', async ({ width }) => {
    const page = await browser.newPage({ viewport: { width, height: 900 } });
    try {
      await page.setContent(message.html!);
      const m = (await page.evaluate(`({
        scroll: document.documentElement.scrollWidth,
        client: document.documentElement.clientWidth,
        img: document.querySelector('img').getBoundingClientRect().width,
        widest: Math.max(...[...document.querySelectorAll('table')].map((t) => t.getBoundingClientRect().right)),
      })`)) as { scroll: number; client: number; img: number; widest: number };
      expect(m.scroll).toBeLessThanOrEqual(m.client);
      expect(m.img).toBeLessThanOrEqual(width);
      expect(m.widest).toBeLessThanOrEqual(width);
      const shot = await page.screenshot({ fullPage: true });
      await writeFile(join(dir, `summary-${width}.png`), shot);
      if (process.env.BM_KEEP_SCREENSHOTS) await writeFile(join(process.env.BM_KEEP_SCREENSHOTS, `summary-${width}.png`), shot);
      expect(shot.readUInt32BE(16)).toBe(width); // the screenshot's own width: nothing wider was laid out
    } finally {
      await page.close();
    }
  });

  it('the CSV has every bill of the month, one row each, spreadsheet formulas defused', async () => {
    const raw = (await new OutboxReader(dir).raw((await new OutboxReader(dir).list())[0]!.file))!.toString('utf8');
    expect(raw).toContain('filename=bills-2026-03.csv');
    const email = summaryEmail({ summary: SUMMARY, narrative: await writeNarrative(SUMMARY, { model: null, modelId: null }), bills, chart: null, to: ['x@example.com'] });
    const csv = new TextDecoder().decode(email.attachments!.find((a) => a.filename.endsWith('.csv'))!.content);
    const rows = parseCsvRows(csv).map((r) => r.cells);
    expect(rows[0]).toEqual(['bill_id', 'supplier', 'vendor_id', 'invoice_number', 'issue_date', 'due_date', 'received_at', 'currency', 'total', 'document_type', 'state', 'exceptions', 'approvers', 'decided_at']);
    expect(rows.slice(1).map((r) => r[0])).toEqual(bills.map((b) => b.bill_id));
    const evil = rows.find((r) => r[1]!.includes('HYPERLINK'));
    if (evil) expect(evil[1]!.startsWith("'=")).toBe(true);
    const ready = bills.find((b) => b.state === 'ready_for_payment')!;
    expect(rows.find((r) => r[0] === ready.bill_id)![13]).toBe(ready.updated_at);
  });
});
