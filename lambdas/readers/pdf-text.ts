/**
 * The local reader for PDFs with a text layer and no embedded e-invoice (format `pdf-text`).
 * It reads what a clerk would: header fields by their labels (in English, German, French,
 * Spanish, Dutch and Italian) with the value to the right of or below the label, the totals
 * checked against each other, and the line table by its header row.
 *
 * Every field it fills gets an honest confidence in the bill's `confidence` map. The rule is
 * simple: a value reaches the threshold (0.8) only when an unambiguous label found it and
 * nothing contradicts it (and, for amounts, the arithmetic confirms it; for an IBAN, its
 * check digits). A value found by a weak label, by position alone, by arithmetic alone, or
 * against a conflicting candidate stays below, so the bill goes to `needs_review` with
 * `LOW_CONFIDENCE` naming the field. A field it cannot find stays null.
 *
 * 1. Lay the text out in rows and cells; no text layer → the part needs OCR.
 * 2. Find the line table; find every labelled value outside it.
 * 3. Resolve each field from its candidates (agreement, conflicts, arithmetic).
 * 4. Decide whether this is a bill at all (an order, a quote → refused).
 */
import type { CanonicalBill } from '../core/bill.ts';
import { Decimal, isCurrencyCode } from '../core/money.ts';
import { normalizeName } from '../core/normalize.ts';
import { toCanonical, unreadable, type DraftBill } from './canonical.ts';
import { sha256Hex } from './hash.ts';
import { labelsOf, type LabelField, type LabelMatch, type Strength } from './pdf-text/labels.ts';
import { findLineTable, isIncludedPart, type LineTable } from './pdf-text/table.ts';
import { breakdownOf, taxRowsOf, type TaxRowRead } from './pdf-text/tax-table.ts';
import {
  currencyCodesIn,
  currencyMarks,
  dateOrderOf,
  datesIn,
  decimalConvention,
  fold,
  ibansIn,
  parseAmount,
  parseDateAt,
  parseDateCell,
  parseDocumentNumber,
  parseOtherTaxId,
  parseVatId,
  type DateOrder,
  type DecimalConvention,
  type ParsedAmount,
} from './pdf-text/values.ts';
import { hasTextLayer, pdfLayout, type Cell, type PdfLayout } from './pdf-layout.ts';
import { PDF_LIMITS, type PdfSession } from './pdfjs.ts';
import type { ReadInput, ReadResult } from './types.ts';

export const PDF_TEXT_FORMAT = 'pdf-text';

/** The reason a scan or a photo cannot be read on a laptop (the AWS path runs Textract). */
export const NEEDS_OCR_REASON = 'needs OCR (Textract) — not available offline';

/** The confidence a value must reach not to be `LOW_CONFIDENCE` under the default policy. */
export const DEFAULT_THRESHOLD = 0.8;

/** Reads a PDF that has no embedded invoice XML by its text layer (`pdf`: a session already open on it). */
export async function readPdfText(input: ReadInput, pdf?: PdfSession): Promise<ReadResult[]> {
  const opened = await pdfLayout(input.bytes, PDF_LIMITS.timeoutMs, pdf);
  if (!opened.ok) return [unreadable(PDF_TEXT_FORMAT, input.filename, opened.reason, input.bytes)];
  if (!hasTextLayer(opened.layout)) return [needsOcr(input, PDF_TEXT_FORMAT, 'a PDF without a text layer (a scan)')];
  const read = readLayout(opened.layout);
  if (read.kind === 'refused') {
    return [{ ...unreadable(PDF_TEXT_FORMAT, input.filename, read.reason, input.bytes), needsExtraction: read.modelMayHelp }];
  }
  return [{ part: 0, format: PDF_TEXT_FORMAT, bill: read.bill, exceptions: [], documentHash: sha256Hex(input.bytes), needsExtraction: true }];
}

/** A part only OCR can read: unreadable here, marked for the extraction path. */
export function needsOcr(input: ReadInput, format: string, what: string): ReadResult {
  return { ...unreadable(format, input.filename, `${what}: ${NEEDS_OCR_REASON}`, input.bytes), needsExtraction: true };
}

export type LayoutRead =
  | { readonly kind: 'bill'; readonly bill: CanonicalBill }
  | { readonly kind: 'refused'; readonly reason: string; readonly modelMayHelp: boolean };

// ------------------------------------------------------------------ segments and candidates

/** A cell, or a piece of one between separators (`Acme GmbH • Street 1 • City`). */
interface Seg {
  readonly text: string;
  readonly cell: Cell;
  readonly x0: number;
  readonly x1: number;
  /** Position of the segment in its row. */
  readonly pos: number;
}

type How = 'inline' | 'right' | 'below' | 'column' | 'multi';

const BASE: Readonly<Record<Strength, Readonly<Record<How, number>>>> = {
  strong: { inline: 0.9, right: 0.9, below: 0.85, column: 0.55, multi: 0.6 },
  weak: { inline: 0.65, right: 0.65, below: 0.6, column: 0.5, multi: 0.5 },
};

interface Found<T> {
  readonly value: T;
  readonly conf: number;
  readonly at: Seg;
  readonly how: How;
  /** An amount whose label names a rate (`USt. 19 %`, `Netto 7 %`): one row of a breakdown per rate. */
  readonly rated?: boolean;
  /** An amount found under a strong label. */
  readonly strong?: boolean;
}

interface Resolved<T> {
  readonly value: T;
  readonly conf: number;
  readonly conflict: boolean;
  readonly found: readonly Found<T>[];
}

type AmountField = 'net_total' | 'tax_total' | 'total' | 'payable' | 'prepaid' | 'charge_total' | 'allowance_total';
const AMOUNT_FIELDS = new Set<LabelField>(['net_total', 'tax_total', 'total', 'payable', 'prepaid', 'charge_total', 'allowance_total']);

interface Context {
  readonly layout: PdfLayout;
  readonly segRows: readonly (readonly Seg[])[];
  readonly convention: DecimalConvention;
  readonly order: DateOrder;
  readonly table: LineTable | null;
  readonly pageWidth: (page: number) => number;
  readonly pageHeight: (page: number) => number;
  /** The most common font size: the body text. */
  readonly bodySize: number;
}

interface Candidates {
  invoiceNumber: Found<string>[];
  issueDate: Found<string>[];
  dueDate: Found<string>[];
  po: Found<string>[];
  amounts: Map<AmountField, Found<ParsedAmount>[]>;
  taxIds: Found<string>[];
  buyerTaxIds: Found<string>[];
  names: NameCandidate[];
  currencyLabels: string[];
  /** Currencies stated by a currency label (`Währung: GBP`), in reading order. */
  currencyStated: { code: string; seg: Seg }[];
  headings: Heading[];
  titles: { kind: 'invoice' | 'credit_note' | 'not_a_bill'; seg: Seg; weak: boolean }[];
  ibanLabels: Seg[];
  /** Fields whose label was seen with no readable value next to it. */
  unreadLabels: Set<'po_reference' | 'due_date'>;
}

/** `other`: a third party (a different ship-to or payee, a tax representative). */
interface Heading {
  readonly party: 'buyer' | 'seller' | 'other';
  readonly seg: Seg;
}

type NameSource = 'label' | 'payee' | 'seller-section' | 'registered-block' | 'footer-legal' | 'footer-name' | 'sender-line' | 'letterhead' | 'legal' | 'party';
interface NameCandidate {
  readonly name: string;
  readonly source: NameSource;
  readonly seg: Seg;
  /** True when the value may run on over a row above or below (a two-line name): not certain. */
  readonly partial: boolean;
}

// ------------------------------------------------------------------ entry

/** Reads the fields of a laid-out PDF. Pure: the unit tests and the conformance run call it directly. */
export function readLayout(layout: PdfLayout): LayoutRead {
  const texts = layout.cells.map((c) => c.text);
  const convention = decimalConvention(texts);
  const ctx: Context = {
    layout,
    segRows: layout.rows.map((r) => segmentsOf(r.cells)),
    convention,
    order: dateOrderOf(texts),
    table: findLineTable(layout, convention),
    pageWidth: (p) => layout.pages[p]?.width ?? 595,
    pageHeight: (p) => layout.pages[p]?.height ?? 842,
    bodySize: commonSize(layout),
  };
  const c = collect(ctx);
  const headings = c.headings;

  const isInvoiceTitle = c.titles.some((t) => t.kind !== 'not_a_bill');
  const notABill = c.titles.find((t) => t.kind === 'not_a_bill' && inTitleArea(ctx, t.seg));
  if (notABill && !isInvoiceTitle && c.invoiceNumber.length === 0) {
    return { kind: 'refused', reason: `not a bill: the PDF's text reads as "${notABill.seg.text}"`, modelMayHelp: false };
  }
  const hasTotals = [...c.amounts.values()].some((l) => l.length > 0);
  if (!isInvoiceTitle && c.invoiceNumber.length === 0 && !hasTotals) {
    return { kind: 'refused', reason: 'no invoice found in the PDF text (no invoice title, number or total)', modelMayHelp: true };
  }

  const conf: Record<string, number> = {};
  const put = (field: string, value: number) => {
    conf[field] = Math.round(Math.max(0, Math.min(1, value)) * 100) / 100;
  };

  // Header identifiers and dates. A bare `Nummer:` under a party heading (`Verkäufer`, `Käufer`) is
  // that party's number, not the invoice's: weak number labels inside party blocks are dropped.
  const headingBands = bandsOf(ctx, c.headings);
  const numbers = c.invoiceNumber.filter((f) => f.conf > BASE.weak.inline || partyOf(ctx, f.at, headingBands, false) === null);
  const invoiceNumber = resolve(numbers, (v) => v.toUpperCase());
  const issue = resolve(c.issueDate, (v) => v);
  const due = resolve(c.dueDate, (v) => v);
  const po = resolve(c.po, (v) => v.toUpperCase());
  if (invoiceNumber) put('invoice_number', invoiceNumber.conf);
  if (issue) put('issue_date', loneDateLabel(ctx, c, issue, invoiceNumber) ? Math.max(issue.conf, BASE.strong.below) : issue.conf);
  if (due) put('due_date', issue && due.value < issue.value ? Math.min(due.conf, 0.5) : due.conf);
  else if (c.unreadLabels.has('due_date')) put('due_date', 0.3);
  if (po) put('po_reference', po.conf);
  else if (c.unreadLabels.has('po_reference')) put('po_reference', 0.3);

  // Parties
  // A name under a party heading belongs to that party: the buyer's is dropped, the seller's counts as such.
  const partyBands = bandsOf(ctx, headings);
  const names = c.names.flatMap((n): NameCandidate[] => {
    if (n.source === 'label' || n.source === 'payee') return [n];
    const party = partyOf(ctx, n.seg, partyBands, false);
    if (party === 'buyer' || party === 'other') return [];
    if (party === 'seller') return [{ ...n, source: 'seller-section' }];
    if (n.source === 'legal' && registeredBlock(ctx, n.seg)) return [{ ...n, source: 'registered-block' }];
    return n.source === 'party' ? [] : [n];
  });
  const supplier = resolveSupplier(names);
  const sellerSections = sellerBands(ctx, headings, supplier?.found ?? []);
  const taxId = resolveTaxId(ctx, c.taxIds, c.buyerTaxIds, headings, sellerSections);
  const iban = resolveIban(ctx, headings, sellerSections, c.ibanLabels.length > 0);
  if (supplier) put('supplier.name', supplier.conf);
  if (taxId) put('supplier.tax_id', taxId.conf);
  if (iban.value) put('supplier.iban', iban.conf);
  else if (iban.unreadable) put('supplier.iban', 0.3);

  // Lines and totals
  const table = ctx.table;
  const taxRows = taxRowsOf(layout, convention, table?.rows ?? new Set());
  const totals = resolveTotals(c.amounts, table, taxRows.rows);
  if (totals.net) put('net_total', totals.net.conf);
  if (totals.tax) put('tax_total', totals.tax.conf);
  if (totals.total) put('total', totals.total.conf);

  const lines = (table?.lines ?? []).map((l) => ({
    line_id: l.lineId,
    item_code: l.itemCode,
    po_line: null,
    description: l.description,
    quantity: l.quantity,
    unit_code: null,
    unit_price: l.unitPrice,
    price_base_quantity: null,
    net_amount: l.netAmount,
    allowance_total: null,
    charge_total: null,
  }));
  const linesConf = linesConfidence(table, totals, c.amounts.get('net_total') ?? [], documentAdjustment(c.amounts));
  const grossItems = grossLinesConfirmed(table, totals, c.amounts.get('total') ?? []);
  for (const [i, l] of (table?.lines ?? []).entries()) {
    const base = l.consistent ? linesConf : Math.min(linesConf, 0.5);
    // Gross lines confirmed by the gross total: the item (name, quantity, code) is right whatever the tax; its prices are not net.
    const item = grossItems?.(l) && l.consistent ? Math.max(base, GROSS_ITEM) : base;
    put(`lines[${i}].net_amount`, base);
    if (l.quantity !== null) put(`lines[${i}].quantity`, l.derived.has('quantity') ? Math.min(item, 0.5) : item);
    if (l.unitPrice !== null) put(`lines[${i}].unit_price`, l.derived.has('unitPrice') ? Math.min(base, 0.5) : base);
    // A description that runs on over more rows may end where the reader cannot tell.
    if (l.description !== null) put(`lines[${i}].description`, Math.min(item, l.continued ? 0.7 : 0.85));
    if (l.itemCode !== null) put(`lines[${i}].item_code`, Math.min(item, 0.85));
  }

  // The VAT breakdown where printed, kept only when it adds up to totals read with confidence.
  const breakdown = totals.tax && totals.tax.conf >= DEFAULT_THRESHOLD && (!totals.net || totals.net.conf >= DEFAULT_THRESHOLD) ? breakdownOf(taxRows, totals.net ? dec(totals.net.value) : null, dec(totals.tax.value)) : null;
  const taxBreakdown = breakdown?.map((r) => ({ category: null, rate: r.rate, taxable_amount: r.taxable.toFixed(), tax_amount: r.tax.toFixed() })) ?? null;
  (breakdown ?? []).forEach((_, i) => {
    const rowConf = Math.min(totals.tax!.conf, totals.net?.conf ?? 0.7, 0.9);
    for (const f of ['rate', 'taxable_amount', 'tax_amount']) put(`tax_breakdown[${i}].${f}`, rowConf);
  });

  // Currency and document type
  const currency = resolveCurrency(ctx, c);
  if (currency.code && currency.code !== 'unclear') put('currency', currency.conf);
  const docType = resolveDocumentType(ctx, c);
  put('document_type', docType.conf);

  const draft: DraftBill = {
    document_type: docType.value,
    invoice_number: invoiceNumber?.value ?? null,
    issue_date: issue?.value ?? null,
    due_date: due?.value ?? null,
    currency: currency.code,
    supplier: { name: supplier?.value ?? null, tax_id: taxId?.value ?? null, iban: iban.value, email: null },
    buyer: { name: null },
    po_reference: po?.value ?? null,
    lines,
    allowance_total: null,
    charge_total: null,
    net_total: totals.net?.value ?? null,
    tax_total: totals.tax?.value ?? null,
    tax_breakdown: taxBreakdown,
    total: totals.total?.value ?? null,
    prepaid: null,
    rounding: null,
    payable: null,
    notes: null,
  };
  return { kind: 'bill', bill: { ...toCanonical(draft), confidence: conf } };
}

function commonSize(layout: PdfLayout): number {
  const counts = new Map<number, number>();
  for (const c of layout.cells) counts.set(Math.round(c.size), (counts.get(Math.round(c.size)) ?? 0) + c.text.length);
  return [...counts.entries()].sort((a, b) => b[1] - a[1])[0]?.[0] ?? 10;
}

// ------------------------------------------------------------------ collecting candidates

const SEPARATORS = /\s+[•·●▪∙|–—]\s+|\s+-\s+|\s+\|\s*|\s*\|\s+|\s[•●]|[•●]\s/;
/** A cell that is only a separator (`●` printed as a text item of its own). */
const SEPARATOR_CELL = /^[•·●▪∙|–—]$/;

function segmentsOf(cells: readonly Cell[]): Seg[] {
  const out: Seg[] = [];
  for (const cell of cells) {
    const parts = cell.text.split(SEPARATORS).filter((p) => p.trim() !== '');
    if (parts.length <= 1) {
      out.push({ text: cell.text, cell, x0: cell.x0, x1: cell.x1, pos: out.length });
      continue;
    }
    const perChar = (cell.x1 - cell.x0) / Math.max(1, cell.text.length);
    let from = 0;
    for (const p of parts) {
      const at = cell.text.indexOf(p, from);
      out.push({ text: p.trim(), cell, x0: cell.x0 + at * perChar, x1: cell.x0 + (at + p.length) * perChar, pos: out.length });
      from = at + p.length;
    }
  }
  return out;
}

function collect(ctx: Context): Candidates {
  const c: Candidates = {
    invoiceNumber: [],
    issueDate: [],
    dueDate: [],
    po: [],
    amounts: new Map(),
    taxIds: [],
    buyerTaxIds: [],
    names: [],
    currencyLabels: [],
    currencyStated: [],
    headings: [],
    titles: [],
    ibanLabels: [],
    unreadLabels: new Set(),
  };
  const tableRows = ctx.table?.rows ?? new Set<number>();
  for (const segs of ctx.segRows) {
    for (const seg of segs) {
      const inTable = tableRows.has(seg.cell.row);
      if (!inTable) collectTermsDate(ctx, seg, c);
      if (!inTable) collectNotedPayee(ctx, seg, c);
      const matches = labelsOf(seg.text);
      if (matches.length === 0) {
        if (!inTable) collectName(ctx, seg, c);
        continue;
      }
      const longest = matches[0]!.labelLength;
      const top = matches.filter((m) => m.labelLength === longest);
      // `Lieferant GmbH`, `Kunde & Partner AG`: a company name that starts with a party word.
      if (!inTable && top.every((m) => PARTY_LABELS.has(m.field) && !m.colon) && legalName(seg.text)) {
        collectName(ctx, seg, c);
        continue;
      }
      if (top.some((m) => m.field === 'ignore')) continue;
      for (const m of top) {
        if (inTable && m.field !== 'title_invoice' && m.field !== 'title_credit_note') continue;
        collectLabel(ctx, seg, m, c);
      }
    }
  }
  return c;
}

const PARTY_LABELS = new Set<LabelField>(['supplier', 'payee', 'buyer']);

/** A note's heading before its text (`Note : All payment to be made in favour of`, `Hinweis:`). */
const NOTE_PREFIX = /^(?:please note|note|nb|n\.b\.|hinweis|remarque|nota|opmerking)\s*:\s*/i;

/** `Note : All payment to be made in favour of` over a name: the payee label inside a note names the payee. */
function collectNotedPayee(ctx: Context, seg: Seg, c: Candidates): void {
  const m = NOTE_PREFIX.exec(seg.text);
  if (!m) return;
  const rest = seg.text.slice(m[0].length);
  const label = labelsOf(rest)[0];
  // A phrase (`All payment to be made in favour of`, `Make cheques payable to`) cannot be a company name: the note's colon is its colon.
  if (!label || label.field !== 'payee' || label.strength !== 'strong' || label.rest !== '' || !/\s/.test(rest.trim())) return;
  collectLabel(ctx, { ...seg, text: rest }, { ...label, colon: true }, c);
}

/** Payment terms in a sentence: `Zahlbar innerhalb 30 Tagen netto bis 04.04.2018`, `Please pay by 3 May 2024`. */
const TERMS = /^(?:zahlbar|bitte (?:uberweisen|zahlen) sie|payable|please pay|payment is due|a payer|te betalen|pagadero|da pagare)\b(.*?)\b(?:netto |net )?(?:bis(?: zum| spatestens)?|by|on or before|before|avant le|voor|antes del|entro il)\s+(?=\d)/;
/** Words that make a date in the terms a discount's or another deadline, not the due date. */
const NOT_DUE = /skonto|discount|escompte|descuento|korting|sconto|mahn|reminder/;

function collectTermsDate(ctx: Context, seg: Seg, c: Candidates): void {
  const folded = fold(seg.text);
  const m = TERMS.exec(folded);
  if (!m || NOT_DUE.test(m[1] ?? '')) return;
  const d = parseDateAt(folded.slice(m[0].length), ctx.order);
  if (!d) return;
  // A date in a sentence is read, never confidently: the same page may state another due date
  // elsewhere (an instalment table's `Fälligkeit`), and a sentence may name a discount's date too.
  // A labelled due date that agrees stays confident on its own.
  let conf = 0.7;
  if (d.ambiguous) conf = Math.min(conf, 0.5);
  if (d.shortYear) conf = Math.min(conf, 0.75);
  c.dueDate.push({ value: d.iso, conf, at: seg, how: 'inline' });
}
/** An invoice-number label that names the invoice itself (not a credit note's, not another document's). */
const INVOICE_WORD = /^(?:invoice|rechnung|facture|factura|factuur|fattura|rechnungs-?(?:nummer|nr)|factuur-?(?:nummer|nr)|(?:n[°ºo]|no|nr|numero)\.?\s*(?:de\s+|di\s+|della\s+)?(?:facture|factura|fattura))\b/;

/** A title that is the document's kind alone (`INVOICE`, `Rechnung`, `Factuur`). */
const TITLE_WORD = /^(?:invoice|rechnung|facture|factura|factuur|fattura)\s*:?$/;

/** True when the label's row also carries a strong invoice-date label whose date is printed in the value's row, under it. */
function datedStrip(ctx: Context, label: Seg, value: Seg): boolean {
  return (ctx.segRows[label.cell.row] ?? []).some((o) => {
    if (o === label || !labelsOf(o.text).some((l) => l.field === 'issue_date' && l.strength === 'strong' && l.rest === '')) return false;
    const d = belowOf(ctx, o, (t) => parseDateCell(t, ctx.order));
    return d !== null && d.how === 'below' && d.at.cell.row === value.cell.row && !d.value.ambiguous;
  });
}

/** The number of a cell that is a number sign and a number and nothing else (`# 2024-117`, `No. 42`, `Nr. A-7`). */
function signedNumber(text: string): string | null {
  const m = /^(?:#|n[°º]\.?|no\.|nr\.)\s*:?\s*(\S+)$/i.exec(text.trim());
  return m ? parseDocumentNumber(m[1]!) : null;
}

function collectLabel(ctx: Context, seg: Seg, m: LabelMatch, c: Candidates): void {
  const s = m.strength;
  switch (m.field) {
    case 'invoice_number': {
      const f = findValue(ctx, seg, m.rest, parseDocumentNumber, { below: true });
      // `Rechnung Nr. 42`, `FACTURE N° : F20180027` at the top: the label is the document's title as well.
      if (s === 'strong' && INVOICE_WORD.test(fold(seg.text)) && inTitleArea(ctx, seg)) c.titles.push({ kind: 'invoice', seg, weak: false });
      if (!f) return;
      // `INVOICE` printed large at the top with `# 2024-117` alone right under it: the title's own number.
      const titleNumber = s === 'weak' && f.how === 'below' && m.rest === '' && TITLE_WORD.test(fold(seg.text)) && seg.cell.size >= 1.25 * ctx.bodySize && inTitleArea(ctx, seg) && signedNumber(f.at.text) === f.value;
      // `Klant | Order | Factuur datum | Factuur` over one row of values: a bare `Factuur` heading the invoice's own
      // strip of fields, beside a strong invoice-date label whose date sits in the same row of values.
      const stripNumber = !titleNumber && s === 'weak' && f.how === 'below' && m.rest === '' && TITLE_WORD.test(fold(seg.text)) && datedStrip(ctx, seg, f.at);
      c.invoiceNumber.push({ value: f.value, conf: titleNumber || stripNumber ? 0.85 : BASE[s][f.how], at: seg, how: f.how });
      // "Facture n° 562044387 du 02 Juillet 2015", "Nr. 471102 vom 05.03.2018": the issue date follows the number.
      const after = `${f.how === 'inline' ? m.rest : f.at.text} ${rowTextAfter(ctx, f.at)}`;
      const idx = after.indexOf(f.value);
      const tail = idx >= 0 ? after.slice(idx + f.value.length) : '';
      const dated = /^\s*,?\s*(?:du|vom|von|of|dated|del|van|issued (?:at|on)|from|datum)\s+/i.test(tail) ? parseDateAt(tail.replace(/^\s*,?\s*/, ''), ctx.order) : null;
      if (dated && !dated.ambiguous) c.issueDate.push({ value: dated.iso, conf: s === 'strong' ? 0.85 : 0.7, at: seg, how: 'inline' });
      return;
    }
    case 'issue_date':
    case 'due_date': {
      const f = findValue(ctx, seg, m.rest, (t) => parseDateCell(t, ctx.order), { below: true, inline: (t) => parseDateAt(t, ctx.order) });
      const list = m.field === 'issue_date' ? c.issueDate : c.dueDate;
      if (!f) {
        if (m.field === 'due_date' && s === 'strong' && /\d/.test(m.rest)) c.unreadLabels.add('due_date');
        return;
      }
      // `FACTURE N° : F20200027` over `Date : 15/01/2020`: a bare `Date` right under the invoice number is the invoice's.
      let conf = m.field === 'issue_date' && s === 'weak' && f.how !== 'below' && underInvoiceNumber(ctx, seg) ? BASE.strong[f.how] : BASE[s][f.how];
      if (f.value.ambiguous) conf = Math.min(conf, 0.5);
      if (f.value.shortYear) conf = Math.min(conf, 0.75);
      // `Règlement | Date | Montant`: a bare `Date` heading a column beside an amount column dates a payment or an instalment.
      if (s === 'weak' && f.how !== 'inline' && besideAmountHeader(ctx, seg)) conf = Math.min(conf, BASE.weak.column);
      list.push({ value: f.value.iso, conf, at: seg, how: f.how });
      return;
    }
    case 'po_reference': {
      const f = findValue(ctx, seg, m.rest, parseDocumentNumber, { below: true });
      if (f) c.po.push({ value: f.value, conf: BASE[s][f.how], at: seg, how: f.how });
      else if (m.rest !== '' && s === 'strong' && /\d/.test(m.rest)) c.unreadLabels.add('po_reference');
      return;
    }
    case 'tax_id':
    case 'buyer_tax_id': {
      const parse = (t: string) => parseVatId(t) ?? (s === 'strong' ? parseOtherTaxId(t) : null);
      const f = findValue(ctx, seg, m.rest, parse, { below: true });
      if (!f) return;
      const certain = parseVatId(f.at === seg ? m.rest : f.at.text) !== null || parseVatId(f.value) !== null;
      const found = { value: f.value, conf: certain ? BASE[s][f.how] : Math.min(BASE[s][f.how], 0.7), at: f.at, how: f.how };
      (m.field === 'tax_id' ? c.taxIds : c.buyerTaxIds).push(found);
      return;
    }
    case 'supplier':
    case 'payee': {
      // `Lieferant: Acme GmbH` names the supplier; `Lieferant GmbH` is a name that starts with the
      // word, and a bare `Verkäufer` heads the seller's block (whose names count as the seller's).
      if (m.field === 'supplier' && m.rest === '') c.headings.push({ party: 'seller', seg });
      if (!m.colon) return;
      const f = findValue(ctx, seg, m.rest, nameOf, { below: true, skipParenthetical: true });
      if (f) c.names.push({ name: f.value, source: m.field === 'supplier' ? 'label' : 'payee', seg: f.at, partial: false });
      return;
    }
    case 'buyer':
    case 'third_party':
      if (m.colon || m.rest === '') c.headings.push({ party: m.field === 'buyer' ? 'buyer' : 'other', seg });
      return;
    case 'party_name': {
      // `Name: Lieferant GmbH` under a party heading; whose name it is, the heading decides.
      const f = findValue(ctx, seg, m.rest, nameOf, { below: false });
      if (f) c.names.push({ name: f.value, source: 'party', seg: f.at, partial: runsOn(ctx, f.at) });
      return;
    }
    case 'currency': {
      const f = findValue(ctx, seg, m.rest, statedCurrency, { below: true });
      if (f) c.currencyStated.push({ code: f.value, seg: f.at });
      return;
    }
    case 'iban':
      c.ibanLabels.push(seg);
      return;
    case 'title_invoice':
    case 'title_credit_note':
    case 'title_not_a_bill':
      if (m.rest.length <= 40) c.titles.push({ kind: m.field === 'title_invoice' ? 'invoice' : m.field === 'title_credit_note' ? 'credit_note' : 'not_a_bill', seg, weak: s === 'weak' });
      if (m.field === 'title_invoice' || m.field === 'title_credit_note') {
        // "Rechnung R0005532486": a document title followed by its number.
        const n = parseDocumentNumber(m.rest);
        if (n && /^[A-Za-z#-]*\d/.test(m.rest.trim()) && m.rest.trim().split(/\s+/).length <= 2 && /\d{3,}/.test(n)) {
          // The document's title, printed large at the top, followed by one number: that title's number.
          const headline = m.rest.trim().split(/\s+/).length === 1 && seg.cell.size >= 1.25 * ctx.bodySize && inTitleArea(ctx, seg);
          c.invoiceNumber.push({ value: n, conf: headline ? 0.85 : BASE.weak.inline, at: seg, how: 'inline' });
        }
        // "Handelsrechnung (380) Nr. 471102 vom 05.03.2018": the title's own number label, in the same cell.
        const at = /(?:^|[\s)])((?:nr|no|n[°º]|#)[.:]?\s*\S)/i.exec(m.rest);
        // Only the title's own number: `Rechnung gemäß Bestellung Nr. 2018-471331` names an order's.
        const lead = at?.[1] ? m.rest.slice(0, at.index + at[0].length - at[1].length) : '';
        const tail = at?.[1] && /^[\s()\d]*$/.test(lead) ? m.rest.slice(at.index + at[0].length - at[1].length) : '';
        const sub = tail ? labelsOf(tail)[0] : undefined;
        if (sub && sub.field === 'invoice_number') {
          const inner: Seg = { ...seg, text: tail, pos: seg.pos };
          collectLabel(ctx, inner, { ...sub, strength: 'strong' }, c);
        }
      }
      return;
    case 'ignore':
      return;
    default:
      if (AMOUNT_FIELDS.has(m.field)) collectAmount(ctx, seg, m, c);
  }
}

function collectAmount(ctx: Context, seg: Seg, m: LabelMatch, c: Candidates): void {
  const field = m.field as AmountField;
  const parse = (t: string) => parseAmount(t, ctx.convention, isCurrencyCode);
  let found: { value: ParsedAmount; how: How; at: Seg } | null = null;
  const inline = m.rest !== '' ? parse(m.rest) : null;
  if (inline) found = { value: inline, how: 'inline', at: seg };
  else {
    const amounts: Seg[] = [];
    for (const s of rightOf(ctx, seg)) {
      if (labelsOf(s.text).length && !parse(s.text)) break;
      if (parse(s.text)) amounts.push(s);
    }
    if (amounts.length === 1) found = { value: parse(amounts[0]!.text)!, how: 'right', at: amounts[0]! };
    else if (amounts.length > 1) found = { value: parse(amounts[amounts.length - 1]!.text)!, how: 'multi', at: amounts[amounts.length - 1]! };
    else if (m.rest === '' || /^[A-Z]{3}$/.test(m.rest) || /^\(?[\d.,\s]*%\)?\s*:?$/.test(m.rest)) {
      const below = belowOf(ctx, seg, parse);
      if (below) found = below;
    }
  }
  if (!found) return;
  // A totals table (`Nettobetrag | MwSt-Betrag | Endbetrag` over a row per rate and a sum row):
  // the column's last value, the sum of those above it, is the document's; the others are per rate.
  if (found.how === 'column') {
    const col = columnBelow(ctx, seg, found.at, parse);
    const last = col[col.length - 1];
    const sum = col.slice(0, -1).reduce((s, x) => s.add(dec(x.value.value)), Decimal.ZERO);
    if (col.length >= 2 && last && near(sum, dec(last.value.value))) {
      const list = c.amounts.get(field) ?? [];
      for (const x of col.slice(0, -1)) list.push({ value: x.value, conf: BASE[m.strength].below, at: x.at, how: 'below', rated: true });
      list.push({ value: last.value, conf: BASE[m.strength].below, at: last.at, how: 'below' });
      c.amounts.set(field, list);
      return;
    }
  }
  let conf = BASE[m.strength][found.how];
  if (found.value.ambiguous) conf = Math.min(conf, 0.5);
  const list = c.amounts.get(field) ?? [];
  list.push({ value: found.value, conf, at: found.at, how: found.how, rated: /\d\s*%/.test(seg.text), strong: m.strength === 'strong' && found.how !== 'multi' });
  c.amounts.set(field, list);
  // A code in the label ("Total EUR", "Montant EUR TTC") speaks for the currency of the amount.
  for (const code of currencyCodesIn(m.rest + ' ' + seg.text, isCurrencyCode)) c.currencyLabels.push(code);
}

/** True when the row just above the label starts, at the label's left edge, with a strong invoice-number label. */
function underInvoiceNumber(ctx: Context, seg: Seg): boolean {
  const rows = ctx.layout.rows;
  return [seg.cell.row - 1, seg.cell.row - 2].some((r) => {
    const row = rows[r];
    if (!row || row.page !== seg.cell.page || seg.cell.y - row.y > 2.5 * seg.cell.size) return false;
    return (ctx.segRows[r] ?? []).some((o) => Math.abs(o.x0 - seg.x0) <= 3 && labelsOf(o.text).some((l) => l.field === 'invoice_number' && l.strength === 'strong'));
  });
}

/**
 * `Date: 28/11/2022` at the head of an invoice (its title or a strong invoice-number label on the page) is the
 * invoice's date when it is the only date the page prints outside the line table, apart from dates read as the
 * due date: a bare `Date` label is weak because another date (a delivery's, an order's, a period's) may be
 * meant; where there is none, nothing else can be. One label, or several agreeing, value beside it, never a column.
 */
function loneDateLabel(ctx: Context, c: Candidates, issue: Resolved<string>, invoiceNumber: Resolved<string> | null): boolean {
  if (issue.conflict || issue.conf >= DEFAULT_THRESHOLD || issue.found.length !== c.issueDate.length) return false;
  if (!issue.found.every((f) => (f.how === 'inline' || f.how === 'right') && f.conf >= BASE.weak.right && inTitleArea(ctx, f.at))) return false;
  const invoice = c.titles.some((t) => t.kind === 'invoice' && !t.weak) || (invoiceNumber !== null && !invoiceNumber.conflict && invoiceNumber.conf >= DEFAULT_THRESHOLD);
  if (!invoice) return false;
  const known = new Set([issue.value, ...c.dueDate.map((f) => f.value)]);
  const tableRows = ctx.table?.rows ?? new Set<number>();
  return ctx.layout.cells.every((cell) => tableRows.has(cell.row) || datesIn(cell.text, ctx.order).every((d) => known.has(d)));
}


const AMOUNT_HEADER = /^(?:montant|amount|betrag|teilzahlung|bedrag|importe|importo|total|summe|paid|paye|payment)$/;

/** True when a neighbouring cell of the label's row is an amount column's header (`Montant`, `Betrag`). */
function besideAmountHeader(ctx: Context, seg: Seg): boolean {
  const row = ctx.segRows[seg.cell.row] ?? [];
  return [row[seg.pos - 1], row[seg.pos + 1]].some((n) => n !== undefined && AMOUNT_HEADER.test(fold(n.text).replace(/[\s:]+$/, '')));
}

/** A name written after a supplier label or found by its legal form. */
function collectName(ctx: Context, seg: Seg, c: Candidates): void {
  const name = legalName(seg.text);
  if (!name) {
    const footerName = footerNameLine(ctx, seg);
    if (footerName) c.names.push({ name: footerName, source: 'footer-name', seg, partial: false });
    return;
  }
  if (BANK_WORDS.test(name)) return;
  const page = seg.cell.page;
  const h = ctx.pageHeight(page);
  const inFooter = seg.cell.y > 0.78 * h;
  // "Acme GmbH · Street 1 · City" alone on its row near the top: the sender line above the address window.
  const senderLine = seg.pos === 0 && seg.cell.y < 0.4 * h && page === 0 && senderLineParts(ctx, seg.cell) >= 3;
  // A letterhead: the name printed large at the top of the first page.
  const letterhead = page === 0 && seg.cell.y < 0.18 * h && seg.cell.size >= 1.25 * ctx.bodySize;
  const source: NameSource = /\bau capital\b|\bcapital social\b|\bstammkapital\b/i.test(seg.text) || inFooter || overLegalDetails(ctx, seg) ? 'footer-legal' : senderLine ? 'sender-line' : letterhead ? 'letterhead' : 'legal';
  c.names.push({ name, source, seg, partial: false });
}

/** The words of a company's entry in a register (`KvK`, `HRB`, `RCS`, `Company No.`). */
const REGISTER_WORDS = String.raw`kvk|kamer van koophandel|hrb|handelsregister|registergericht|amtsgericht|rcs|siret|siren|company (?:no|number|registration)|registered in|registro mercantil|rea`;

/** Words of a company's legal details (`Siège social`, `SARL au capital de`, `RCS`, `Registergericht`, `KvK`). */
const LEGAL_DETAILS = new RegExp(String.raw`\b(?:${REGISTER_WORDS}|siege social|au capital|capital social|registered office|sitz der gesellschaft|partita iva)\b`);

/** A company's registration in a register (`KvK Rotterdam 24330087`, `HRB 12345`, `RCS Paris B 530 848 134`). */
const REGISTRATION = new RegExp(String.raw`\b(?:${REGISTER_WORDS}|hra)\b`);

/**
 * True when the block under a company name (its lines below, starting where the name starts) carries
 * the company's registration in a register and its own VAT id or a valid IBAN (`Coolblue B.V.` over
 * its address, `KvK Rotterdam …`, `BTW NL…`, `IBAN NL…`): the issuer's letterhead block. A buyer's
 * address block carries no register entry and no bank account.
 */
function registeredBlock(ctx: Context, seg: Seg): boolean {
  const rows = ctx.layout.rows;
  const texts: string[] = [];
  let lastY = seg.cell.y;
  for (let r = seg.cell.row + 1; r < rows.length && r <= seg.cell.row + 12; r++) {
    const row = rows[r]!;
    if (row.page !== seg.cell.page || row.y - lastY > 3.5 * Math.max(row.size, seg.cell.size)) break;
    const inBlock = row.cells.filter((c) => Math.abs(c.x0 - seg.x0) <= seg.cell.size);
    if (inBlock.length === 0) continue;
    texts.push(...inBlock.map((c) => c.text));
    lastY = row.y;
  }
  const folded = fold(texts.join(' | '));
  if (!REGISTRATION.test(folded)) return false;
  return texts.some((t) => ibansIn(t).some((f) => f.valid && !f.masked) || parseVatId(t.replace(/^(?:btw|vat|tva|iva|ust-?idnr\.?|mwst)[\s.:-]*(?:nr\.?|no\.?|nummer)?[\s.:]*/i, '')) !== null);
}

/** True when a segment is alone on its row, right over a line of legal details (`Registered Office: …`, `RCS …`). */
function overLegalDetails(ctx: Context, seg: Seg): boolean {
  const row = ctx.layout.rows[seg.cell.row];
  const next = ctx.layout.rows[seg.cell.row + 1];
  if (!row || !next || row.cells.length !== 1 || seg.text !== seg.cell.text || next.page !== row.page || next.y - row.y > 2.5 * row.size) return false;
  return LEGAL_DETAILS.test(fold(next.cells.map((c) => c.text).join(' ')));
}

/**
 * A name printed alone on the first line of the footer, right over the company's legal details
 * (`NETPRESSE` over `Siège social : …` and `Sarl au capital de …`): the issuer's name without its
 * legal form. Weak on its own (a slogan may stand there too); a second place of the seller's that
 * names it the same (the account holder, the letterhead) makes it certain.
 */
function footerNameLine(ctx: Context, seg: Seg): string | null {
  const row = ctx.layout.rows[seg.cell.row];
  const next = ctx.layout.rows[seg.cell.row + 1];
  if (!row || !next || row.cells.length !== 1 || seg.pos !== 0 || seg.text !== seg.cell.text) return null;
  if (seg.cell.y <= 0.78 * ctx.pageHeight(seg.cell.page) || next.page !== row.page || next.y - row.y > 2 * row.size) return null;
  if (/\d/.test(seg.text) || seg.text.split(/\s+/).length > 4 || BANK_WORDS.test(seg.text)) return null;
  if (!LEGAL_DETAILS.test(fold(next.cells.map((c) => c.text).join(' ')))) return null;
  return nameOf(seg.text);
}

/**
 * The parts of a sender line starting at a row's first cell (`Acme GmbH · Street 1 · City`), in
 * one cell or in cells printed close together with separator cells between them (`Acme GmbH | ● |
 * Ecke 12 | ● | 12345 Stadthausen`); the row's other cells (an address block on the right) are not part of it.
 */
function senderLineParts(ctx: Context, cell: Cell): number {
  const cells = ctx.layout.rows[cell.row]?.cells ?? [];
  if (cells[0] !== cell) return 0;
  const chain = [cell];
  for (let i = 1; i < cells.length && cells[i]!.x0 - cells[i - 1]!.x1 < 2 * cell.size; i++) chain.push(cells[i]!);
  const text = chain.map((c) => (SEPARATOR_CELL.test(c.text) ? ` ${c.text} ` : c.text)).join(' ');
  return text.split(SEPARATORS).filter((p) => p.trim() !== '' && !SEPARATOR_CELL.test(p.trim())).length;
}

/**
 * True when a value cell has text right above or below it, starting at the same place, in a
 * row with no label of its own: the value may be one line of several (`MVM Musterhafter` /
 * `Versicherungsverein Musterstadt a.G.`).
 */
function runsOn(ctx: Context, seg: Seg): boolean {
  const rows = ctx.layout.rows;
  return [seg.cell.row - 1, seg.cell.row + 1].some((r) => {
    const row = rows[r];
    if (!row || row.page !== seg.cell.page || Math.abs(row.y - seg.cell.y) > 1.8 * row.size) return false;
    if (row.cells.some((c) => c.x1 <= seg.x0 + 1 && labelsOf(c.text).length > 0)) return false;
    return row.cells.some((c) => Math.abs(c.x0 - seg.x0) < 3 && /\p{L}{2}/u.test(c.text) && labelsOf(c.text).length === 0);
  });
}

// ------------------------------------------------------------------ finding values near labels

function rowTextAfter(ctx: Context, seg: Seg): string {
  return rightOf(ctx, seg)
    .map((s) => s.text)
    .join(' ');
}

/**
 * The segments to the right of a label on its line: its own row, and a neighbouring row whose
 * baseline is off by less than a line (a value printed a little lower than its label).
 */
function rightOf(ctx: Context, seg: Seg): Seg[] {
  const own = (ctx.segRows[seg.cell.row] ?? []).filter((s) => s.pos > seg.pos);
  const near = [seg.cell.row - 1, seg.cell.row + 1].flatMap((r) => {
    const row = ctx.layout.rows[r];
    if (!row || row.page !== seg.cell.page || Math.abs(row.y - seg.cell.y) > 0.6 * seg.cell.size) return [];
    return (ctx.segRows[r] ?? []).filter((s) => s.x0 >= seg.x1);
  });
  return [...own, ...near].sort((a, b) => a.x0 - b.x0).slice(0, 5);
}

function overlapsBand(seg: Seg, s: Seg): boolean {
  const slack = seg.cell.size;
  return s.x0 <= seg.x1 + slack && s.x1 >= seg.x0 - slack;
}

/** The first value under a label (a label row above a value row), and whether it heads a column of values. */
function belowOf<T>(ctx: Context, seg: Seg, parse: (t: string) => T | null, skipParenthetical = false): { value: T; how: How; at: Seg } | null {
  const rows = ctx.layout.rows;
  const start = seg.cell.row;
  for (let r = start + 1; r < rows.length && r <= start + 3; r++) {
    const row = rows[r]!;
    if (row.page !== seg.cell.page || row.y - seg.cell.y > 3.2 * Math.max(seg.cell.size, row.size)) break;
    // The value nearest under the label first: a neighbour column's value may touch the band too.
    const centre = (x: Seg) => (x.x0 + x.x1) / 2;
    for (const s of [...(ctx.segRows[r] ?? [])].sort((a, b) => Math.abs(centre(a) - centre(seg)) - Math.abs(centre(b) - centre(seg)))) {
      if (!overlapsBand(seg, s)) continue;
      if (skipParenthetical && /^\(.*\)$/.test(s.text)) continue;
      const v = parse(s.text.replace(/^\s*[:：]\s*/, ''));
      if (v === null) {
        if (labelsOf(s.text).length > 0) return null;
        continue;
      }
      // A second value right under the first: this label heads a table column, not a total.
      const next = rows[r + 1];
      const column =
        next !== undefined &&
        next.page === row.page &&
        next.y - row.y < 3 * row.size &&
        (ctx.segRows[r + 1] ?? []).some((n) => overlapsBand(seg, n) && parse(n.text) !== null);
      return { value: v, how: column ? 'column' : 'below', at: s };
    }
  }
  return null;
}

/** The values of a column under a label, from its first value down to a gap or a row without one. */
function columnBelow<T>(ctx: Context, label: Seg, first: Seg, parse: (t: string) => T | null): { value: T; at: Seg }[] {
  const out: { value: T; at: Seg }[] = [];
  const rows = ctx.layout.rows;
  let lastY = first.cell.y;
  for (let r = first.cell.row; r < rows.length && out.length < 12; r++) {
    const row = rows[r]!;
    if (row.page !== first.cell.page || row.y - lastY > 3 * Math.max(row.size, label.cell.size)) break;
    const s = (ctx.segRows[r] ?? []).filter((x) => overlapsBand(label, x)).sort((a, b) => Math.abs(a.x0 + a.x1 - label.x0 - label.x1) - Math.abs(b.x0 + b.x1 - label.x0 - label.x1))[0];
    const v = s ? parse(s.text) : null;
    if (!s || v === null) break;
    out.push({ value: v, at: s });
    lastY = row.y;
  }
  return out;
}

function findValue<T>(
  ctx: Context,
  seg: Seg,
  rest: string,
  parse: (t: string) => T | null,
  opts: { below?: boolean; inline?: (t: string) => T | null; skipParenthetical?: boolean },
): { value: T; how: How; at: Seg } | null {
  if (rest !== '') {
    const v = (opts.inline ?? parse)(rest);
    if (v !== null) return { value: v, how: 'inline', at: seg };
  }
  for (const s of rightOf(ctx, seg)) {
    // `Beleg-Datum | : 06.08.2013`: the label's colon printed with the value.
    const v = parse(s.text.replace(/^\s*[:：]\s*/, ''));
    if (v !== null) return { value: v, how: 'right', at: s };
    if (labelsOf(s.text).length > 0) break;
  }
  if (opts.below && (rest === '' || /^\(.*\)$/.test(rest))) return belowOf(ctx, seg, parse, opts.skipParenthetical);
  return null;
}

// ------------------------------------------------------------------ resolving fields

function resolve<T>(found: readonly Found<T>[], key: (v: T) => string): Resolved<T> | null {
  if (found.length === 0) return null;
  const groups = new Map<string, Found<T>[]>();
  for (const f of found) groups.set(key(f.value), [...(groups.get(key(f.value)) ?? []), f]);
  const scored = [...groups.values()].map((g) => {
    const cells = new Set(g.map((f) => `${f.at.cell.index}`));
    const max = Math.max(...g.map((f) => f.conf));
    return { g, conf: cells.size > 1 ? Math.min(0.95, max + 0.03) : max, first: Math.min(...g.map((f) => f.at.cell.index)) };
  });
  scored.sort((a, b) => b.conf - a.conf || a.first - b.first);
  const best = scored[0]!;
  const conflict = scored.slice(1).some((o) => o.conf >= 0.55);
  return { value: best.g[0]!.value, conf: conflict ? Math.min(best.conf, 0.5) : best.conf, conflict, found: best.g };
}

// ---- names

const LEGAL_FORM =
  "(?:GMBH|GmbH\\s*&\\s*Co\\.?(?:\\s*KG)?|GmbH|gGmbH|AG|KGaA|KG|OHG|UG(?:\\s*\\(haftungsbeschr[aä]nkt\\))?|e\\.\\s?K\\.|Ltd\\.?|Limited|Inc\\.?|Incorporated|LLC|L\\.L\\.C\\.|LLP|PLC|plc|Corp\\.?|Corporation|B\\.\\s?V\\.?|BV|N\\.\\s?V\\.?|NV|SASU|SAS|SARL|S\\.A\\.R\\.L\\.|Sarl|EURL|S\\.A\\.|SA|S\\.L\\.|SL|SLU|S\\.r\\.l\\.|SRL|Srl|S\\.p\\.A\\.|SpA|Pvt\\.?\\s*Ltd\\.?|Private\\s+Limited|Pty\\.?\\s*Ltd\\.?|Oy|AB|A/S|ApS|sp\\.\\s*z\\s*o\\.\\s*o\\.|s\\.r\\.o\\.)";
const LEGAL_END = new RegExp(`\\s${LEGAL_FORM}$`, 'u');
const LEGAL_NAME = new RegExp(`^((?:(?:[\\p{Lu}\\d]|\\p{Ll}-\\p{Lu})[\\p{L}\\d&'’.+\\-]*\\s+)(?:[\\p{L}\\d&'’.+\\-]+\\s+){0,5}?${LEGAL_FORM})(?=$|[\\s,;:]|\\s+au capital)`, 'u');

/** A company name ending in a legal form (`Hetzner Online GmbH`, `Coolblue B.V.`, `Free SAS au capital de …`). */
export function legalName(text: string): string | null {
  const t = text.replace(/^(?:regd\.? office|registered office|siege social|sitz|firmensitz)\s*:\s*/i, '').trim();
  const m = LEGAL_NAME.exec(t);
  if (!m) return null;
  const name = m[1]!.trim().replace(/[,;:]+$/, '');
  const rest = t.slice(m[0].length).trim();
  // The whole segment, or the name followed by punctuation or "au capital": not the middle of a sentence.
  if (rest !== '' && !/^[,;:]/.test(rest) && !/^au capital/i.test(rest)) return null;
  if (name.split(/\s+/).length < 2 && !/^(?:[\p{Lu}\d]{2,}|\p{Lu}\p{Ll}+)\s/u.test(name)) return null;
  return nameOf(name);
}

/** Banks appear in the footer with their legal form too (`Deutsche Bank AG`): never the supplier by form alone. */
const BANK_WORDS = /\b(?:bank|banque|banco|banca|sparkasse|volksbank|raiffeisen\w*|postbank|commerzbank|landesbank|kreditinstitut|bnp|rabobank|ing|abn amro|credit agricole|societe generale|caixa|unicredit|barclays|hsbc)\b/i;

/** A value that can be a company name: letters, not a label, not a number, not a sentence. */
function nameOf(text: string): string | null {
  const t = text.replace(/[,;:]+$/, '').replace(/\s+/g, ' ').trim();
  if (/:\s*$/.test(text) || t.length < 2 || t.length > 80 || !/\p{L}{2}/u.test(t)) return null;
  if ((t.match(/\d/g) ?? []).length > t.length / 3) return null;
  if (/@|https?:|www\./i.test(t) || t.split(' ').length > 8) return null;
  // `Lieferant GmbH` starts with a label word but is a company name: no colon, a legal form at the end.
  if (labelsOf(t).some((m) => m.colon || !LEGAL_END.test(t))) return null;
  return t;
}

/** Names compared without case, punctuation and legal forms (`Pvt. Ltd.` = `Private Limited`). */
function nameKey(name: string): string {
  return normalizeName(name.replace(/\bpvt\.?\b|\bprivate\b/gi, ' ')) || fold(name);
}

const STRONG_NAME_SOURCES = new Set<NameSource>(['label', 'payee', 'seller-section', 'registered-block', 'footer-legal', 'footer-name', 'sender-line', 'letterhead']);
// A footer name line weighs under the 0.65 at which another name contradicts: alone it neither decides nor contradicts.
const NAME_WEIGHT: Readonly<Record<NameSource, number>> = { label: 0.9, payee: 0.7, 'seller-section': 0.85, 'registered-block': 0.85, 'footer-legal': 0.7, 'footer-name': 0.6, 'sender-line': 0.65, letterhead: 0.65, legal: 0.5, party: 0 };

function resolveSupplier(names: readonly NameCandidate[]): (Resolved<string> & { found: readonly Found<string>[] }) | null {
  if (names.length === 0) return null;
  const groups = new Map<string, NameCandidate[]>();
  for (const n of names) groups.set(nameKey(n.name), [...(groups.get(nameKey(n.name)) ?? []), n]);
  const scored = [...groups.values()].map((g) => {
    const kinds = new Set(g.filter((n) => STRONG_NAME_SOURCES.has(n.source)).map((n) => n.source));
    // The sender line names the sender; the same name printed again on another row (the letterhead block) is a second place.
    const sender = g.find((n) => n.source === 'sender-line');
    if (sender && g.some((n) => n.source === 'legal' && n.seg.cell.row !== sender.seg.cell.row)) kinds.add('legal');
    const max = Math.max(...g.map((n) => NAME_WEIGHT[n.source]));
    const whole = kinds.size >= 2 ? Math.min(0.95, Math.max(max, 0.85) + 0.05) : max;
    const conf = g.every((n) => n.partial) ? Math.min(whole, 0.7) : whole;
    // The name as printed where it is most formal: the label's value, else the longest form.
    const best = g.find((n) => n.source === 'label') ?? [...g].sort((a, b) => b.name.length - a.name.length)[0]!;
    return { g, conf, best, first: Math.min(...g.map((n) => n.seg.cell.index)) };
  });
  scored.sort((a, b) => b.conf - a.conf || a.first - b.first);
  const top = scored[0]!;
  // An account holder (`Kontoinhaber: Max Mustermann`) names who is paid — the owner, a factor — not who sells:
  // it does not contradict a name found in two independent places of the seller's own.
  const established = new Set(top.g.filter((n) => STRONG_NAME_SOURCES.has(n.source) || n.source === 'legal').map((n) => n.source)).size >= 2 && top.conf >= 0.85;
  const conflict = scored.slice(1).some((o) => o.conf >= 0.65 && !(established && o.g.every((n) => n.source === 'payee')));
  return {
    value: top.best.name,
    conf: conflict ? Math.min(top.conf, 0.5) : top.conf,
    conflict,
    found: top.g.map((n) => ({ value: n.name, conf: NAME_WEIGHT[n.source], at: n.seg, how: 'inline' as How })),
  };
}

// ---- parties: which block of the page a value sits in

interface Band {
  readonly party: 'buyer' | 'seller' | 'other';
  readonly page: number;
  readonly x0: number;
  readonly x1: number;
  readonly y0: number;
  readonly y1: number;
}

/** The block under each party heading: to the next heading on the same row, down to a gap or the next heading. */
function bandsOf(ctx: Context, headings: readonly Heading[]): Band[] {
  const out: Band[] = [];
  for (const h of headings) {
    const page = h.seg.cell.page;
    const sameRow = headings.filter((o) => o !== h && o.seg.cell.row === h.seg.cell.row && o.seg.x0 > h.seg.x0);
    // The block ends where the next cell of the heading's row begins (`Käufer` … `RECHNUNG` … `Seite 1`).
    const nextOnRow = (ctx.segRows[h.seg.cell.row] ?? []).filter((s) => s.x0 > h.seg.x1 + h.seg.cell.size);
    const x1 = Math.min(sameRow.length ? Math.min(...sameRow.map((o) => o.seg.x0)) - 1 : ctx.pageWidth(page), nextOnRow.length ? Math.min(...nextOnRow.map((s) => s.x0)) - 1 : ctx.pageWidth(page));
    const x0 = h.seg.x0 - 2 * h.seg.cell.size;
    let y1 = h.seg.cell.y;
    let lastY = h.seg.cell.y;
    for (const row of ctx.layout.rows) {
      if (row.page !== page || row.y <= h.seg.cell.y) continue;
      const inBand = row.cells.filter((c) => c.x0 >= x0 && c.x0 < x1);
      if (inBand.length === 0) continue;
      if (row.y - lastY > 3.5 * row.size || row.y - h.seg.cell.y > 16 * row.size) break;
      const otherHeading = headings.some((o) => o !== h && o.seg.cell.row === row.index && o.seg.x0 >= x0 && o.seg.x0 < x1);
      if (otherHeading) break;
      lastY = row.y;
      y1 = row.y;
    }
    out.push({ party: h.party, page, x0, x1, y0: h.seg.cell.y - 1, y1: y1 + 1 });
  }
  return out;
}

function sellerBands(ctx: Context, headings: readonly Heading[], supplierFound: readonly Found<string>[]): Band[] {
  // The block under the supplier's name (its address, VAT id, bank) is the seller's too.
  const extra: Heading[] = supplierFound.map((f) => ({ party: 'seller', seg: f.at }));
  return bandsOf(ctx, [...headings, ...extra]);
}

function partyOf(ctx: Context, seg: Seg, bands: readonly Band[], footerIsSeller = true): Band['party'] | null {
  const c = seg.cell;
  const inside = bands.filter((b) => b.page === c.page && c.y >= b.y0 && c.y <= b.y1 && c.x0 >= b.x0 && c.x0 < b.x1);
  // The innermost (closest heading above) wins.
  inside.sort((a, b) => b.y0 - a.y0);
  if (inside[0]) return inside[0].party;
  if (footerIsSeller && c.y > 0.78 * ctx.pageHeight(c.page)) return 'seller'; // the footer carries the issuer's legal details
  return null;
}

function resolveTaxId(ctx: Context, found: readonly Found<string>[], buyerFound: readonly Found<string>[], headings: readonly Heading[], sellerBandsIn: readonly Band[]): Resolved<string> | null {
  const bands = [...bandsOf(ctx, headings.filter((h) => h.party !== 'seller')), ...sellerBandsIn];
  const buyerValues = new Set(buyerFound.map((f) => f.value));
  const kept = found.filter((f) => !buyerValues.has(f.value) && partyOf(ctx, f.at, bands) !== 'buyer' && partyOf(ctx, f.at, bands) !== 'other');
  if (kept.length === 0) return null;
  const seller = kept.filter((f) => partyOf(ctx, f.at, bands) === 'seller');
  const distinct = new Set(kept.map((f) => f.value));
  const r = resolve(seller.length > 0 ? seller : kept, (v) => v);
  if (!r) return null;
  // Only a value placed with the seller and contradicted by none reaches the threshold.
  const conf = distinct.size > 1 ? Math.min(r.conf, 0.5) : seller.length > 0 ? r.conf : Math.min(r.conf, 0.7);
  return { ...r, conf };
}

const DIRECT_DEBIT = /abgebucht|lastschrift|bankeinzug|pr[ée]lev|debited|direct debit|incasso|domicili[eë]ring|adeudo|domiciliaci|addebit|\bRID\b|SEPA-?(?:Basis|Core|Firmen)?-?Lastschrift/i;

function resolveIban(ctx: Context, headings: readonly Heading[], sellerBandsIn: readonly Band[], labelled: boolean): { value: string | null; conf: number; unreadable: boolean } {
  const bands = [...bandsOf(ctx, headings.filter((h) => h.party === 'buyer')), ...sellerBandsIn];
  const found: { iban: string; seg: Seg; party: Band['party'] | null }[] = [];
  let invalid = false;
  ctx.segRows.forEach((segs, r) => {
    for (const seg of segs) {
      for (const f of ibansIn(seg.text)) {
        if (f.masked) continue;
        if (!f.valid) {
          invalid = true;
          continue;
        }
        // The account a direct debit is taken from is the buyer's.
        const context = [r - 3, r - 2, r - 1, r].map((i) => (ctx.segRows[i] ?? []).map((s) => s.text).join(' ')).join(' ');
        const party = DIRECT_DEBIT.test(context) ? 'buyer' : partyOf(ctx, seg, bands);
        found.push({ iban: f.iban, seg, party });
      }
    }
  });
  const kept = found.filter((f) => f.party !== 'buyer');
  const distinct = new Set(kept.map((f) => f.iban));
  if (distinct.size === 0) return { value: null, conf: 0, unreadable: invalid && labelled };
  const first = kept.find((f) => f.party === 'seller') ?? kept[0]!;
  if (distinct.size > 1) return { value: first.iban, conf: 0.5, unreadable: false };
  // One IBAN whose check digits hold: labelled or placed with the seller, it is the payee account.
  const conf = labelled || first.party === 'seller' ? 0.9 : 0.75;
  return { value: first.iban, conf, unreadable: false };
}

// ---- totals

interface Totals {
  net: { value: string; conf: number } | null;
  tax: { value: string; conf: number } | null;
  total: { value: string; conf: number } | null;
  /** True when net + tax = total held between values read (not derived). */
  confirmed: boolean;
}

function amountGroups(found: readonly Found<ParsedAmount>[] | undefined): Resolved<ParsedAmount>[] {
  if (!found || found.length === 0) return [];
  const groups = new Map<string, Found<ParsedAmount>[]>();
  for (const f of found) {
    const k = Decimal.parse(f.value.value).toString();
    groups.set(k, [...(groups.get(k) ?? []), f]);
  }
  return [...groups.values()]
    .map((g) => {
      const cells = new Set(g.map((f) => f.at.cell.index));
      const max = Math.max(...g.map((f) => f.conf));
      return { value: g[0]!.value, conf: cells.size > 1 ? Math.min(0.95, max + 0.03) : max, conflict: false, found: g };
    })
    .sort((a, b) => b.conf - a.conf);
}

const dec = (s: string) => Decimal.parse(s);
const near = (a: Decimal, b: Decimal) => a.sub(b).abs().lte(Decimal.from('0.01'));

function resolveTotals(amounts: ReadonlyMap<AmountField, Found<ParsedAmount>[]>, table: LineTable | null, taxRows: readonly TaxRowRead[] = []): Totals {
  const nets = amountGroups(amounts.get('net_total'));
  const taxes = amountGroups(amounts.get('tax_total'));
  const prepaid = amountGroups(amounts.get('prepaid')).filter((g) => !dec(g.value.value).isZero());
  // "Amount due" is the total where nothing was paid in advance.
  // An amount due that differs from the total (prepaid, open items carried over) is not a second total.
  const payable = amountGroups(amounts.get('payable')).map((g) => ({ ...g, conf: prepaid.length === 0 ? g.conf - 0.1 : 0.3, found: g.found.map((f) => ({ ...f, rated: true })) }));
  const totals = mergeGroups([...amountGroups(amounts.get('total')), ...payable]);
  const lineSum = table && table.lines.length > 0 && table.incomplete === 0 ? table.lines.reduce((s, l) => s.add(dec(l.netAmount)), Decimal.ZERO) : null;

  const strongest = (gs: readonly Resolved<ParsedAmount>[]) => gs[0] ?? null;
  // Another value under the same kind of label contradicts the chosen one; amounts per rate (`USt. 7 %`) do not.
  const conflictIn = (gs: readonly Resolved<ParsedAmount>[], chosen: Resolved<ParsedAmount>) => gs.some((g) => g !== chosen && g.conf >= 0.55 && !g.found.every((f) => f.rated));

  // 1. The best triple net + tax = total among the values read.
  let best: { n: Resolved<ParsedAmount>; t: Resolved<ParsedAmount>; g: Resolved<ParsedAmount>; score: number } | null = null;
  for (const n of nets) for (const t of taxes) for (const g of totals) {
    if (!near(dec(n.value.value).add(dec(t.value.value)), dec(g.value.value))) continue;
    // Values per rate (a row of a totals table, `USt. 7 %`) add up too; the document's own totals win.
    const perRate = [n, t, g].filter((x) => x.found.every((f) => f.rated)).length;
    const score = n.conf + t.conf + g.conf - perRate;
    if (!best || score > best.score) best = { n, t, g, score };
  }
  if (best) {
    // Two different totals printed under total labels: which one is owed is not certain, even
    // when one of them adds up (a subtotal before a discount may add up as well).
    // A value under a strong label at the foot of a column of values (`TOTAL TTC` over `110,00` over `Acompte 10,00`)
    // is confirmed by the other two when both were read with confidence.
    const lift = (g: Resolved<ParsedAmount>, all: readonly Resolved<ParsedAmount>[], cap: number, others: readonly Resolved<ParsedAmount>[]) => {
      const anchored = g.found.some((f) => f.strong) && others.every((o) => o.conf >= 0.85);
      const c = Math.max(Math.min(0.95, g.conf + 0.1), anchored ? 0.85 : 0);
      return conflictIn(all, g) ? Math.min(c, cap) : c;
    };
    // A line sum that contradicts the net total makes the lines doubtful, not the totals.
    return {
      net: { value: best.n.value.value, conf: lift(best.n, nets, 0.85, [best.t, best.g]) },
      tax: { value: best.t.value.value, conf: lift(best.t, taxes, 0.85, [best.n, best.g]) },
      total: { value: best.g.value.value, conf: lift(best.g, totals, 0.6, [best.n, best.t]) },
      confirmed: true,
    };
  }

  // 2. No tax total printed, but the tax per rate (`Steuerbasisbetrag USt. 19 % | 198,00 | 37,62`): the rows'
  //    taxable amounts add up to the net total, and net + their taxes = the total. Each witness is printed.
  const n0 = strongest(nets);
  const g0 = strongest(totals);
  const perRate = new Map(taxRows.map((r) => [r.rate, r]));
  if (n0 && g0 && taxes.length === 0 && perRate.size === taxRows.length && perRate.size > 0 && n0.conf >= 0.85 && g0.conf >= 0.85 && !conflictIn(nets, n0) && !conflictIn(totals, g0)) {
    const taxSum = taxRows.reduce((sum, r) => sum.add(r.tax), Decimal.ZERO);
    const taxableSum = taxRows.reduce((sum, r) => sum.add(r.taxable), Decimal.ZERO);
    if (near(taxableSum, dec(n0.value.value)) && near(dec(n0.value.value).add(taxSum), dec(g0.value.value))) {
      return { net: { value: n0.value.value, conf: 0.9 }, tax: { value: taxSum.toFixed(2), conf: 0.85 }, total: { value: g0.value.value, conf: 0.9 }, confirmed: true };
    }
  }

  // 3. No triple: each value on its own, never above 0.75 unless the lines confirm it.
  const cap = (g: Resolved<ParsedAmount> | null, all: readonly Resolved<ParsedAmount>[]) => (g ? { value: g.value.value, conf: conflictIn(all, g) ? Math.min(g.conf, 0.5) : Math.min(g.conf, 0.75) } : null);
  let net = cap(strongest(nets), nets);
  let tax = cap(strongest(taxes), taxes);
  let total = cap(strongest(totals), totals);

  if (lineSum) {
    const lineNet = nets.find((g) => near(dec(g.value.value), lineSum));
    const lineTotal = totals.find((g) => near(dec(g.value.value), lineSum));
    // Lines stated with VAT add up to a gross figure: never a confirmation of the net total.
    if (lineNet && !conflictIn(nets, lineNet) && !table!.grossStated) net = { value: lineNet.value.value, conf: Math.min(0.9, lineNet.conf + 0.05) };
    else if (lineTotal && taxes.length === 0 && !conflictIn(totals, lineTotal)) {
      // The lines add up to the total and no tax is printed: the total is right; net and tax are inferred.
      total = { value: lineTotal.value.value, conf: Math.min(0.9, lineTotal.conf + 0.1) };
      // The amount column says its amounts exclude VAT (`Zeilenbetrag ohne MwSt.`, `Montant HT`) and they add up to
      // the total printed under a strong label, with no other total and no net label: the page itself states net = total.
      const statedNet = table!.net && nets.length === 0 && lineTotal.found.some((f) => f.strong) && total.conf >= 0.85;
      net ??= { value: lineSum.toFixed(), conf: statedNet ? 0.85 : 0.6 };
      tax ??= { value: '0.00', conf: 0.5 };
    }
  }
  // 4. Derive the missing one of three, below the threshold.
  if (total && tax && !net) net = { value: dec(total.value).sub(dec(tax.value)).toFixed(), conf: Math.min(0.7, total.conf, tax.conf) };
  else if (total && net && !tax) tax = { value: dec(total.value).sub(dec(net.value)).toFixed(), conf: 0.6 };
  else if (net && tax && !total) total = { value: dec(net.value).add(dec(tax.value)).toFixed(), conf: Math.min(0.7, net.conf, tax.conf) };
  return { net, tax, total, confirmed: false };
}

function mergeGroups(groups: Resolved<ParsedAmount>[]): Resolved<ParsedAmount>[] {
  const out = new Map<string, Resolved<ParsedAmount>>();
  for (const g of groups) {
    const k = dec(g.value.value).toString();
    const prev = out.get(k);
    if (!prev) out.set(k, g);
    else {
      const cells = new Set([...prev.found, ...g.found].map((f) => f.at.cell.index));
      const max = Math.max(prev.conf, g.conf);
      out.set(k, { ...prev, conf: cells.size > 1 ? Math.min(0.95, max + 0.03) : max, found: [...prev.found, ...g.found] });
    }
  }
  return [...out.values()].sort((a, b) => b.conf - a.conf);
}

/** How far the line table can be trusted: its lines add up to the net total (or the gross total for gross lines). */
/**
 * Document-level allowances less charges, where both are printed under their labels
 * (`Gesamtbetrag der Abschläge`, `Zuschläge`, `Discount`, `Shipping`): the lines add up to the net
 * total plus this. Null when either label has two different values.
 */
function documentAdjustment(amounts: ReadonlyMap<AmountField, Found<ParsedAmount>[]>): Decimal | null {
  const one = (f: AmountField) => {
    const values = new Set((amounts.get(f) ?? []).map((x) => dec(x.value.value).abs().toString()));
    return values.size === 0 ? Decimal.ZERO : values.size === 1 ? dec([...values][0]!) : null;
  };
  const allowances = one('allowance_total');
  const charges = one('charge_total');
  if (allowances === null || charges === null || (allowances.isZero() && charges.isZero())) return null;
  return allowances.sub(charges);
}

/** Names, quantities and codes of gross lines confirmed by the gross total. */
const GROSS_ITEM = 0.85;

/**
 * Lines the page states with VAT (`Prijs incl. BTW`, `Prijzen zijn inclusief BTW`, `Prices include
 * VAT`) that add up to the total printed under a strong total label, the only total read (a second
 * total caps it under 0.85): which lines are confirmed, or null. A part already included in the
 * line above (`Incl. Thuiskopieheffing …`) is left out of the sum, and then not confirmed itself;
 * where the sum holds only with such parts counted, they are lines of their own. The line amounts
 * stay gross — they confirm the items, never the net amounts or the net total.
 */
function grossLinesConfirmed(table: LineTable | null, totals: Totals, totalsRead: readonly Found<ParsedAmount>[]): ((l: LineTable['lines'][number]) => boolean) | null {
  if (!table || !table.grossStated || table.lines.length === 0 || table.incomplete > 0 || !totals.total || totals.total.conf < 0.85) return null;
  const total = dec(totals.total.value);
  if (!totalsRead.some((f) => f.strong && near(dec(f.value.value), total))) return null;
  const sumOf = (ls: readonly LineTable['lines'][number][]) => ls.reduce((s, l) => s.add(dec(l.netAmount)), Decimal.ZERO);
  if (near(sumOf(table.lines), total)) return () => true;
  const whole = table.lines.filter((l) => !isIncludedPart(l));
  if (whole.length > 0 && whole.length < table.lines.length && near(sumOf(whole), total)) return (l) => !isIncludedPart(l);
  return null;
}

function linesConfidence(table: LineTable | null, totals: Totals, netsRead: readonly Found<ParsedAmount>[], adjustment: Decimal | null = null): number {
  if (!table || table.lines.length === 0) return 0;
  if (table.incomplete > 0) return 0.5;
  const sum = table.lines.reduce((s, l) => s.add(dec(l.netAmount)), Decimal.ZERO);
  const target = table.gross ? totals.total : totals.net;
  if (table.gross) return 0.5; // gross line amounts are not the net amounts the bill needs
  if (target && near(sum, dec(target.value))) return target.conf >= DEFAULT_THRESHOLD ? 0.9 : 0.7;
  // The sum of the lines printed as such (`Positionssumme`, `Line total`) before document
  // allowances and charges: the lines add up to what the page says they add up to.
  const printedSum = netsRead.some((f) => f.at.cell.index !== undefined && near(sum, dec(f.value.value)) && f.how !== 'column');
  if (printedSum && totals.confirmed) return 0.85;
  // Lines = net total + document allowances − document charges, each printed under its label.
  if (adjustment && target && totals.confirmed && near(sum, dec(target.value).add(adjustment))) return 0.85;
  return 0.5;
}

// ---- currency

/** A currency value next to a currency label: an ISO code (`GBP`), or a word naming one for certain (`Euro`). */
function statedCurrency(text: string): string | null {
  const t = text.replace(/^[\s:=]+/, '').trim();
  if (t.length > 40) return null;
  const codes = [...new Set(currencyCodesIn(/^[A-Za-z]{3}\.?$/.test(t) ? t.slice(0, 3).toUpperCase() : t, isCurrencyCode))];
  if (codes.length === 1) return codes[0]!;
  if (codes.length > 1) return null;
  const words = [...new Set(currencyMarks(t).certain)];
  return words.length === 1 ? words[0]! : null;
}

/**
 * The currency. Stated by label (`Rechnungswährung : GBP`, `All amounts in USD`), it wins over
 * symbols and codes printed elsewhere (a tax amount in the VAT accounting currency, BT-111, a
 * bank's currency, a conversion note): confident, unless a second label states another
 * currency, or the total itself is marked with another one. Without a label, the codes and
 * symbols on the page decide, and any disagreement between them leaves it doubtful.
 */
function resolveCurrency(ctx: Context, c: Candidates): { code: string | null; conf: number } {
  const stated = [...new Set(c.currencyStated.map((s) => s.code))];
  if (stated.length > 1) return { code: stated[0]!, conf: 0.5 };
  if (stated.length === 1) {
    const code = stated[0]!;
    const totalMarks = ['total', 'payable'].flatMap((f) => c.amounts.get(f as AmountField) ?? []).flatMap((f) => [...f.value.marks.certain, ...f.value.codes]);
    const against = totalMarks.some((m) => m !== code);
    return { code, conf: against ? 0.6 : 0.95 };
  }
  return resolveCurrencyByMarks(ctx, c);
}

function resolveCurrencyByMarks(ctx: Context, c: Candidates): { code: string | null; conf: number } {
  const certain = new Map<string, number>();
  const add = (code: string, weight = 1) => certain.set(code, (certain.get(code) ?? 0) + weight);
  for (const code of c.currencyLabels) add(code, 2);
  for (const list of c.amounts.values()) {
    for (const f of list) {
      for (const code of f.value.marks.certain) add(code, 2);
      for (const code of f.value.codes) add(code, 2);
    }
  }
  const ambiguous = new Set<string>();
  for (const line of ctx.table?.columns.map((col) => col.header) ?? []) for (const code of currencyCodesIn(line, isCurrencyCode)) add(code);
  for (const cell of ctx.layout.cells) {
    const parsed = parseAmount(cell.text, ctx.convention, isCurrencyCode);
    const marks = parsed ? parsed.marks : currencyMarks(cell.text);
    for (const code of marks.certain) add(code);
    if (parsed) for (const code of parsed.codes) add(code);
    for (const sym of marks.ambiguous) ambiguous.add(sym);
  }
  const ranked = [...certain.entries()].sort((a, b) => b[1] - a[1]);
  if (ranked.length === 0) return { code: ambiguous.size > 0 ? 'unclear' : null, conf: 0 };
  const [code, weight] = ranked[0]!;
  if (ranked.length > 1) return { code, conf: 0.5 };
  // A symbol like `$` next to a certain code is fine (US$ and USD); `$` next to `€` is not.
  const clash = [...ambiguous].some((sym) => !(sym === '$' && code === 'USD') && !(sym === '£' && code === 'GBP') && !(sym === 'Rs' && code === 'INR') && !(sym === '¥' && code === 'JPY'));
  if (clash) return { code, conf: 0.5 };
  return { code, conf: weight >= 2 ? 0.95 : 0.8 };
}

// ---- document type

function inTitleArea(ctx: Context, seg: Seg): boolean {
  return seg.cell.page === 0 && seg.cell.y < 0.45 * ctx.pageHeight(0);
}

function resolveDocumentType(ctx: Context, c: Candidates): { value: 'invoice' | 'credit_note'; conf: number } {
  const titles = c.titles.filter((t) => t.kind !== 'not_a_bill' && (inTitleArea(ctx, t.seg) || t.seg.cell.size >= 12));
  const credit = titles.some((t) => t.kind === 'credit_note');
  const invoice = titles.some((t) => t.kind === 'invoice');
  if (titles.some((t) => t.kind === 'credit_note' && t.weak)) return { value: 'credit_note', conf: 0.5 };
  if (credit && !invoice) return { value: 'credit_note', conf: 0.9 };
  if (credit && invoice) return { value: 'credit_note', conf: 0.5 };
  return { value: 'invoice', conf: invoice ? 0.9 : 0.6 };
}
