/**
 * `npx tsx scripts/reading-time.ts`: reading time per page of the local readers on the shared
 * corpus (docs/benchmarks.md): text-layer PDFs (the Factur-X samples read by their text layer,
 * and corpus/pdf-invoices) and local OCR of the PNG renderings (the engine started once,
 * before timing). A measurement, not a test.
 */
import { existsSync, readFileSync, readdirSync } from 'node:fs';
import { basename, join } from 'node:path';
import { TesseractOcr } from '../lambdas/adapters/local/tesseract-ocr.ts';
import { useOcrEngine } from '../lambdas/readers/ocr.ts';
import { readDocument } from '../lambdas/readers/index.ts';
import { pdfLayout } from '../lambdas/readers/pdf-layout.ts';
import { readPdfText } from '../lambdas/readers/pdf-text.ts';

const corpus = join(import.meta.dirname, '..', '..', 'shared', 'corpus');
if (!existsSync(corpus)) {
  console.log('reading-time: no shared corpus; nothing measured.');
  process.exit(0);
}
const index = JSON.parse(readFileSync(join(corpus, 'einvoice/truth/INDEX.json'), 'utf8')) as { documents: { corpus_path: string }[] };
const pdfs = [
  ...index.documents.filter((d) => /\.pdf$/i.test(d.corpus_path)).map((d) => join(corpus, d.corpus_path)),
  ...readdirSync(join(corpus, 'pdf-invoices/invoice2data')).filter((f) => f.endsWith('.pdf')).map((f) => join(corpus, 'pdf-invoices/invoice2data', f)),
];
let pages = 0;
for (const p of pdfs) {
  const l = await pdfLayout(readFileSync(p));
  if (l.ok) pages += l.layout.pages.length;
}
// Warm-up (pdf.js loaded once), then one timed round.
await readPdfText({ bytes: readFileSync(pdfs[0]!), filename: 'warm.pdf' });
let t0 = performance.now();
for (const p of pdfs) await readPdfText({ bytes: readFileSync(p), filename: basename(p) });
const pdfMs = performance.now() - t0;
console.log(`text-layer PDFs: ${pdfs.length} documents, ${pages} pages, ${Math.round(pdfMs)} ms: ${(pdfMs / pages).toFixed(0)} ms per page`);

const pngs = readdirSync(join(corpus, 'pdf-invoices/invoice2data')).filter((f) => f.endsWith('.png')).map((f) => join(corpus, 'pdf-invoices/invoice2data', f));
const ocr = new TesseractOcr();
useOcrEngine(ocr);
t0 = performance.now();
await ocr.recognize(readFileSync(pngs[0]!), 'image/png');
const startMs = performance.now() - t0;
t0 = performance.now();
for (const p of pngs) await readDocument({ bytes: readFileSync(p), filename: basename(p) });
const ocrMs = performance.now() - t0;
await ocr.stop();
console.log(`local OCR: engine start + first page ${Math.round(startMs)} ms; then ${pngs.length} pages in ${Math.round(ocrMs)} ms: ${(ocrMs / pngs.length).toFixed(0)} ms per page`);
