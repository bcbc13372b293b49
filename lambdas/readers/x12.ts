/**
 * ANSI X12 810 (Invoice) → canonical bills, one per ST/SE 810 transaction set, numbered
 * across the whole interchange. Separators come from the ISA segment itself.
 *
 * X12 states no line net amounts and no net total: they are derived exactly (quantity ×
 * price, less line allowances plus line charges; the sum of lines, less summary allowances
 * plus summary charges). Tax is what the document states (TXI, tax-coded SAC) and nothing
 * else: it is never derived as total − net, which would make an inconsistent TDS balance.
 * The choices are documented in docs/formats-mapping.md.
 */
import { Decimal } from '../core/money.ts';
import { emptyBill, emptyLine, sumAmounts, toCanonical, unreadable, ymdToIso, type DraftBill, type DraftLine, type DraftTaxRow } from './canonical.ts';
import { sha256Hex } from './hash.ts';
import type { ReadInput, ReadResult } from './types.ts';

export const X12_FORMAT = 'x12-810';

export interface X12Separators {
  readonly element: string;
  readonly component: string;
  readonly segment: string;
}

type Segment = readonly string[];

/** True when the text (after a BOM and white space) starts with an ISA segment. */
export function looksLikeX12(bytes: Uint8Array): boolean {
  return /^\uFEFF?\s*ISA[^A-Za-z0-9\s]/.test(new TextDecoder('latin1').decode(bytes.subarray(0, 16)).replace(/^\u00ef\u00bb\u00bf/, ''));
}

/**
 * The separators an interchange declares: the element separator is the character after
 * `ISA`; ISA16 (one character after the 16th element separator) is the component separator
 * and the character after it terminates segments. Null when the ISA is truncated.
 */
export function x12Separators(isaText: string): X12Separators | null {
  const element = isaText[3];
  if (element === undefined || /[A-Za-z0-9\s]/.test(element)) return null;
  let at = 3;
  for (let n = 1; n < 16; n++) {
    at = isaText.indexOf(element, at + 1);
    if (at === -1) return null;
  }
  const component = isaText[at + 1];
  const segment = isaText[at + 2];
  if (component === undefined || segment === undefined) return null;
  return { element, component, segment };
}

/** Splits interchange text into segments of trimmed elements (CR/LF and indentation ignored). */
export function x12Segments(text: string, sep: X12Separators): Segment[] {
  return text
    .split(sep.segment)
    .map((s) => s.replace(/^[\s\uFEFF]+|[\r\n]+$/g, '').trim())
    .filter((s) => s !== '')
    .map((s) => s.split(sep.element).map((e) => e.trim()));
}

/** Reads every 810 transaction set of an interchange. Never throws. */
export function readX12(input: ReadInput): ReadResult[] {
  const text = decodeX12(input.bytes).replace(/^\uFEFF?\s*/, '');
  const sep = x12Separators(text);
  if (!sep) return [unreadable(X12_FORMAT, input.filename, 'X12 ISA segment is truncated or malformed (cannot find its separators)', input.bytes)];
  const sets = transactionSets(x12Segments(text, sep));
  const invoices = sets.filter((s) => s[0]?.[1] === '810');
  if (invoices.length === 0) {
    const kinds = [...new Set(sets.map((s) => s[0]?.[1] ?? '?'))].join(', ') || 'none';
    return [unreadable(X12_FORMAT, input.filename, `X12 interchange holds no 810 invoice (transaction sets: ${kinds})`, input.bytes)];
  }
  const documentHash = sha256Hex(input.bytes);
  const version = text.split(sep.segment)[0]?.split(sep.element)[12]?.trim() ?? '';
  return invoices.map((set, part) => ({
    part,
    format: X12_FORMAT,
    bill: toCanonical(readInvoice(set, sep, version)),
    exceptions: [],
    documentHash,
    origin: `ST ${set[0]?.[2] ?? ''}`.trim(),
  }));
}

/** UTF-8 where the bytes are valid UTF-8 (X12 is nearly always ASCII), else Latin-1. */
function decodeX12(bytes: Uint8Array): string {
  try {
    return new TextDecoder('utf-8', { fatal: true }).decode(bytes);
  } catch {
    return new TextDecoder('latin1').decode(bytes);
  }
}

/** Groups segments into ST…SE transaction sets (segments outside any set are dropped). */
function transactionSets(segments: readonly Segment[]): Segment[][] {
  const sets: Segment[][] = [];
  let current: Segment[] | null = null;
  for (const seg of segments) {
    if (seg[0] === 'ST') sets.push((current = [seg]));
    else if (current) {
      current.push(seg);
      if (seg[0] === 'SE') current = null;
    }
  }
  return sets;
}

const SELLER_CODES = new Set(['SE', 'II', 'VN', 'SU', 'RI']);
const BUYER_CODES = new Set(['BY', 'BT']);
/** Product id qualifiers: the seller's codes first, then the buyer's. */
const SELLER_ITEM_QUALIFIERS = ['VP', 'VN', 'SK'];
const BUYER_ITEM_QUALIFIERS = ['BP', 'IN'];
/** SAC02 codes that are a tax, not an allowance or charge (D360 GST, H850 tax). */
const TAX_SAC_CODES = new Set(['D360', 'H850']);
/** IT105 basis of unit price codes that price a hundred or a thousand units. */
const PRICE_BASIS: Record<string, string> = { HP: '100', TP: '1000' };

interface Summary {
  taxes: string[];
  allowances: string[];
  charges: string[];
}

/** One TXI segment: TXI01 tax type, TXI02 amount, TXI03 percent, TXI06 exempt code, TXI08 basis. */
interface Txi {
  readonly type: string | null;
  readonly amount: string | null;
  readonly percent: string | null;
  readonly exempt: string | null;
  readonly basis: string | null;
}

/** One 810 transaction set → draft bill. `version` is ISA12 (`00401`, `00501`, …). */
function readInvoice(set: readonly Segment[], sep: X12Separators, version = ''): DraftBill {
  const bill = emptyBill();
  const lines: { line: DraftLine; allowances: string[]; charges: string[] }[] = [];
  const summary: Summary = { taxes: [], allowances: [], charges: [] };
  const txis: Txi[] = [];
  const notes: string[] = [];
  let tds: string | null = null;
  for (const seg of set) {
    const el = (n: number) => value(seg[n], sep);
    const current = lines.at(-1);
    switch (seg[0]) {
      case 'BIG':
        bill.issue_date = ymdToIso(el(1));
        bill.invoice_number = el(2);
        bill.po_reference = el(4);
        if (el(7) === 'CR') bill.document_type = 'credit_note';
        break;
      case 'CUR':
        bill.currency ??= el(2);
        break;
      case 'NTE':
        if (el(2)) notes.push(el(2)!);
        break;
      case 'N1':
        readParty(bill, el(1), el(2));
        break;
      case 'ITD':
        bill.due_date ??= ymdToIso(el(6));
        break;
      case 'IT1':
        lines.push({ line: readIt1(seg, sep, lines.length + 1), allowances: [], charges: [] });
        break;
      case 'PID':
        if (current && current.line.description === null) current.line.description = el(5);
        break;
      case 'SAC':
        readSac(el, tds === null && current ? current : summary, summary);
        break;
      case 'TXI':
        // Line-level TXI (inside an IT1 loop) and summary TXI both state tax of this invoice.
        if (el(2)) summary.taxes.push(decimalR(el(2)!));
        txis.push({ type: el(1), amount: el(2) && decimalR(el(2)!), percent: el(3) && decimalR(el(3)!), exempt: el(6), basis: el(8) && decimalR(el(8)!) });
        break;
      case 'TDS':
        tds = el(1);
        break;
    }
  }
  bill.notes = notes.length > 0 ? notes.join('\n') : null;
  bill.lines = lines.map(finishLine);
  bill.allowance_total = n2Sum(summary.allowances);
  bill.charge_total = n2Sum(summary.charges);
  bill.net_total = netTotal(bill);
  bill.tax_total = summary.taxes.length > 0 ? sumAmounts(summary.taxes) : null;
  bill.tax_breakdown = taxBreakdown(txis, bill.net_total, version);
  bill.total = tds === null ? null : n2(tds);
  bill.payable = bill.total;
  return bill;
}

/** TXI01 codes that are a value added or goods and services tax (their rows get a VAT category). */
const VAT_TYPES = new Set(['VA', 'GS']);
/** TXI06 (element 441) codes that mean the amount is exempt from the tax. */
const EXEMPT_CODES = new Set(['0', '1', '4', '8']);

/**
 * BG-23 from TXI segments, one row per tax type and rate (line-level TXIs of the same type
 * and rate add up). BT-117 = TXI02; BT-119 = TXI03 as a percent (`rateOf`); BT-116 = TXI08
 * (dollar basis for percent) where every TXI of the row gives it, else the net total when
 * the invoice has a single row. BT-118: VA/GS taxes are S (rate > 0), Z (rate 0) or E (TXI06
 * exempt); other taxes (state or local sales tax, …) have no VAT category and keep null.
 * Null when there is no TXI with an amount, or a row's rate or taxable amount cannot be known.
 */
function taxBreakdown(txis: readonly Txi[], netTotal: string | null, version: string): DraftTaxRow[] | null {
  const rows = new Map<string, { type: string | null; rate: string | null; exempt: boolean; amounts: string[]; bases: (string | null)[] }>();
  for (const t of txis) {
    if (t.amount === null) continue;
    const rate = rateOf(t, version);
    const key = `${t.type ?? ''}|${rate === null ? '' : Decimal.parse(rate).normalized().toString()}`;
    const row = rows.get(key) ?? { type: t.type, rate, exempt: false, amounts: [], bases: [] };
    row.amounts.push(t.amount);
    row.bases.push(t.basis);
    row.exempt ||= t.exempt !== null && EXEMPT_CODES.has(t.exempt);
    rows.set(key, row);
  }
  if (rows.size === 0) return null;
  const out: DraftTaxRow[] = [];
  for (const row of rows.values()) {
    const taxable = row.bases.every((b) => b !== null) ? sumAmounts(row.bases as string[]) : rows.size === 1 ? netTotal : null;
    // EN 16931 has no row without a rate (BT-119): a TXI without TXI03 gives no breakdown.
    if (taxable === null || row.rate === null) return null;
    const zero = row.rate !== null && Decimal.parse(row.rate).isZero();
    const category = !VAT_TYPES.has(row.type ?? '') ? null : row.exempt ? 'E' : zero ? 'Z' : row.rate !== null ? 'S' : null;
    out.push({ category, rate: row.rate, taxable_amount: taxable, tax_amount: sumAmounts(row.amounts) });
  }
  return out;
}

/**
 * TXI03 as a percent. Element 954 is "percentage expressed as a decimal"; from version 005010
 * the dictionary says 0.0 … 1.0 is 0 % … 100 %, while 004010 senders mostly write 8.25 for
 * 8.25 %. Where TXI02 and TXI08 are both given, the reading that makes basis × rate = amount
 * (within a cent) wins; otherwise a value ≤ 1 is a fraction from 005010 on, a percent before.
 */
function rateOf(t: Txi, version: string): string | null {
  const p = t.percent === null ? null : Decimal.tryParse(t.percent);
  if (p === null) return null;
  const asPercent = p;
  const fromFraction = p.mul(Decimal.HUNDRED).normalized();
  const amount = t.amount === null ? null : Decimal.tryParse(t.amount);
  const basis = t.basis === null ? null : Decimal.tryParse(t.basis);
  if (amount && basis && !basis.isZero() && !p.isZero()) {
    const cent = Decimal.parse('0.01');
    const fits = (r: Decimal) => basis.mul(r).div(Decimal.HUNDRED, 2).sub(amount).abs().lte(cent);
    if (fits(asPercent) && !fits(fromFraction)) return t.percent;
    if (fits(fromFraction) && !fits(asPercent)) return fromFraction.toString();
  }
  return version >= '00501' && p.lte(Decimal.ONE) ? fromFraction.toString() : t.percent;
}

function readParty(bill: DraftBill, code: string | null, name: string | null): void {
  if (code === null || name === null) return;
  if (SELLER_CODES.has(code)) bill.supplier.name ??= name;
  if (BUYER_CODES.has(code)) bill.buyer.name ??= name;
}

function readIt1(seg: Segment, sep: X12Separators, position: number): DraftLine {
  const el = (n: number) => value(seg[n], sep);
  const line = emptyLine();
  // IT101 is optional in X12; the line's position stands in for it.
  line.line_id = el(1) ?? String(position);
  line.quantity = el(2) === null ? null : decimalR(el(2)!);
  line.unit_code = el(3);
  line.unit_price = el(4) === null ? null : decimalR(el(4)!);
  line.price_base_quantity = PRICE_BASIS[el(5) ?? ''] ?? null;
  const ids = new Map<string, string>();
  for (let n = 6; n + 1 < seg.length; n += 2) {
    const qualifier = el(n);
    const id = el(n + 1);
    if (qualifier && id && !ids.has(qualifier)) ids.set(qualifier, id);
  }
  const code = [...SELLER_ITEM_QUALIFIERS, ...BUYER_ITEM_QUALIFIERS].find((q) => ids.has(q));
  line.item_code = code ? ids.get(code)! : null;
  return line;
}

/** SAC01 A (allowance) / C (charge), SAC05 amount with two implied decimals; tax-coded SACs are tax. */
function readSac(el: (n: number) => string | null, into: { allowances: string[]; charges: string[] }, summary: Summary): void {
  const amount = el(5);
  if (amount === null) return;
  if (TAX_SAC_CODES.has(el(2) ?? '')) summary.taxes.push(n2(amount));
  else if (el(1) === 'A') into.allowances.push(amount);
  else if (el(1) === 'C') into.charges.push(amount);
}

/** Line net = quantity × price ÷ base − allowances + charges, exactly. */
function finishLine(entry: { line: DraftLine; allowances: string[]; charges: string[] }): DraftLine {
  const line = entry.line;
  line.allowance_total = n2Sum(entry.allowances);
  line.charge_total = n2Sum(entry.charges);
  const q = line.quantity === null ? null : Decimal.tryParse(line.quantity);
  const p = line.unit_price === null ? null : Decimal.tryParse(line.unit_price);
  if (q && p) {
    // The exact product at the scale of its factors (2 × 12.50 = 25.00, not 25).
    let net = Decimal.ofUnits(q.units * p.units, q.scale + p.scale);
    if (line.price_base_quantity) net = net.div(Decimal.parse(line.price_base_quantity), Math.max(net.scale, 2));
    if (line.allowance_total) net = net.sub(Decimal.parse(line.allowance_total));
    if (line.charge_total) net = net.add(Decimal.parse(line.charge_total));
    line.net_amount = net.toFixed();
  }
  return line;
}

/** Σ line net − summary allowances + summary charges; null when a line net could not be computed. */
function netTotal(bill: DraftBill): string | null {
  let sum = Decimal.ZERO;
  for (const l of bill.lines) {
    const net = l.net_amount === null ? null : Decimal.tryParse(l.net_amount);
    if (!net) return null;
    sum = sum.add(net);
  }
  if (bill.allowance_total) sum = sum.sub(Decimal.parse(bill.allowance_total));
  if (bill.charge_total) sum = sum.add(Decimal.parse(bill.charge_total));
  return sum.toFixed();
}

/** An element's text (first component of a composite), or null when empty. */
function value(raw: string | undefined, sep: X12Separators): string | null {
  if (raw === undefined) return null;
  const first = raw.split(sep.component)[0]!.trim();
  return first === '' ? null : first;
}

/** An X12 R (real) value as a decimal string: `.5` → `0.5`, otherwise as written. */
function decimalR(raw: string): string {
  return raw.replace(/^([+-]?)\./, '$10.');
}

/** An X12 N2 value (two implied decimals): `843202` → `8432.02`; left as written when not digits. */
export function n2(raw: string): string {
  const m = /^([+-]?)(\d+)$/.exec(raw.trim());
  if (!m) return raw;
  return Decimal.ofUnits(BigInt(m[1] === '-' ? '-' + m[2] : m[2]!), 2).toFixed();
}

function n2Sum(raws: readonly string[]): string | null {
  return sumAmounts(raws.map(n2));
}
