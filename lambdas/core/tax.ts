/**
 * Tax and charges (spec/domain.md §4a, §2 `UNEXPECTED_CHARGE`): the tax a bill states must
 * follow from its amounts at an accepted rate, and document-level charges stay within the
 * policy's limit. Exact decimals; each computed tax is rounded half-up to the minor unit and
 * may differ from the stated one by at most one minor unit.
 */
import { exception, type BillException } from './exceptions.ts';
import { Decimal, formatAmount, minorUnit, oneMinorUnit } from './money.ts';
import type { Bill } from './validate.ts';

/**
 * The default accepted rates: 0 and every standard, reduced, super-reduced and parking VAT rate
 * in force on 2026-01-01 in the EU member states (regional rates of Madeira, the Azores and the
 * Greek islands included), the UK, Norway and Switzerland. Country by country, with the source,
 * in docs/decisions.md ("Tax").
 */
export const DEFAULT_TAX_RATES: readonly string[] = [
  '0', '2.1', '2.6', '3', '3.8', '4', '4.8', '5', '5.5', '6', '7', '8', '8.1', '9', '9.5', '10', '11', '12',
  '13', '13.5', '14', '15', '16', '17', '18', '19', '20', '21', '22', '23', '24', '25', '25.5', '27',
];

const pctText = (d: Decimal) => d.toString();

/** `tax 560.00 on net 430.00 is 130.2 %`: the effective rate, one decimal, for messages. */
function effectiveRate(tax: Decimal, base: Decimal): string {
  if (base.isZero()) return 'n/a';
  return tax.mul(Decimal.HUNDRED).div(base, 1).toFixed(1);
}

/** Tax at a rate, rounded half-up to the currency's minor unit. */
export function taxAt(base: Decimal, rate: Decimal, currency: string): Decimal {
  return base.mul(rate).div(Decimal.HUNDRED, minorUnit(currency));
}

/** `TAX_INVALID` findings (none when the tax follows from the bill at an accepted rate). */
export function checkTax(bill: Bill, rates: readonly Decimal[]): BillException[] {
  const cur = bill.currency;
  const m = (d: Decimal) => formatAmount(d, cur);
  const one = oneMinorUnit(cur);
  const near = (a: Decimal, b: Decimal) => !a.differsByMoreThan(b, one);
  const accepted = (r: Decimal) => rates.some((x) => x.eq(r));
  // Only a finding needs the list in words.
  let listText: string | null = null;
  const list = () => (listText ??= rates.map(pctText).join(', '));
  const found: BillException[] = [];

  const rows = bill.tax_breakdown;
  if (rows && rows.length > 0) {
    rows.forEach((row, i) => {
      const label = `tax row ${i + 1}${row.category ? ` (${row.category})` : ''}`;
      // EN 16931 gives no rate for category O (outside the scope of VAT): a rateless row without tax is 0 %.
      if (row.rate === null && near(row.tax_amount, Decimal.ZERO)) return;
      if (row.rate === null) {
        found.push(exception('TAX_INVALID', `${label}: no rate is given for tax ${m(row.tax_amount)} on ${m(row.taxable_amount)}; accepted rates: ${list()}`));
        return;
      }
      if (!accepted(row.rate)) {
        found.push(exception('TAX_INVALID', `${label}: rate ${pctText(row.rate)} % is not an accepted rate; accepted rates: ${list()}`));
      }
      const due = taxAt(row.taxable_amount, row.rate, cur);
      if (!near(due, row.tax_amount)) {
        found.push(exception('TAX_INVALID', `${label}: tax ${m(row.tax_amount)} on ${m(row.taxable_amount)} at ${pctText(row.rate)} % should be ${m(due)}`));
      }
    });
    const taxable = rows.reduce((s, r) => s.add(r.taxable_amount), Decimal.ZERO);
    const tax = rows.reduce((s, r) => s.add(r.tax_amount), Decimal.ZERO);
    if (!near(taxable, bill.net_total)) {
      found.push(exception('TAX_INVALID', `the tax rows' taxable amounts add up to ${m(taxable)}, not the net total ${m(bill.net_total)}`));
    }
    if (!near(tax, bill.tax_total)) {
      found.push(exception('TAX_INVALID', `the tax rows add up to ${m(tax)}, not the tax total ${m(bill.tax_total)}`));
    }
    return found;
  }

  // No breakdown: some accepted rate must give the tax total from the net total. 0 is always valid.
  if (bill.tax_total.isZero()) return found;
  if (nearestRates(bill.tax_total, bill.net_total, rates).some((r) => near(taxAt(bill.net_total, r, cur), bill.tax_total))) return found;
  found.push(
    exception('TAX_INVALID', `tax ${m(bill.tax_total)} on net ${m(bill.net_total)} is ${effectiveRate(bill.tax_total, bill.net_total)} %; accepted rates: ${list()}`),
  );
  return found;
}

/**
 * The accepted rates next to the bill's effective rate, one below and one above. The tax at a
 * rate is monotonic in the rate, so if any accepted rate gives the stated tax within one minor
 * unit, one of these two does: two multiplications instead of one per accepted rate.
 */
function nearestRates(tax: Decimal, net: Decimal, rates: readonly Decimal[]): Decimal[] {
  // On a zero net every rate gives a zero tax: any one of them stands for all.
  if (net.isZero()) return rates.slice(0, 1);
  const effective = tax.mul(Decimal.HUNDRED).div(net, EFFECTIVE_SCALE);
  // The rates as units of one common scale, once per list: the search compares bigints only.
  const { scale, units } = scaledRates(rates);
  const e = effective.round(scale).units; // exact: scale ≥ the effective rate's
  let below = -1;
  let above = -1;
  for (let i = 0; i < units.length; i++) {
    const r = units[i]!;
    if (r <= e && (below < 0 || r > units[below]!)) below = i;
    if (r >= e && (above < 0 || r < units[above]!)) above = i;
  }
  const out: Decimal[] = [];
  if (below >= 0) out.push(rates[below]!);
  if (above >= 0) out.push(rates[above]!);
  return out;
}

const EFFECTIVE_SCALE = 8;
const scaled = new WeakMap<readonly Decimal[], { readonly scale: number; readonly units: readonly bigint[] }>();

function scaledRates(rates: readonly Decimal[]): { readonly scale: number; readonly units: readonly bigint[] } {
  let s = scaled.get(rates);
  if (!s) {
    const scale = rates.reduce((m, r) => Math.max(m, r.scale), EFFECTIVE_SCALE);
    s = { scale, units: rates.map((r) => r.round(scale).units) };
    scaled.set(rates, s);
  }
  return s;
}

/** `UNEXPECTED_CHARGE` when document-level charges exceed the policy's `max_charge`. */
export function checkCharges(bill: Bill, maxCharge: Decimal): BillException[] {
  const c = bill.charge_total;
  if (!c || !c.gt(maxCharge)) return [];
  const m = (d: Decimal) => formatAmount(d, bill.currency);
  return [exception('UNEXPECTED_CHARGE', `document charges ${m(c)} ${bill.currency} > allowed ${m(maxCharge)}${maxCharge.isZero() ? ' (no charge is expected)' : ''}`)];
}
