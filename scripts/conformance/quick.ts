/**
 * A quick local loop over the PDF families A and B (no OCR): layouts are cached in
 * $TMPDIR/bm-layouts (pdf.js is the slow part), then `readLayout` runs on each and the
 * fields are scored as `npm run conformance` scores them. Prints the counts per family and
 * writes every field that is not right and confident to the file given as the first argument.
 * For studying the reader; `npm run conformance` stays the measure.
 */
import { existsSync, mkdirSync, readFileSync, readdirSync, statSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { basename, join, relative } from 'node:path';
import { createHash } from 'node:crypto';
import { pdfLayout, type PdfLayout } from '../../lambdas/readers/pdf-layout.ts';
import { readLayout } from '../../lambdas/readers/pdf-text.ts';
import { normalizeSign } from '../../lambdas/readers/normalize.ts';
import { invoice2dataExpectations, pageTextOf, printed, TEXT_DIFFERS_FROM_XML, TRUTH_CORRECTIONS, truthExpectations, verdict, type Json } from './pdf.ts';

void TRUTH_CORRECTIONS;
const cacheDir = join(tmpdir(), 'bm-layouts');
mkdirSync(cacheDir, { recursive: true });

async function layoutOf(bytes: Buffer): Promise<PdfLayout | null> {
  const key = join(cacheDir, createHash('sha256').update(bytes).digest('hex') + '.json');
  if (existsSync(key)) return JSON.parse(readFileSync(key, 'utf8')) as PdfLayout;
  const r = await pdfLayout(bytes, 120_000);
  if (!r.ok) return null;
  writeFileSync(key, JSON.stringify(r.layout));
  return r.layout;
}

function list(dir: string): string[] {
  return readdirSync(dir).sort().flatMap((n) => (statSync(join(dir, n)).isDirectory() ? list(join(dir, n)) : /\.pdf$/i.test(n) ? [join(dir, n)] : []));
}

const shared = process.env['BM_SHARED_DIR'] ?? join(import.meta.dirname, '..', '..', '..', 'shared');
if (!existsSync(join(shared, 'corpus'))) throw new Error(`no shared corpus at ${shared}`);
const corpus = join(shared, 'corpus');
const out: string[] = [];
const fam: Record<string, Record<string, number>> = {};
const only = process.argv[3];
const perField: Record<string, Record<string, number>> = {};
const tally = (f: string, doc: string, e: Parameters<typeof verdict>[0]) => {
  const v = verdict(e);
  const k = `${f} ${e.field}`;
  perField[k] ??= {};
  perField[k][v] = (perField[k][v] ?? 0) + 1;
  fam[f] ??= {};
  fam[f][v] = (fam[f][v] ?? 0) + 1;
  if (v !== 'right-high') out.push(JSON.stringify({ verdict: v, doc, field: e.field, path: e.path, want: e.want, got: e.got ?? null, confidence: e.confidence ?? null }));
};
for (const pdf of list(join(corpus, 'pdf-invoices'))) {
  const jsonPath = pdf.replace(/\.pdf$/i, '.json');
  if (!existsSync(jsonPath) || /AzureInterior/.test(pdf)) continue;
  const rel = relative(corpus, pdf);
  if (only && !rel.includes(only)) continue;
  const layout = await layoutOf(readFileSync(pdf));
  const r = layout ? readLayout(layout) : null;
  const bill = r?.kind === 'bill' ? r.bill : null;
  const expected = (JSON.parse(readFileSync(jsonPath, 'utf8')) as Json[])[0] ?? {};
  for (const e of invoice2dataExpectations(rel, expected, bill)) tally('A', rel, bill ? e : { ...e, got: null, confidence: undefined });
}
const index = JSON.parse(readFileSync(join(corpus, 'einvoice', 'truth', 'INDEX.json'), 'utf8')) as { documents: { corpus_path: string; truth_path: string }[] };
for (const doc of index.documents.filter((d) => /\.pdf$/i.test(d.corpus_path))) {
  if (only && !doc.corpus_path.includes(only)) continue;
  const truth = JSON.parse(readFileSync(join(corpus, doc.truth_path), 'utf8')) as Json;
  const layout = await layoutOf(readFileSync(join(corpus, doc.corpus_path)));
  const r = layout ? readLayout(layout) : null;
  const bill = r?.kind === 'bill' ? normalizeSign(r.bill) : null;
  const page = layout ? pageTextOf(layout) : null;
  for (const e of truthExpectations(truth, bill)) {
    if (TEXT_DIFFERS_FROM_XML[doc.corpus_path]?.[e.field]) continue;
    if (!printed(page, e)) continue;
    tally('B', doc.corpus_path, bill ? e : { ...e, got: null, confidence: undefined });
  }
}
void basename;
writeFileSync(process.argv[2] ?? join(tmpdir(), 'bm-misses.jsonl'), out.join('\n') + '\n');
for (const [f, c] of Object.entries(fam)) {
  const n = Object.values(c).reduce((a, b) => a + b, 0);
  console.log(`${f}: ${n} fields; right-high ${c['right-high'] ?? 0} (${((100 * (c['right-high'] ?? 0)) / n).toFixed(1)} %), right-low ${c['right-low'] ?? 0}, honest ${c['honest'] ?? 0}, missing ${c['missing'] ?? 0}, WRONG-HIGH ${c['wrong-high'] ?? 0}`);
}
if (process.argv.includes('--fields')) {
  for (const [k, c] of Object.entries(perField).sort()) console.log(`${k}: ${c['right-high'] ?? 0}/${Object.values(c).reduce((a, b) => a + b, 0)} right and confident (right-low ${c['right-low'] ?? 0}, honest ${c['honest'] ?? 0}, missing ${c['missing'] ?? 0}, WRONG-HIGH ${c['wrong-high'] ?? 0})`);
}
