/**
 * `tsx scripts/conformance/show.ts FILE.pdf [--rows]`: the layout the text-layer reader sees
 * (rows with their cells' x positions, page and baseline) and the bill it reads, with its
 * confidence map. For studying a misread document.
 */
import { readFileSync } from 'node:fs';
import { pdfLayout } from '../../lambdas/readers/pdf-layout.ts';
import { readLayout } from '../../lambdas/readers/pdf-text.ts';

const file = process.argv[2];
if (!file) throw new Error('usage: show.ts FILE.pdf [--rows]');
const opened = await pdfLayout(readFileSync(file), 120_000);
if (!opened.ok) throw new Error(opened.reason);
if (process.argv.includes('--rows')) {
  for (const r of opened.layout.rows) {
    console.log(`${r.index} p${r.page} y${Math.round(r.y)} s${r.size.toFixed(1)} | ${r.cells.map((c) => `[${Math.round(c.x0)}-${Math.round(c.x1)}] ${c.text}`).join(' | ')}`);
  }
}
console.log(JSON.stringify(readLayout(opened.layout), null, 1));
