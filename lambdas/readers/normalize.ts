/**
 * Sign normalisation (spec/formats.md): "An invoice whose total is negative is read as a
 * credit_note with every amount negated". Applied to every reader's output, so the
 * decision core only ever sees credit notes with positive amounts.
 */
import type { CanonicalBill } from '../core/bill.ts';
import { Decimal } from '../core/money.ts';

type Amount = string | number | null | undefined;
type Line = NonNullable<CanonicalBill['lines']>[number];

const TOTALS = ['allowance_total', 'charge_total', 'net_total', 'tax_total', 'total', 'prepaid', 'rounding', 'payable'] as const;

/**
 * An invoice whose total (BT-112; the payable amount where no total is given) is negative
 * becomes a credit note with every amount negated. On each line the net amount and the
 * line allowances/charges are negated, and so is the quantity; where the unit price is the
 * negative one (prices are never negative in EN 16931, BR-27, but senders write them), the
 * price is negated instead, so quantity × price = net amount still holds. The VAT breakdown's
 * taxable and tax amounts are negated too (its rates stay as they are). Any other bill
 * is returned unchanged.
 */
export function normalizeSign(bill: CanonicalBill): CanonicalBill {
  if ((bill.document_type ?? 'invoice') !== 'invoice') return bill;
  const total = decimalOf(bill.total ?? bill.payable);
  if (!total || !total.isNegative()) return bill;
  const out: CanonicalBill = { ...bill, document_type: 'credit_note' };
  for (const key of TOTALS) if (bill[key] !== undefined) out[key] = negate(bill[key]);
  if (bill.lines) out.lines = bill.lines.map(negateLine);
  if (bill.tax_breakdown) {
    out.tax_breakdown = bill.tax_breakdown.map((r) => ({ ...r, taxable_amount: negate(r.taxable_amount)!, tax_amount: negate(r.tax_amount)! }));
  }
  return out;
}

function negateLine(line: Line): Line {
  const priceNegative = decimalOf(line.unit_price)?.isNegative() ?? false;
  return {
    ...line,
    quantity: priceNegative ? line.quantity : negate(line.quantity)!,
    unit_price: priceNegative ? negate(line.unit_price)! : line.unit_price,
    net_amount: negate(line.net_amount)!,
    ...(line.allowance_total !== undefined ? { allowance_total: negate(line.allowance_total) } : {}),
    ...(line.charge_total !== undefined ? { charge_total: negate(line.charge_total) } : {}),
  };
}

function decimalOf(v: Amount): Decimal | null {
  if (v === null || v === undefined) return null;
  return typeof v === 'number' ? (Number.isFinite(v) ? Decimal.tryParse(String(v)) : null) : Decimal.tryParse(v);
}

/**
 * The amount negated, keeping its text otherwise as written (`"-12.50"` → `"12.50"`,
 * `"0.00"` stays `"0.00"`). Absent or unparsable values are returned unchanged, for
 * validation to name.
 */
export function negate<T extends Amount>(v: T): T | string {
  const d = decimalOf(v);
  if (!d) return v;
  if (d.isZero()) return typeof v === 'string' ? v.trim().replace(/^[+-]/, '') : d.toFixed();
  if (typeof v !== 'string') return d.neg().toFixed();
  const t = v.trim();
  return t.startsWith('-') ? t.slice(1) : '-' + t.replace(/^\+/, '');
}
