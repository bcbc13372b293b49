/** Line matching and the three-way / two-way checks (spec/domain.md §4). */
import { exception, type BillException } from './exceptions.ts';
import type { PoLine, PurchaseOrder, Tolerances } from './master.ts';
import { Decimal, minorUnit, oneMinorUnit } from './money.ts';
import { jaccard, normalizeItemCode, tokens } from './normalize.ts';
import type { Bill, BillLine } from './validate.ts';

export type MatchedBy = 'item_code' | 'po_line' | 'description';

export interface LineMatch {
  readonly line_id: string;
  readonly po_line: string | null;
  readonly matched_by: MatchedBy | null;
  readonly quantity: string;
  /** Bill unit price per one unit (unit_price ÷ price_base_quantity), exact. */
  readonly unit_price: string;
  readonly po_unit_price: string | null;
  readonly price_limit: string | null;
  readonly available: string | null;
  readonly ordered: string | null;
  readonly received: string | null;
  readonly already_billed: string | null;
}

export interface MatchResult {
  readonly lines: readonly LineMatch[];
  readonly exceptions: readonly BillException[];
  /** Quantity this bill bills per PO line number (what it reserves). */
  readonly reservations: ReadonlyMap<string, Decimal>;
}

const DESCRIPTION_MIN_SIMILARITY = 0.5;

/**
 * The PO line a bill line matches: by item code; a line with no code, or whose code is on no
 * PO line, by the PO line number it references; else by description (the unique PO line
 * with the highest token Jaccard similarity ≥ 0.5).
 */
export function findPoLine(
  line: Pick<BillLine, 'item_code' | 'po_line' | 'description'>,
  poLines: readonly PoLine[],
  opts: { useLineReference: boolean } = { useLineReference: true },
): { poLine: PoLine; by: MatchedBy } | null {
  const code = normalizeItemCode(line.item_code);
  if (code) {
    // Several PO lines with one code: the referenced line wins, else the first.
    let first: PoLine | undefined;
    for (const p of poLines) {
      // A code already in its normal form (the usual case) needs no normalizing to compare.
      if (p.item_code !== code && normalizeItemCode(p.item_code) !== code) continue;
      if (line.po_line && p.line_no === line.po_line) return { poLine: p, by: 'item_code' };
      first ??= p;
    }
    if (first) return { poLine: first, by: 'item_code' };
  }
  if (opts.useLineReference && line.po_line) {
    const ref = line.po_line.trim();
    const byRef = poLines.find((p) => p.line_no === ref || stripZeros(p.line_no) === stripZeros(ref));
    if (byRef) return { poLine: byRef, by: 'po_line' };
  }
  const want = tokens(line.description);
  if (want.size === 0) return null;
  let best: PoLine | null = null;
  let bestScore = -1;
  let tie = false;
  for (const p of poLines) {
    const score = jaccard(want, poLineTokens(p));
    if (score > bestScore) {
      best = p;
      bestScore = score;
      tie = false;
    } else if (score === bestScore) tie = true;
  }
  if (best && !tie && bestScore >= DESCRIPTION_MIN_SIMILARITY) return { poLine: best, by: 'description' };
  return null;
}

/** The tokens of a PO line's description, once per line (the master's lines serve many bills). */
function poLineTokens(p: PoLine): ReadonlySet<string> {
  let t = lineTokens.get(p);
  if (!t) {
    t = tokens(p.description);
    lineTokens.set(p, t);
  }
  return t;
}
const lineTokens = new WeakMap<PoLine, ReadonlySet<string>>();

/** A PO line's price limit (its price × the tolerance factor), once per line and factor. */
function priceLimit(p: PoLine, factor: Decimal): Decimal {
  const hit = limits.get(p);
  if (hit && hit.factor === factor) return hit.limit;
  const limit = p.unit_price.mul(factor);
  limits.set(p, { factor, limit });
  return limit;
}
const limits = new WeakMap<PoLine, { readonly factor: Decimal; readonly limit: Decimal }>();

const stripZeros = (s: string) => s.trim().replace(/^0+(?=\d)/, '');

/** A price with at least the currency's minor digits, more where it has them: `10.40`, `58.6806`. */
function price(d: Decimal, currency: string): string {
  const n = d.normalized();
  return n.toFixed(Math.max(n.scale, minorUnit(currency)));
}

/** `1 + p/100`, once per tolerance (the policy's tolerances are the same on every bill). */
function pct(p: Decimal): Decimal {
  let f = factors.get(p);
  if (!f) {
    f = Decimal.ONE.add(p.div(Decimal.HUNDRED, p.scale + 2));
    factors.set(p, f);
  }
  return f;
}
const factors = new WeakMap<Decimal, Decimal>();

/**
 * Matches every bill line against the PO and checks price and quantity.
 * `billedBefore` is the quantity already billed per PO line by earlier bills.
 */
export function matchLines(
  bill: Bill,
  po: PurchaseOrder,
  billedBefore: ReadonlyMap<string, Decimal>,
  tol: Tolerances,
): MatchResult {
  const found: BillException[] = [];
  const out: LineMatch[] = [];
  const thisBill = new Map<string, Decimal>();
  const minor = oneMinorUnit(bill.currency);
  const priceFactor = pct(tol.price_tolerance_pct);
  const qtyFactor = pct(tol.quantity_tolerance_pct);

  for (const line of bill.lines) {
    const unit = (line.price_base_quantity.eq(Decimal.ONE) ? line.unit_price : line.unit_price.div(line.price_base_quantity, Math.max(line.unit_price.scale, 4) + 2)).normalized();
    const hit = findPoLine(line, po.lines);
    if (!hit) {
      found.push(exception('UNMATCHED_LINE', `line ${line.line_id}${line.description ? ` ("${line.description}")` : ''} matches no line of ${po.po_number}`, line.line_id));
      out.push({
        line_id: line.line_id, po_line: null, matched_by: null, quantity: line.quantity.toString(), unit_price: unit.toString(),
        po_unit_price: null, price_limit: null, available: null, ordered: null, received: null, already_billed: null,
      });
      continue;
    }
    const p = hit.poLine;

    // Price, on the line's amount: net amount > quantity × PO price × (1 + tolerance), exact, by
    // more than one minor unit. A price per 100 units or under one minor unit hides nothing.
    const atPo = line.quantity.mul(p.unit_price);
    const limit = priceLimit(p, priceFactor);
    const amountLimit = atPo.mul(priceFactor);
    if (line.net_amount.gt(amountLimit.add(minor))) {
      const scale = minorUnit(bill.currency);
      found.push(
        exception(
          'PRICE_VARIANCE',
          `line ${line.line_id}: amount ${line.net_amount.toFixed(scale)} > ${line.quantity} × PO ${price(p.unit_price, bill.currency)} + ${tol.price_tolerance_pct}% (${price(amountLimit.round(Math.max(scale, Math.min(amountLimit.scale, 4))), bill.currency)}); unit price ${price(unit, bill.currency)}`,
          line.line_id,
        ),
      );
    }

    // Quantity: available = received (or ordered, two-way) − billed before − earlier lines of this bill.
    const basis = p.receipt_required ? p.received : p.quantity;
    const before = (billedBefore.get(p.line_no) ?? Decimal.ZERO).add(thisBill.get(p.line_no) ?? Decimal.ZERO);
    const available = basis.sub(before);
    const allowed = available.mul(qtyFactor);
    if (line.quantity.gt(allowed)) {
      const what = p.receipt_required ? `received ${p.received}` : `ordered ${p.quantity} (no receipt required)`;
      found.push(
        exception(
          'QUANTITY_VARIANCE',
          `line ${line.line_id}: quantity ${line.quantity} > available ${available} (${what} − already billed ${before})${tol.quantity_tolerance_pct.isZero() ? '' : ` + ${tol.quantity_tolerance_pct}%`} on ${po.po_number} line ${p.line_no}`,
          line.line_id,
        ),
      );
    }
    thisBill.set(p.line_no, (thisBill.get(p.line_no) ?? Decimal.ZERO).add(line.quantity));
    out.push({
      line_id: line.line_id,
      po_line: p.line_no,
      matched_by: hit.by,
      quantity: line.quantity.toString(),
      unit_price: unit.toString(),
      po_unit_price: p.unit_price.toString(),
      price_limit: limit.toString(),
      available: available.toString(),
      ordered: p.quantity.toString(),
      received: p.receipt_required ? p.received.toString() : null,
      already_billed: before.toString(),
    });
  }
  return { lines: out, exceptions: found, reservations: thisBill };
}
