/**
 * PDF conformance: how honest the text-layer reader is.
 *
 * A. Every PDF under `corpus/pdf-invoices/` that has invoice2data's expected JSON next to it is
 *    read with `readDocument` (a PDF with an embedded invoice XML takes the exact XML path, as
 *    in production). Each expected field is compared with the bill (key mapping in
 *    corpus/MANIFEST.md; `vat`/`static_vat` → supplier.tax_id and `iban` → supplier.iban are
 *    scored as well).
 * B. The Factur-X PDFs with ground truth (`einvoice/truth`) have a text layer too: it is read
 *    by the `pdf-text` reader directly, ignoring the attachment, and scored against the XML's
 *    truth. Documents whose printed text disagrees with their own XML are listed, not counted
 *    (TEXT_DIFFERS_FROM_XML below, each with the reason).
 *
 * Each field of each bill is one of:
 *   right                 the value is the expected one (split by its confidence: high / low);
 *   below threshold       a wrong value, but with a confidence under the policy default 0.8
 *                         (or the currency `unclear`): the bill goes to needs_review, honestly;
 *   missing               no value read (the bill goes to review if the field is required);
 *   WRONG, high           a wrong value with confidence ≥ 0.8 — a FAILURE.
 * An exact read (Factur-X XML) has no confidence map and counts as confidence 1.
 *
 * Comparisons follow the product's own rules where it has them: invoice numbers as duplicate
 * detection normalises them (§5), PO references as PO resolution does (§3), supplier names as
 * vendor resolution does (§3), VAT ids and IBANs upper-cased without spaces; amounts are
 * compared as decimals, dates exactly, descriptions with white space collapsed.
 */
import { appendFileSync, existsSync, readFileSync, readdirSync, statSync, writeFileSync } from 'node:fs';
import { basename, join, relative } from 'node:path';
import type { CanonicalBill } from '../../lambdas/core/bill.ts';
import { Decimal } from '../../lambdas/core/money.ts';
import { jaccard, normalizeInvoiceNumber, normalizeName, normalizePoRef, tokens } from '../../lambdas/core/normalize.ts';
import { readDocument } from '../../lambdas/readers/index.ts';
import { normalizeSign } from '../../lambdas/readers/normalize.ts';
import { readPdfText } from '../../lambdas/readers/pdf-text.ts';
import { validateBill } from '../../lambdas/core/validate.ts';
import { TesseractOcr } from '../../lambdas/adapters/local/tesseract-ocr.ts';
import { useOcrEngine } from '../../lambdas/readers/ocr.ts';
import { pdfLayout } from '../../lambdas/readers/pdf-layout.ts';
import { normaliseNumber, parseDateAt } from '../../lambdas/readers/pdf-text/values.ts';

const THRESHOLD = 0.8;

export type Json = Record<string, unknown>;
type Kind = 'amount' | 'date' | 'text' | 'number' | 'po' | 'name' | 'id' | 'description';
export type Verdict = 'right-high' | 'right-low' | 'honest' | 'missing' | 'wrong-high';

export interface Expectation {
  readonly field: string;
  readonly path: string;
  readonly kind: Kind;
  readonly want: unknown;
  readonly got: unknown;
  readonly confidence: number | undefined;
}

/**
 * invoice2data's `issuer` is the name of its extraction template (a brand), not always the
 * seller of record printed on the document; where the document names another legal seller,
 * the truth is corrected here, with the reason, and the correction is printed with the results.
 */
export const TRUTH_CORRECTIONS: Readonly<Record<string, Readonly<Record<string, { value: string; why: string }>>>> = {
  'pdf-invoices/invoice2data/FlipkartInvoice.pdf': {
    seller_name: { value: 'WS Retail Services Pvt. Ltd.', why: 'invoice2data issuer "Flipkart" is the marketplace; the document says "Sold By : WS Retail Services Pvt. Ltd." (BT-27 is the legal seller)' },
  },
  'pdf-invoices/invoice2data/oyo.pdf': {
    seller_name: { value: 'Oravel Stays Private Limited', why: 'invoice2data issuer "OYO" is the brand; the payee and registered company printed is Oravel Stays Private Limited' },
  },
};

/**
 * Factur-X samples whose printed page disagrees with their own embedded XML in a field (the
 * truth is the XML): the text-layer reader is right to read what is printed. Listed, not scored.
 */
export const TEXT_DIFFERS_FROM_XML: Readonly<Record<string, Readonly<Record<string, string>>>> = {
  'facturx/zugferd-corpus/ZUGFeRDv1/correct/Konik/acme_invoice-42_ZUGFeRD.pdf': {
    invoice_number: 'the page prints "Rechnung Nr. 42"; the XML says 20131122-42',
    issue_date: 'the page prints "Rechnungsdatum: 31.01.2014"; the XML says 2014-11-08',
    'supplier.name': 'the page prints "Acme GmbH" (sender line and footer); the XML says Seller Inc.',
  },
  'facturx/zugferd-corpus/ZUGFeRDv1/correct/Mustangproject/MustangGnuaccountingBeispielRE-20150613_503.pdf': {
    net_total: 'the page prints "Nettobetrag: 358,00 €" (other lines); the XML says 496.00',
    tax_total: 'the page prints "USt. Gesamt: 48,82 €"; the XML says 75.04',
    total: 'the page prints "Gesamtbetrag: 406,82 €"; the XML says 571.04',
    'lines.quantity': 'the page prints other lines (400 l of hot air for 40,00 €) than the XML',
    'lines.unit_price': 'the page prints other lines than the XML',
    'lines.net_amount': 'the page prints other lines than the XML',
  },
  'facturx/zugferd-corpus/ZUGFeRDv1/correct/Intarsys/ZUGFeRD_1p0_BASIC_Rechnungskorrektur.pdf': {
    'supplier.name': 'the XML\'s seller name is three lines, "GLN 4333741000005 / Lief-Nr: 549910 / MUSTERLIEFERANT GMBH"; the page prints the name MUSTERLIEFERANT GMBH under "Lieferant" and in the footer',
  },
  'facturx/zugferd-corpus/ZUGFeRDv2/correct/intarsys/BASIC/zugferd_2p0_BASIC_Rechnungskorrektur.pdf': {
    'supplier.name': 'the XML\'s seller name is three lines, "GLN 4333741000005 / Lief-Nr: 549910 / MUSTERLIEFERANT GMBH"; the page prints the name MUSTERLIEFERANT GMBH under "Lieferant" and in the footer',
  },
  'facturx/zugferd-corpus/ZUGFeRDv1/fail/Mustangproject/fail1.pdf': {
    issue_date: 'the page prints "Rechnung # RE-20151008/504 von 08.10.2015"; the XML (a failing sample) has the raw date 20141008',
  },
  'facturx/zugferd-corpus/ZUGFeRDv2/fail/ZUGFeRD_2_fully_compliant_complete.pdf': {
    tax_total: 'the page prints "Total Tax 4.925,70" (15 %); the XML says 6239.22',
    total: 'the page prints "Total Amount (DEM) 37.763,70"; the XML says 39077.22',
  },
  'facturx/zugferd-corpus/ZUGFeRDv2/correct/Mustangproject/MustangGnuaccountingBeispielRE-20201121_508_withBOM.pdf': {
    invoice_number: 'the page is invoice RE-20190610/507 of 2019-06-10; the XML is RE-20201121/508',
    issue_date: 'the page is invoice RE-20190610/507 of 2019-06-10; the XML is RE-20201121/508',
  },
};

interface Tally {
  readonly counts: Map<string, Record<Verdict, number>>;
  /** Per family (the corpus folder two levels down): the same five counts over all fields. */
  readonly families: Map<string, Record<Verdict, number>>;
  /** Truth fields not printed on the page (B only): not scored. */
  notPrinted: number;
  readonly failures: string[];
  readonly notes: string[];
  documents: number;
  bills: number;
  /** Bills with no reading exception at the default threshold: they would skip review. */
  clean: number;
}

function newTally(): Tally {
  return { counts: new Map(), families: new Map(), notPrinted: 0, failures: [], notes: [], documents: 0, bills: 0, clean: 0 };
}

let missesFile: string | undefined;

export async function pdfConformance(sharedDir: string, options: { noOcr?: boolean; misses?: string } = {}): Promise<{ table: string; failures: number }> {
  const corpus = join(sharedDir, 'corpus');
  missesFile = options.misses;
  if (missesFile) writeFileSync(missesFile, '');
  const root = join(corpus, 'pdf-invoices');
  if (!existsSync(root)) return { table: `PDF conformance: ${root} not found; nothing measured.`, failures: 0 };

  const a = newTally();
  for (const pdf of listPdfs(root)) {
    const rel = relative(corpus, pdf).split('\\').join('/');
    const jsonPath = pdf.replace(/\.pdf$/i, '.json');
    const results = await readDocument({ bytes: readFileSync(pdf), filename: basename(pdf) });
    const r = results[0];
    if (!existsSync(jsonPath)) {
      a.notes.push(`${rel}: no expected JSON; read as ${r?.format ?? 'nothing'}${r?.bill ? '' : ` (${r?.exceptions.map((e) => e.message).join('; ')})`}`);
      continue;
    }
    if (r?.format === 'facturx') {
      a.notes.push(`${rel}: read exactly from its embedded invoice XML (scored against its XML truth by the e-invoice conformance)`);
      continue;
    }
    a.documents++;
    const expected = (JSON.parse(readFileSync(jsonPath, 'utf8')) as Json[])[0] ?? {};
    if (!r?.bill) {
      a.bills++;
      for (const e of invoice2dataExpectations(rel, expected, null)) record(a, rel, r?.format ?? '?', { ...e, got: null, confidence: undefined });
      a.notes.push(`${rel}: no bill (${r?.exceptions.map((e) => e.message).join('; ')})`);
      continue;
    }
    a.bills++;
    if (cleanRead(r.bill)) a.clean++;
    for (const e of invoice2dataExpectations(rel, expected, r.bill)) record(a, rel, r.format, e);
  }

  const b = newTally();
  const indexPath = join(corpus, 'einvoice', 'truth', 'INDEX.json');
  if (existsSync(indexPath)) {
    const index = JSON.parse(readFileSync(indexPath, 'utf8')) as { documents: { corpus_path: string; truth_path: string }[] };
    for (const doc of index.documents.filter((d) => /\.pdf$/i.test(d.corpus_path))) {
      const truth = JSON.parse(readFileSync(join(corpus, doc.truth_path), 'utf8')) as Json;
      const bytes = readFileSync(join(corpus, doc.corpus_path));
      const [r] = await readPdfText({ bytes, filename: basename(doc.corpus_path) });
      const page = await pageText(bytes);
      b.documents++;
      b.bills++;
      const bill = r?.bill ? normalizeSign(r.bill) : null;
      if (bill && cleanRead(bill)) b.clean++;
      if (!bill) b.notes.push(`${doc.corpus_path}: no bill (${r?.exceptions.map((e) => e.message).join('; ')})`);
      for (const e of truthExpectations(truth, bill)) {
        const differs = TEXT_DIFFERS_FROM_XML[doc.corpus_path]?.[e.field];
        if (differs) {
          b.notes.push(`${doc.corpus_path}: ${e.field} not scored (${differs})`);
          continue;
        }
        if (!printed(page, e)) {
          b.notPrinted++;
          continue;
        }
        record(b, doc.corpus_path, 'pdf-text', bill ? e : { ...e, got: null, confidence: undefined });
      }
    }
  }

  // C. The PNG renderings of the same invoices, read by local OCR (tesseract.js) and the layout reader.
  const c = newTally();
  const pngs = options.noOcr ? [] : listFiles(root, /\.png$/i).filter((p) => existsSync(p.replace(/\.png$/i, '.json')));
  const ocr = new TesseractOcr();
  useOcrEngine(ocr);
  const ocrStarted = performance.now();
  try {
    for (const png of pngs) {
      const rel = relative(corpus, png).split('\\').join('/');
      const expected = (JSON.parse(readFileSync(png.replace(/\.png$/i, '.json'), 'utf8')) as Json[])[0] ?? {};
      const [r] = await readDocument({ bytes: readFileSync(png), filename: basename(png) });
      c.documents++;
      c.bills++;
      const bill = r?.bill ?? null;
      if (bill && cleanRead(bill)) c.clean++;
      if (!bill) c.notes.push(`${rel}: no bill (${r?.exceptions.map((e) => e.message).join('; ')})`);
      for (const e of invoice2dataExpectations(rel.replace(/\.png$/i, '.pdf'), expected, bill)) record(c, rel, r?.format ?? '?', bill ? e : { ...e, got: null, confidence: undefined });
    }
  } finally {
    useOcrEngine(null);
    await ocr.stop();
  }
  if (pngs.length > 0) c.notes.push(`OCR time: ${Math.round((performance.now() - ocrStarted) / 1000)} s for ${pngs.length} pages, engine start included`);

  const corrections = Object.entries(TRUTH_CORRECTIONS).flatMap(([doc, fields]) => Object.entries(fields).map(([f, c]) => `${doc}: ${f} = ${JSON.stringify(c.value)} — ${c.why}`));
  const table = [
    render('A. PDF invoices (corpus/pdf-invoices, invoice2data expected JSON), read by readDocument', a),
    corrections.length ? `\nTruth corrections (${corrections.length}):\n${corrections.map((c) => `  - ${c}`).join('\n')}` : '',
    '',
    render('B. Factur-X PDFs read by their text layer only (pdf-text), truth = the embedded XML', b),
    '',
    render('C. PNG renderings in corpus/pdf-invoices read by local OCR (tesseract.js, eng) and the layout reader', c),
  ].join('\n');
  return { table, failures: a.failures.length + b.failures.length + c.failures.length };
}

function cleanRead(bill: CanonicalBill): boolean {
  return validateBill(bill, { confidenceThreshold: Decimal.from(String(THRESHOLD)) }).exceptions.length === 0;
}

function record(t: Tally, doc: string, format: string, e: Expectation): void {
  const v = verdict(e);
  const row = t.counts.get(e.field) ?? { 'right-high': 0, 'right-low': 0, honest: 0, missing: 0, 'wrong-high': 0 };
  row[v]++;
  t.counts.set(e.field, row);
  const family = doc.split('/').slice(0, 2).join('/');
  const fam = t.families.get(family) ?? { 'right-high': 0, 'right-low': 0, honest: 0, missing: 0, 'wrong-high': 0 };
  fam[v]++;
  t.families.set(family, fam);
  if (missesFile && v !== 'right-high') appendFileSync(missesFile, `${JSON.stringify({ verdict: v, doc, field: e.field, path: e.path, want: e.want, got: e.got ?? null, confidence: e.confidence ?? null })}\n`);
  if (v === 'wrong-high') t.failures.push(`${doc} (${format}): ${e.path} expected ${show(e.want)}, got ${show(e.got)} with confidence ${e.confidence ?? 'none (counts as 1)'}`);
}

export function verdict(e: Expectation): Verdict {
  if (e.got === null || e.got === undefined || e.got === '') return 'missing';
  const conf = e.confidence ?? 1;
  if (equal(e.kind, e.want, e.got)) return conf >= THRESHOLD ? 'right-high' : 'right-low';
  if (e.kind === 'text' && e.got === 'unclear') return 'honest';
  return conf < THRESHOLD ? 'honest' : 'wrong-high';
}

function equal(kind: Kind, want: unknown, got: unknown): boolean {
  const w = String(want);
  const g = String(got);
  switch (kind) {
    case 'amount': {
      const a = Decimal.tryParse(w);
      const b = Decimal.tryParse(g);
      return a !== null && b !== null && a.eq(b);
    }
    case 'number':
      return normalizeInvoiceNumber(w) === normalizeInvoiceNumber(g);
    case 'po':
      return normalizePoRef(w) === normalizePoRef(g);
    case 'name':
      return normalizeName(w) === normalizeName(g);
    case 'id':
      return w.replace(/[\s.\-]/g, '').toUpperCase() === g.replace(/[\s.\-]/g, '').toUpperCase();
    case 'description':
      return w.replace(/\s+/g, ' ').trim() === g.replace(/\s+/g, ' ').trim();
    default:
      return w === g;
  }
}

type Line = NonNullable<CanonicalBill['lines']>[number];

function conf(bill: CanonicalBill | null, path: string): number | undefined {
  if (!bill) return undefined;
  // An exact read (e-invoice XML) carries no confidence map: it is certain.
  if (!bill.confidence) return 1;
  const c = bill.confidence[path];
  return c === undefined ? undefined : Number(c);
}

function header(field: string, path: string, kind: Kind, want: unknown, bill: CanonicalBill | null, got: (b: CanonicalBill) => unknown): Expectation | null {
  if (want === undefined || want === null || want === '') return null;
  return { field, path, kind, want, got: bill ? got(bill) : null, confidence: conf(bill, path) };
}

export function invoice2dataExpectations(doc: string, x: Json, bill: CanonicalBill | null): Expectation[] {
  const fix = TRUTH_CORRECTIONS[doc] ?? {};
  const seller = fix['seller_name']?.value ?? x['partner_name'] ?? x['issuer'];
  const out: (Expectation | null)[] = [
    header('invoice_number', 'invoice_number', 'number', x['invoice_number'], bill, (b) => b.invoice_number),
    header('issue_date', 'issue_date', 'date', x['date'], bill, (b) => b.issue_date),
    header('due_date', 'due_date', 'date', x['date_due'], bill, (b) => b.due_date),
    header('currency', 'currency', 'text', x['currency'], bill, (b) => b.currency),
    header('supplier.name', 'supplier.name', 'name', seller, bill, (b) => b.supplier?.name),
    header('supplier.tax_id', 'supplier.tax_id', 'id', x['vat'] ?? x['static_vat'], bill, (b) => b.supplier?.tax_id),
    header('supplier.iban', 'supplier.iban', 'id', x['iban'], bill, (b) => b.supplier?.iban),
    header('po_reference', 'po_reference', 'po', x['purchase_order_id'] ?? x['customer_order_number'], bill, (b) => b.po_reference),
    header('net_total', 'net_total', 'amount', x['amount_untaxed'], bill, (b) => b.net_total),
    header('tax_total', 'tax_total', 'amount', x['amount_tax'], bill, (b) => b.tax_total),
    header('total', 'total', 'amount', x['amount'], bill, (b) => b.total),
  ];
  const lines = ((x['lines'] as Json[] | undefined) ?? []).filter((l) => 'name' in l || 'qty' in l || 'price_unit' in l || 'price_subtotal' in l);
  out.push(...lineExpectations(lines.map((l) => ({ name: l['name'], quantity: l['qty'], unit_price: l['price_unit'], net: l['price_subtotal'] })), bill));
  return out.filter((e): e is Expectation => e !== null);
}

export function truthExpectations(t: Json, bill: CanonicalBill | null): Expectation[] {
  const out: (Expectation | null)[] = [
    header('document_type', 'document_type', 'text', t['document_type'], bill, (b) => b.document_type ?? 'invoice'),
    header('invoice_number', 'invoice_number', 'number', t['invoice_number'], bill, (b) => b.invoice_number),
    header('issue_date', 'issue_date', 'date', t['issue_date'], bill, (b) => b.issue_date),
    header('due_date', 'due_date', 'date', t['due_date'], bill, (b) => b.due_date),
    header('currency', 'currency', 'text', t['currency'], bill, (b) => b.currency),
    header('supplier.name', 'supplier.name', 'name', t['seller_name'] ?? ((t['_meta'] as Json | undefined)?.['seller_trading_name'] as string | undefined), bill, (b) => b.supplier?.name),
    header('supplier.tax_id', 'supplier.tax_id', 'id', t['seller_vat_id'], bill, (b) => b.supplier?.tax_id),
    header('po_reference', 'po_reference', 'po', t['purchase_order_reference'], bill, (b) => b.po_reference),
    header('net_total', 'net_total', 'amount', t['tax_exclusive'], bill, (b) => b.net_total),
    header('tax_total', 'tax_total', 'amount', t['tax_total'], bill, (b) => b.tax_total),
    header('total', 'total', 'amount', t['tax_inclusive'], bill, (b) => b.total),
  ];
  const negative = Decimal.tryParse(String(t['tax_inclusive'] ?? ''))?.isNegative() ?? false;
  if (negative && out[0]) out[0] = { ...out[0], want: 'credit_note' };
  for (const k of [8, 9, 10]) {
    const e = out[k];
    if (negative && e) out[k] = { ...e, want: Decimal.parse(String(e.want)).neg().toFixed() };
  }
  const lines = ((t['lines'] as Json[] | undefined) ?? []).map((l) => ({ name: l['name'], quantity: l['quantity'], unit_price: l['unit_price'], net: l['line_net_amount'] }));
  out.push(...lineExpectations(negative ? [] : lines, bill));
  return out.filter((e): e is Expectation => e !== null);
}

interface ExpectedLine {
  readonly name: unknown;
  readonly quantity: unknown;
  readonly unit_price: unknown;
  readonly net: unknown;
}

/** Expected lines matched to read lines by description (the order on paper can differ), else by position. */
function lineExpectations(lines: readonly ExpectedLine[], bill: CanonicalBill | null): Expectation[] {
  const got = bill?.lines ?? [];
  const taken = new Set<number>();
  const out: Expectation[] = [];
  lines.forEach((l, i) => {
    let j = -1;
    if (typeof l.name === 'string') {
      const want = tokens(l.name);
      let best = 0.5;
      got.forEach((g, k) => {
        if (taken.has(k)) return;
        const s = jaccard(want, tokens(g.description ?? ''));
        // Two lines with the same description (the same article twice): the first free one in order.
        if (s > best || (s === best && j < 0)) {
          best = s;
          j = k;
        }
      });
    } else if (!taken.has(i) && i < got.length) j = i;
    if (j >= 0) taken.add(j);
    const g: Line | undefined = j >= 0 ? got[j] : undefined;
    const path = (f: string) => `lines[${j}].${f}`;
    const add = (field: string, f: string, kind: Kind, want: unknown, value: unknown) => {
      if (want === undefined || want === null) return;
      out.push({ field: `lines.${field}`, path: path(f), kind, want, got: g ? value : null, confidence: g ? conf(bill, path(f)) : undefined });
    };
    add('description', 'description', 'description', typeof l.name === 'string' ? l.name.split('\n')[0] : undefined, g?.description);
    add('quantity', 'quantity', 'amount', l.quantity, g?.quantity);
    add('unit_price', 'unit_price', 'amount', l.unit_price, g?.unit_price);
    add('net_amount', 'net_amount', 'amount', l.net, g?.net_amount);
  });
  return out;
}

function show(v: unknown): string {
  return v === null || v === undefined ? 'null' : JSON.stringify(v);
}

function listPdfs(dir: string): string[] {
  return readdirSync(dir)
    .sort()
    .flatMap((name) => {
      const p = join(dir, name);
      if (statSync(p).isDirectory()) return listPdfs(p);
      return /\.pdf$/i.test(name) ? [p] : [];
    });
}

function render(title: string, t: Tally): string {
  const rows = [...t.counts.entries()].map(([field, c]) => `| ${field} | ${c['right-high']} | ${c['right-low']} | ${c.honest} | ${c.missing} | ${c['wrong-high']} |`);
  const sum = (k: Verdict) => [...t.counts.values()].reduce((s, c) => s + c[k], 0);
  const pct = (c: Record<Verdict, number>, k: Verdict) => {
    const n = c['right-high'] + c['right-low'] + c.honest + c.missing + c['wrong-high'];
    return n === 0 ? '-' : `${c[k]} (${((100 * c[k]) / n).toFixed(1)} %)`;
  };
  const all: Record<Verdict, number> = { 'right-high': sum('right-high'), 'right-low': sum('right-low'), honest: sum('honest'), missing: sum('missing'), 'wrong-high': sum('wrong-high') };
  const familyRows = [...t.families.entries(), ['**all**', all] as const].map(
    ([f, c]) => `| ${f} | ${pct(c, 'right-high')} | ${pct(c, 'right-low')} | ${pct(c, 'honest')} | ${pct(c, 'wrong-high')} | ${pct(c, 'missing')} |`,
  );
  return [
    `${title}: per family`,
    '',
    '| family | right and confident | right but doubtful | wrong but doubtful | CONFIDENTLY WRONG (must be 0) | not read |',
    '|---|---:|---:|---:|---:|---:|',
    ...familyRows,
    ...(t.notPrinted ? ['', `${t.notPrinted} truth values are not printed on the page (checked in its text layer) and are not scored.`] : []),
    '',
    `${title}: ${t.documents} documents, ${t.bills} bills, ${t.clean} of them read with no reading exception at the default threshold (the rest go to needs_review)`,
    '',
    '| field | right (≥ 0.8) | right (< 0.8) | wrong, < 0.8 (honest) | missing | WRONG, ≥ 0.8 (failure) |',
    '|---|---:|---:|---:|---:|---:|',
    ...rows,
    `| **all fields** | ${sum('right-high')} | ${sum('right-low')} | ${sum('honest')} | ${sum('missing')} | ${sum('wrong-high')} |`,
    '',
    ...(t.failures.length ? [`High-confidence wrong values (${t.failures.length}):`, ...t.failures.map((f) => `  - FAIL ${f}`), ''] : []),
    ...(t.notes.length ? [`Notes (${t.notes.length}):`, ...t.notes.map((n) => `  - ${n}`)] : []),
  ].join('\n');
}

// ------------------------------------------------------------------ what the page prints

export interface PageText {
  readonly compact: string;
  readonly numbers: ReadonlySet<string>;
  readonly dates: ReadonlySet<string>;
  readonly words: ReadonlySet<string>;
  readonly folded: string;
}

/**
 * The page's text as the scorer needs it: the issue's measure scores a text-layer reader only
 * on fields visibly printed on the page (the embedded XML may say more than the page does).
 */
export async function pageText(bytes: Uint8Array): Promise<PageText | null> {
  const opened = await pdfLayout(bytes);
  if (!opened.ok) return null;
  return pageTextOf(opened.layout);
}

/** The same from a layout already made. */
export function pageTextOf(layout: { readonly cells: readonly { readonly text: string }[] }): PageText {
  const cells = layout.cells.map((c) => c.text);
  const text = cells.join('\n');
  const numbers = new Set<string>();
  for (const m of text.matchAll(/\d[\d.,'’\u00a0\u202f]*\d|\d/g)) {
    for (const conv of [',', '.'] as const) {
      const n = normaliseNumber(m[0], conv);
      const d = n ? Decimal.tryParse(n.value) : null;
      if (d) numbers.add(d.abs().toString());
    }
  }
  const dates = new Set<string>();
  for (const cell of cells) {
    for (let i = 0; i < cell.length; i++) {
      if (i > 0 && /[\p{L}\d]/u.test(cell[i - 1]!)) continue;
      for (const order of ['dmy', 'mdy'] as const) {
        const d = parseDateAt(cell.slice(i), order);
        if (d) dates.add(d.iso);
      }
    }
  }
  return {
    compact: text.replace(/[\s.\-]/g, '').toUpperCase(),
    numbers,
    dates,
    words: new Set(normalizeName(text).split(' ')),
    folded: text.replace(/\s+/g, ' ').toLowerCase(),
  };
}

const CURRENCY_SIGNS: Readonly<Record<string, RegExp>> = { EUR: /€|\beuro/i, USD: /\$/, GBP: /£/, INR: /₹|\bRs\b/, JPY: /¥/ };

export function printed(page: PageText | null, e: Expectation): boolean {
  if (!page) return true;
  const w = String(e.want);
  switch (e.kind) {
    case 'amount': {
      const d = Decimal.tryParse(w);
      return d === null || page.numbers.has(d.abs().toString());
    }
    case 'date':
      return page.dates.has(w);
    case 'name':
      return normalizeName(w).split(' ').every((x) => x === '' || page.words.has(x));
    case 'description':
      return page.folded.includes(w.replace(/\s+/g, ' ').trim().toLowerCase().slice(0, 30));
    case 'text':
      if (e.field === 'currency') return page.compact.includes(w.toUpperCase()) || (CURRENCY_SIGNS[w]?.test(page.folded) ?? false);
      return true; // document_type: the title says it
    default:
      return page.compact.includes(w.replace(/[\s.\-]/g, '').toUpperCase());
  }
}

function listFiles(dir: string, pattern: RegExp): string[] {
  return readdirSync(dir)
    .sort()
    .flatMap((name) => {
      const p = join(dir, name);
      if (statSync(p).isDirectory()) return listFiles(p, pattern);
      return pattern.test(name) ? [p] : [];
    });
}
