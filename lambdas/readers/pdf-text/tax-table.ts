/**
 * The VAT breakdown (BG-23) where a bill prints one: a tax table per rate
 * (`USt-Satz | Netto | USt | Brutto` / `19 % | 100,00 | 19,00 | 119,00`) or a tax line per rate
 * (`zzgl. 19 % MwSt. auf 358,00 €  68,02 €`, `VAT 20% on 120.00  24.00`).
 *
 * A row outside the line table is a breakdown row when it holds one rate (`19 %`) and two
 * amounts of which the second is the first × rate (rounded to the cent, one cent of slack):
 * taxable amount and tax amount. A row with a rate, a tax label and a single amount is a tax
 * amount whose taxable amount is not printed; it is used only when the bill has one rate, with
 * the net total as its taxable amount. The rows are kept only when they add up to the totals
 * read elsewhere (Σ tax = tax total, Σ taxable = net total): a breakdown is never guessed.
 */
import { Decimal } from '../../core/money.ts';
import type { PdfLayout } from '../pdf-layout.ts';
import { labelsOf } from './labels.ts';
import { fold, normaliseNumber, type DecimalConvention } from './values.ts';

export interface TaxRowRead {
  readonly rate: string;
  readonly taxable: Decimal;
  readonly tax: Decimal;
}

const RATE = /(\d{1,2}(?:[.,]\d{1,3})?)\s*%/g;
const NUMBER = /\(?[-−]?\d{1,3}(?:(?:[.,'’\u00a0\u202f]|\s(?=\d{3}(?:\D|$)))\d{3})*(?:[.,]\d{1,2})?(?!\d)\)?|\(?[-−]?\d+(?:[.,]\d{1,2})?(?!\d)\)?/g;
const TAX_WORDS = /\b(?:vat|tax|gst|hst|mwst|ust|umsatzsteuer|mehrwertsteuer|steuer|tva|iva|btw|imposta)\b/;
const CENT = Decimal.parse('0.01');

/** The rows of a page that read as breakdown rows (a rate and taxable → tax), outside `skipRows`. */
export function taxRowsOf(layout: PdfLayout, convention: DecimalConvention, skipRows: ReadonlySet<number>): { rows: TaxRowRead[]; taxOnly: { rate: string; tax: Decimal }[] } {
  const rows: TaxRowRead[] = [];
  const taxOnly: { rate: string; tax: Decimal }[] = [];
  for (const row of layout.rows) {
    if (skipRows.has(row.index)) continue;
    const text = row.cells.map((c) => c.text).join('   ');
    const rates = [...text.matchAll(RATE)];
    if (rates.length !== 1) continue;
    const rateText = rates[0]![1]!.replace(',', '.');
    const rate = Decimal.tryParse(rateText);
    if (!rate || rate.gt(Decimal.parse('50'))) continue;
    const rest = text.replace(RATE, ' ');
    // Dates and ids are not amounts: drop them before looking for numbers.
    const cleaned = rest.replace(/\b\d{1,4}[./-]\d{1,2}[./-]\d{2,4}\b/g, ' ').replace(/\b[A-Z]{2}\d{6,}\b/g, ' ');
    const amounts = [...cleaned.matchAll(NUMBER)]
      .map((m) => amountOf(m[0], convention))
      .filter((d): d is Decimal => d !== null);
    const pair = pairOf(amounts, rate);
    if (pair) {
      rows.push({ rate: rate.toString(), taxable: pair.taxable, tax: pair.tax });
      continue;
    }
    const labelled = TAX_WORDS.test(fold(text)) || row.cells.some((c) => labelsOf(c.text)[0]?.field === 'tax_total');
    if (labelled && amounts.length === 1) taxOnly.push({ rate: rate.toString(), tax: amounts[0]! });
  }
  return { rows, taxOnly };
}

function amountOf(raw: string, convention: DecimalConvention): Decimal | null {
  let t = raw.trim();
  let negative = false;
  if (/^\(.*\)$/.test(t)) {
    negative = true;
    t = t.slice(1, -1);
  }
  if (/^[-−]/.test(t)) {
    negative = !negative;
    t = t.slice(1);
  }
  const n = normaliseNumber(t, convention);
  if (!n || n.ambiguous) return null;
  const d = Decimal.tryParse(n.value);
  return d ? (negative ? d.neg() : d) : null;
}

/** The first (taxable, tax) pair, in printed order, for which taxable × rate ÷ 100 = tax within a cent. */
function pairOf(amounts: readonly Decimal[], rate: Decimal): { taxable: Decimal; tax: Decimal } | null {
  for (let i = 0; i < amounts.length; i++) {
    for (let j = i + 1; j < amounts.length; j++) {
      const taxable = amounts[i]!;
      const tax = amounts[j]!;
      if (taxable.isZero() && !tax.isZero()) continue;
      if (rate.isZero() ? tax.isZero() && !taxable.isZero() : fits(taxable, rate, tax)) return { taxable, tax };
    }
  }
  return null;
}

function fits(taxable: Decimal, rate: Decimal, tax: Decimal): boolean {
  return !tax.isZero() && taxable.mul(rate).div(Decimal.HUNDRED, 2).sub(tax).abs().lte(CENT);
}

/**
 * The breakdown the page prints, when it agrees with the totals: rows deduplicated (a summary
 * printed twice), Σ tax = tax total and, where known, Σ taxable = net total. Null otherwise.
 */
export function breakdownOf(
  found: { rows: readonly TaxRowRead[]; taxOnly: readonly { rate: string; tax: Decimal }[] },
  net: Decimal | null,
  taxTotal: Decimal | null,
): TaxRowRead[] | null {
  if (taxTotal === null) return null;
  const unique = new Map<string, TaxRowRead>();
  for (const r of found.rows) unique.set(`${r.rate}|${r.taxable.toString()}|${r.tax.toString()}`, r);
  let rows = [...unique.values()];
  // One row per rate: two different rows of one rate (a per-line rate column read as a table) are no breakdown.
  if (new Set(rows.map((r) => r.rate)).size !== rows.length) return null;
  if (rows.length === 0) {
    const rates = new Set(found.taxOnly.map((t) => t.rate));
    const only = found.taxOnly[0];
    if (rates.size !== 1 || !only || net === null) return null;
    if (!only.tax.eq(taxTotal) || !fits(net, Decimal.parse(only.rate), only.tax)) return null;
    rows = [{ rate: only.rate, taxable: net, tax: only.tax }];
  }
  const taxSum = rows.reduce((s, r) => s.add(r.tax), Decimal.ZERO);
  const taxableSum = rows.reduce((s, r) => s.add(r.taxable), Decimal.ZERO);
  if (taxSum.sub(taxTotal).abs().gt(CENT)) return null;
  if (net !== null && taxableSum.sub(net).abs().gt(CENT)) return null;
  return rows;
}
