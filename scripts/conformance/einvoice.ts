/**
 * E-invoice conformance: every structured document of the shared corpus that has ground
 * truth (UBL, CII, XRechnung, Factur-X, X12 810) is read with `readDocument` and each truth
 * field is compared with the canonical bill (amounts decimal-equal, strings and dates
 * exact). Documents without truth (non-invoice roots, junk, PDFs without invoice XML) must
 * be refused with UNREADABLE.
 *
 * Two rules of the product's contract are applied to the truth before comparing, because
 * the truth (written by an independent reader) follows EN 16931 strictly:
 * - spec/formats.md: `supplier.name` is BT-27, else the trading name BT-28;
 * - spec/formats.md: an invoice whose total is negative is a credit note with every amount
 *   negated (the truth keeps the signs as written).
 * Fields the truth leaves null where the product derives a value by a documented rule (X12:
 * line ids by position, line nets as quantity × price, net total, total = TDS) are counted
 * as "derived", not scored.
 */
import { existsSync, readFileSync, readdirSync, statSync } from 'node:fs';
import { basename, join, relative } from 'node:path';
import type { CanonicalBill } from '../../lambdas/core/bill.ts';
import { Decimal } from '../../lambdas/core/money.ts';
import { readDocument, type ReadResult } from '../../lambdas/readers/index.ts';

/**
 * Corpus documents that are out of scope, with the reason: kept in sync with
 * docs/formats-mapping.md ("Out of scope"). Their disagreements are listed, not counted.
 */
export const OUT_OF_SCOPE: Readonly<Record<string, string>> = {};

type Json = Record<string, unknown>;
type Kind = 'amount' | 'text';

interface FieldSpec {
  readonly truth: string;
  readonly kind: Kind;
  readonly get: (b: CanonicalBill) => unknown;
}

const HEADER_FIELDS: readonly FieldSpec[] = [
  { truth: 'document_type', kind: 'text', get: (b) => b.document_type ?? 'invoice' },
  { truth: 'invoice_number', kind: 'text', get: (b) => b.invoice_number },
  { truth: 'issue_date', kind: 'text', get: (b) => b.issue_date },
  { truth: 'due_date', kind: 'text', get: (b) => b.due_date },
  { truth: 'currency', kind: 'text', get: (b) => b.currency },
  { truth: 'seller_name', kind: 'text', get: (b) => b.supplier?.name },
  { truth: 'seller_vat_id', kind: 'text', get: (b) => b.supplier?.tax_id },
  { truth: 'buyer_name', kind: 'text', get: (b) => b.buyer?.name },
  { truth: 'purchase_order_reference', kind: 'text', get: (b) => b.po_reference },
  { truth: 'line_count', kind: 'amount', get: (b) => String(b.lines?.length ?? 0) },
  { truth: 'allowance_total', kind: 'amount', get: (b) => b.allowance_total },
  { truth: 'charge_total', kind: 'amount', get: (b) => b.charge_total },
  { truth: 'tax_exclusive', kind: 'amount', get: (b) => b.net_total },
  { truth: 'tax_total', kind: 'amount', get: (b) => b.tax_total },
  { truth: 'tax_inclusive', kind: 'amount', get: (b) => b.total },
  { truth: 'prepaid', kind: 'amount', get: (b) => b.prepaid },
  { truth: 'rounding', kind: 'amount', get: (b) => b.rounding },
  { truth: 'payable', kind: 'amount', get: (b) => b.payable },
];

type Line = NonNullable<CanonicalBill['lines']>[number];
const LINE_FIELDS: readonly { truth: string; kind: Kind; get: (l: Line) => unknown }[] = [
  { truth: 'id', kind: 'text', get: (l) => l.line_id },
  { truth: 'name', kind: 'text', get: (l) => l.description },
  { truth: 'quantity', kind: 'amount', get: (l) => l.quantity },
  { truth: 'unit_code', kind: 'text', get: (l) => l.unit_code },
  { truth: 'unit_price', kind: 'amount', get: (l) => l.unit_price },
  { truth: 'price_base_quantity', kind: 'amount', get: (l) => l.price_base_quantity },
  { truth: 'line_net_amount', kind: 'amount', get: (l) => l.net_amount },
];

/**
 * Truth fields X12 leaves null that the product derives (docs/formats-mapping.md, X12): net
 * total and line nets from quantity × price, total = TDS01, line ids by position, and tax
 * from tax-coded SAC segments (D360 GST, H850), which the truth does not count as tax.
 */
const X12_DERIVED = new Set(['tax_exclusive', 'tax_inclusive', 'tax_total', 'lines.id', 'lines.line_net_amount']);

const NEGATED_TOTALS = ['allowance_total', 'charge_total', 'tax_exclusive', 'tax_total', 'tax_inclusive', 'prepaid', 'rounding', 'payable'];

interface Tally {
  agree: number;
  total: number;
  derived: number;
  absent?: number;
}

interface Run {
  readonly tallies: Map<string, Tally>;
  readonly disagreements: string[];
  readonly excused: string[];
  readonly refusals: string[];
  readonly notes: string[];
  failures: number;
  documents: number;
  bills: number;
}

export async function einvoiceConformance(sharedDir: string): Promise<{ table: string; failures: number }> {
  const corpus = join(sharedDir, 'corpus');
  const index = JSON.parse(readFileSync(join(corpus, 'einvoice/truth/INDEX.json'), 'utf8')) as {
    documents: { corpus_path: string; truth_path: string }[];
    not_read: { corpus_path: string; error: string }[];
  };
  const run: Run = { tallies: new Map(), disagreements: [], excused: [], refusals: [], notes: [], failures: 0, documents: 0, bills: 0 };
  for (const doc of index.documents) await checkDocument(corpus, doc.corpus_path, doc.truth_path, run);
  const mustRefuse = new Set([...index.not_read.map((n) => n.corpus_path), ...listFiles(corpus, 'einvoice/invalid')]);
  const noXml = new Set(index.not_read.filter((n) => /: no embedded invoice XML found/.test(n.error)).map((n) => n.corpus_path));
  for (const path of [...mustRefuse].sort()) await checkRefused(corpus, path, run, noXml.has(path));
  const known = new Set([...index.documents.map((d) => d.corpus_path), ...mustRefuse]);
  const unaccounted = ['einvoice/ubl', 'einvoice/cii', 'einvoice/xrechnung', 'facturx', 'edi-x12-810']
    .flatMap((dir) => listFiles(corpus, dir))
    .filter((p) => !known.has(p));
  return { table: render(run, unaccounted), failures: run.failures };
}

async function checkDocument(corpus: string, path: string, truthPath: string, run: Run): Promise<void> {
  const truth = JSON.parse(readFileSync(join(corpus, truthPath), 'utf8')) as Json;
  const truths = Array.isArray(truth['invoices']) ? (truth['invoices'] as Json[]) : [truth];
  const results = await read(corpus, path);
  run.documents++;
  const excuse = OUT_OF_SCOPE[path];
  const x12 = truth['format'] === 'x12-810';
  truths.forEach((t, part) => {
    run.bills++;
    const result = results.find((r) => r.part === part);
    const where = truths.length > 1 ? `${path} [part ${part}]` : path;
    if (!result?.bill) {
      note(run, excuse, `${where}: no bill (${result?.exceptions.map((e) => e.message).join('; ') ?? 'no result'})`);
      return;
    }
    compareBill(expected(t), result.bill, x12, (field, ok, detail) => {
      const tally = run.tallies.get(field) ?? { agree: 0, total: 0, derived: 0 };
      run.tallies.set(field, tally);
      if (ok === 'derived') return void tally.derived++;
      if (ok === 'absent') return void (tally.absent = (tally.absent ?? 0) + 1);
      tally.total++;
      if (ok) tally.agree++;
      else note(run, excuse, `${where}: ${field} ${detail}`);
    }, (message) => run.notes.push(`${where}: ${message}`));
  });
}

function note(run: Run, excuse: string | undefined, message: string): void {
  if (excuse) run.excused.push(`${message} (excused: ${excuse})`);
  else {
    run.disagreements.push(message);
    run.failures++;
  }
}

/**
 * A document without truth must be refused. A PDF whose only problem is that it carries no
 * invoice XML is not an e-invoice, but it may be a bill all the same: the text-layer reader
 * (`pdf-text`) reads it, with a confidence per field, and the PDF conformance scores that reader.
 */
async function checkRefused(corpus: string, path: string, run: Run, pdfWithoutXml = false): Promise<void> {
  const results = await read(corpus, path);
  const refused = results.length > 0 && results.every((r) => r.bill === null && r.exceptions.some((e) => e.code === 'UNREADABLE'));
  const textLayer = pdfWithoutXml && results.length > 0 && results.every((r) => r.format === 'pdf-text');
  const why = results.flatMap((r) => r.exceptions.map((e) => e.message)).join('; ');
  run.refusals.push(`${refused ? 'refused' : textLayer ? 'no e-invoice; read by its text layer (pdf-text)' : 'NOT REFUSED'}  ${path}${why ? `: ${why}` : ''}`);
  if (!refused && !textLayer) run.failures++;
}

async function read(corpus: string, path: string): Promise<ReadResult[]> {
  return readDocument({ bytes: readFileSync(join(corpus, path)), filename: basename(path) });
}

type Verdict = boolean | 'derived' | 'absent';

function compareBill(t: Json, bill: CanonicalBill, x12: boolean, record: (field: string, ok: Verdict, detail: string) => void, noteIt: (message: string) => void = () => {}): void {
  for (const f of HEADER_FIELDS) {
    const want = t[f.truth];
    const got = f.get(bill);
    record(f.truth, verdict(f.kind, want, got, x12 && X12_DERIVED.has(f.truth)), `expected ${show(want)}, got ${show(got)}`);
  }
  compareBreakdown(t, bill, record, noteIt);
  const lines = (t['lines'] as Json[] | undefined) ?? [];
  lines.forEach((tl, i) => {
    const bl = bill.lines?.[i];
    for (const f of LINE_FIELDS) {
      const field = `lines.${f.truth}`;
      const want = tl[f.truth];
      const got = bl ? f.get(bl) : undefined;
      record(field, verdict(f.kind, want, got, x12 && X12_DERIVED.has(field)), `[line ${i + 1}] expected ${show(want)}, got ${show(got)}`);
    }
  });
}

/**
 * The truth has no BG-23 rows, but EN 16931 ties them to a truth field: BR-CO-14, the VAT
 * total BT-110 is the sum of the rows' tax amounts BT-117. A bill with a breakdown agrees when
 * that sum holds. A bill without one is counted apart ("absent": MINIMUM profiles and some
 * ZUGFeRD 1 BASIC samples carry no BG-23) and listed, so a reader that stops reading
 * breakdowns shows. Where the rows' taxable amounts (BT-116) do not add up to the truth's
 * BT-109, it is listed as a note: several validator samples are inconsistent on purpose.
 */
function compareBreakdown(t: Json, bill: CanonicalBill, record: (field: string, ok: Verdict, detail: string) => void, noteIt: (message: string) => void): void {
  const taxTotal = Decimal.tryParse(String(t['tax_total'] ?? ''));
  const net = Decimal.tryParse(String(t['tax_exclusive'] ?? ''));
  const rows = bill.tax_breakdown ?? null;
  if (taxTotal === null) return;
  if (!rows || rows.length === 0) {
    noteIt(`no tax_breakdown read (tax total ${taxTotal.toString()})`);
    return record('tax_breakdown', 'absent', '');
  }
  const sum = (k: 'tax_amount' | 'taxable_amount') => rows.reduce<Decimal | null>((s, r) => {
    const d = Decimal.tryParse(String(r[k]));
    return s && d ? s.add(d) : null;
  }, Decimal.ZERO);
  const tax = sum('tax_amount');
  const taxable = sum('taxable_amount');
  record('tax_breakdown', tax !== null && tax.eq(taxTotal), `rows' tax amounts sum to ${show(tax?.toString())}, truth tax_total ${taxTotal.toString()}`);
  if (net !== null && (taxable === null || !taxable.eq(net))) noteIt(`tax_breakdown taxable amounts sum to ${show(taxable?.toString())}, tax_exclusive is ${net.toString()}`);
}

function verdict(kind: Kind, want: unknown, got: unknown, derivable: boolean): Verdict {
  const w = want === undefined ? null : want;
  const g = got === undefined || got === '' ? null : got;
  if (w === null && g !== null && derivable) return 'derived';
  if (w === null || g === null) return w === g;
  if (kind === 'text') return String(w) === String(g);
  const a = Decimal.tryParse(String(w));
  const b = Decimal.tryParse(String(g));
  return a !== null && b !== null ? a.eq(b) : String(w) === String(g);
}

/** The truth as the product's contract expects it (BT-28 fallback, sign normalisation). */
function expected(truth: Json): Json {
  const t: Json = { ...truth };
  const meta = (truth['_meta'] ?? {}) as Json;
  if (t['seller_name'] === null && typeof meta['seller_trading_name'] === 'string') t['seller_name'] = meta['seller_trading_name'];
  const total = Decimal.tryParse(String(t['tax_inclusive'] ?? t['payable'] ?? ''));
  if (t['document_type'] !== 'invoice' || !total?.isNegative()) return t;
  t['document_type'] = 'credit_note';
  for (const k of NEGATED_TOTALS) t[k] = neg(t[k]);
  t['lines'] = ((t['lines'] as Json[] | undefined) ?? []).map((l) => {
    const priceNegative = Decimal.tryParse(String(l['unit_price'] ?? ''))?.isNegative() ?? false;
    return {
      ...l,
      quantity: priceNegative ? l['quantity'] : neg(l['quantity']),
      unit_price: priceNegative ? neg(l['unit_price']) : l['unit_price'],
      line_net_amount: neg(l['line_net_amount']),
    };
  });
  return t;
}

function neg(v: unknown): unknown {
  const d = typeof v === 'string' ? Decimal.tryParse(v) : null;
  return d ? d.neg().toFixed() : v;
}

function show(v: unknown): string {
  return v === null || v === undefined ? 'null' : JSON.stringify(v);
}

function listFiles(root: string, dir: string): string[] {
  const abs = join(root, dir);
  if (!existsSync(abs)) return [];
  const out: string[] = [];
  const walk = (d: string) => {
    for (const name of readdirSync(d)) {
      const p = join(d, name);
      if (statSync(p).isDirectory()) walk(p);
      else if (!/\.(json|md|png)$/i.test(name)) out.push(relative(root, p).split('\\').join('/'));
    }
  };
  walk(abs);
  return out.sort();
}

function render(run: Run, unaccounted: readonly string[]): string {
  const rows = [...run.tallies.entries()].map(([field, t]) => {
    const pct = t.total === 0 ? '-' : `${((100 * t.agree) / t.total).toFixed(1)}%`;
    return `| ${field} | ${t.agree} | ${t.total} | ${pct} |${t.derived ? ` ${t.derived} derived` : ''}${t.absent ? ` ${t.absent} absent` : ''}`;
  });
  const scored = [...run.tallies.values()].reduce((s, t) => ({ agree: s.agree + t.agree, total: s.total + t.total }), { agree: 0, total: 0 });
  const out = [
    `E-invoice conformance: ${run.documents} documents with truth, ${run.bills} bills`,
    '',
    '| field | agree | total | % |',
    '|---|---:|---:|---:|',
    ...rows,
    `| **all fields** | ${scored.agree} | ${scored.total} | ${((100 * scored.agree) / Math.max(1, scored.total)).toFixed(2)}% |`,
    '',
    `Disagreements (${run.disagreements.length}):`,
    ...run.disagreements.map((d) => `  - ${d}`),
    '',
    `Excused (out of scope, ${run.excused.length}):`,
    ...run.excused.map((d) => `  - ${d}`),
    '',
    `Notes (${run.notes.length}):`,
    ...run.notes.map((d) => `  - ${d}`),
    '',
    `Documents without truth, must be refused (${run.refusals.length}):`,
    ...run.refusals.map((r) => `  - ${r}`),
  ];
  if (unaccounted.length > 0) out.push('', `Corpus files with neither truth nor a refusal entry (${unaccounted.length}):`, ...unaccounted.map((p) => `  - ${p}`));
  return out.join('\n');
}
