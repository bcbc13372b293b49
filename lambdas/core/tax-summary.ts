/**
 * Tax per rate and charges of a bill, in short lines for people (the approval email, the bill
 * page): what `TAX_INVALID` and `UNEXPECTED_CHARGE` judged, shown beside the verdict.
 */
import type { CanonicalBill } from './bill.ts';
import { Decimal, formatAmount, isCurrencyCode } from './money.ts';

const dec = (v: unknown): Decimal | null => (v === null || v === undefined || v === '' ? null : Decimal.tryParse(String(v)));

export interface TaxAndCharges {
  /** `19 % (S): 23.75 on 125.00`, one per breakdown row; or the total and its effective rate. */
  readonly tax: readonly string[];
  /** `document charges 700.00`, `line 1 charges 800.00`, `document allowances 5.00`. */
  readonly charges: readonly string[];
}

export function taxAndCharges(c: CanonicalBill | null | undefined): TaxAndCharges {
  if (!c) return { tax: [], charges: [] };
  const currency = typeof c.currency === 'string' ? c.currency.toUpperCase() : '';
  const m = (d: Decimal) => (isCurrencyCode(currency) ? formatAmount(d, currency) : d.toString());
  const tax: string[] = [];
  for (const r of c.tax_breakdown ?? []) {
    const rate = dec(r.rate);
    const base = dec(r.taxable_amount);
    const amount = dec(r.tax_amount);
    tax.push(`${rate ? `${rate.toString()} %` : 'no rate'}${r.category ? ` (${r.category})` : ''}: ${amount ? m(amount) : '?'} on ${base ? m(base) : '?'}`);
  }
  if (tax.length === 0) {
    const total = dec(c.tax_total) ?? Decimal.ZERO;
    const net = dec(c.net_total);
    if (total.isZero()) tax.push('none');
    else tax.push(`${m(total)} on net ${net ? m(net) : '?'}${net && !net.isZero() ? ` (${total.mul(Decimal.HUNDRED).div(net, 1).toFixed(1)} %)` : ''}; no breakdown by rate given`);
  }
  const charges: string[] = [];
  const docCharge = dec(c.charge_total);
  if (docCharge && !docCharge.isZero()) charges.push(`document charges ${m(docCharge)}`);
  for (const l of c.lines ?? []) {
    const lc = dec(l.charge_total);
    if (lc && !lc.isZero()) charges.push(`line ${l.line_id} charges ${m(lc)}`);
  }
  const allowance = dec(c.allowance_total);
  if (allowance && !allowance.isZero()) charges.push(`document allowances ${m(allowance)}`);
  return { tax, charges };
}
