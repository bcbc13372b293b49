/**
 * Reading checks (spec/domain.md §2, class `reading`): turns a canonical bill as read into a
 * typed bill with exact amounts, or says why it cannot be used. Every message names the field.
 *
 * 1. Check the shape (zod); a shape problem is `UNREADABLE` naming the field.
 * 2. Parse required fields and amounts; a missing or unparsable one is `UNREADABLE`.
 * 3. Check dates, currency and confidence.
 * 4. Check the arithmetic of lines and totals to one minor unit.
 */
import { shapeBill, type CanonicalBill, type ShapedBill } from './bill.ts';
import { isRealDate } from './dates.ts';
import { exception, type BillException } from './exceptions.ts';
import { Decimal, isCurrencyCode, minorUnit } from './money.ts';

export interface BillLine {
  readonly line_id: string;
  readonly item_code: string | null;
  readonly po_line: string | null;
  readonly description: string | null;
  readonly quantity: Decimal;
  readonly unit_code: string | null;
  readonly unit_price: Decimal;
  readonly price_base_quantity: Decimal;
  readonly net_amount: Decimal;
  readonly allowance_total: Decimal | null;
  readonly charge_total: Decimal | null;
}

/** One row of the VAT breakdown (EN 16931 BG-23), exact. */
export interface TaxRow {
  readonly category: string | null;
  /** Percent; null when the document gave none (then it cannot be an accepted rate). */
  readonly rate: Decimal | null;
  readonly taxable_amount: Decimal;
  readonly tax_amount: Decimal;
}

/** A bill that passed the reading checks: exact amounts, a real issue date, an ISO currency. */
export interface Bill {
  readonly document_type: 'invoice' | 'credit_note';
  readonly invoice_number: string;
  readonly issue_date: string;
  readonly due_date: string | null;
  readonly currency: string;
  readonly supplier: {
    readonly name: string | null;
    readonly tax_id: string | null;
    readonly iban: string | null;
    readonly email: string | null;
  };
  readonly buyer_name: string | null;
  readonly po_reference: string | null;
  readonly lines: readonly BillLine[];
  readonly allowance_total: Decimal | null;
  readonly charge_total: Decimal | null;
  readonly net_total: Decimal;
  readonly tax_total: Decimal;
  /** The VAT breakdown, or null when the document has none. */
  readonly tax_breakdown: readonly TaxRow[] | null;
  readonly total: Decimal;
  readonly prepaid: Decimal | null;
  readonly rounding: Decimal | null;
  readonly payable: Decimal;
  readonly notes: string | null;
}

export interface ValidationResult {
  /** The typed bill, or null when any reading exception was found. */
  readonly bill: Bill | null;
  readonly exceptions: readonly BillException[];
}

export interface ValidationOptions {
  /** Fields read with a lower confidence are `LOW_CONFIDENCE` (extracted reads only). */
  readonly confidenceThreshold?: Decimal;
}

type AmountValue = string | number | null | undefined;

/** `net_total`, or `lines[0].quantity` for a field of a list's element. */
const fieldName = (group: string | null, index: number, field: string): string => (group === null ? field : `${group}[${index}].${field}`);

const blank = (s: string | null | undefined): s is null | undefined => s === null || s === undefined || s.trim() === '';
const orNull = (s: string | null | undefined): string | null => (blank(s) ? null : s.trim());

export function validateBill(raw: CanonicalBill | unknown, options: ValidationOptions = {}): ValidationResult {
  const shaped = shapeBill(raw);
  if (!shaped.ok) {
    return {
      bill: null,
      exceptions: shaped.problems.map((p) => exception('UNREADABLE', `field ${p.field}: ${p.message}`)),
    };
  }
  return checkShaped(shaped.bill, options);
}

function checkShaped(b: ShapedBill, options: ValidationOptions): ValidationResult {
  const found: BillException[] = [];
  const unreadable = (field: string, why: string, line: string | null = null) =>
    found.push(exception('UNREADABLE', `field ${field}: ${why}`, line));

  // The field's name (`lines[0].quantity`) is written only when there is something to say about it.
  const amountOf = (field: string, v: AmountValue, required: boolean, line: string | null = null, group: string | null = null, index = 0): Decimal | null => {
    if (v === null || v === undefined || (typeof v === 'string' && v.trim() === '')) {
      if (required) unreadable(fieldName(group, index, field), 'missing', line);
      return null;
    }
    const d = typeof v === 'number' ? Decimal.tryParse(String(v)) : Decimal.tryParse(v);
    if (!d) unreadable(fieldName(group, index, field), `not a decimal number: "${String(v)}"`, line);
    return d;
  };

  const invoiceNumber = orNull(b.invoice_number);
  if (!invoiceNumber) unreadable('invoice_number', 'missing');

  // Currency
  const currencyRaw = orNull(b.currency);
  let currency: string | null = null;
  if (!currencyRaw) found.push(exception('CURRENCY_UNCLEAR', 'field currency: missing'));
  else if (currencyRaw.toLowerCase() === 'unclear') found.push(exception('CURRENCY_UNCLEAR', 'field currency: the reader could not tell the currency'));
  // ISO 4217 codes compared case-insensitively: `eur` is EUR.
  else if (!isCurrencyCode(currencyRaw.toUpperCase())) found.push(exception('CURRENCY_UNCLEAR', `field currency: "${currencyRaw}" is not an ISO 4217 currency code`));
  else currency = currencyRaw.toUpperCase();

  // Dates
  const issue = orNull(b.issue_date);
  const due = orNull(b.due_date);
  if (!issue) found.push(exception('DATE_INVALID', 'field issue_date: missing'));
  else if (!isRealDate(issue)) found.push(exception('DATE_INVALID', `field issue_date: "${issue}" is not a real calendar date (YYYY-MM-DD)`));
  if (due !== null) {
    if (!isRealDate(due)) found.push(exception('DATE_INVALID', `field due_date: "${due}" is not a real calendar date (YYYY-MM-DD)`));
    else if (issue && isRealDate(issue) && due < issue) found.push(exception('DATE_INVALID', `field due_date: ${due} is before the issue date ${issue}`));
  }

  // Lines
  const rawLines = b.lines ?? [];
  if (b.lines === undefined || b.lines === null) unreadable('lines', 'missing');
  else if (rawLines.length === 0) unreadable('lines', 'a bill needs at least one line');
  const lines: BillLine[] = [];
  for (let i = 0; i < rawLines.length; i++) {
    const l = rawLines[i]!;
    const id = orNull(l.line_id) ?? String(i + 1);
    const quantity = amountOf('quantity', l.quantity, true, id, 'lines', i);
    const unitPrice = amountOf('unit_price', l.unit_price, true, id, 'lines', i);
    let base = amountOf('price_base_quantity', l.price_base_quantity, false, id, 'lines', i) ?? Decimal.ONE;
    if (base.isZero() || base.isNegative()) {
      unreadable(fieldName('lines', i, 'price_base_quantity'), `must be greater than zero, is ${base.toString()}`, id);
      base = Decimal.ONE;
    }
    const net = amountOf('net_amount', l.net_amount, true, id, 'lines', i);
    const allowance = amountOf('allowance_total', l.allowance_total, false, id, 'lines', i);
    const charge = amountOf('charge_total', l.charge_total, false, id, 'lines', i);
    if (quantity && unitPrice && net) {
      lines.push({
        line_id: id,
        item_code: orNull(l.item_code),
        po_line: orNull(l.po_line ?? null),
        description: orNull(l.description),
        quantity,
        unit_code: orNull(l.unit_code),
        unit_price: unitPrice,
        price_base_quantity: base,
        net_amount: net,
        allowance_total: allowance,
        charge_total: charge,
      });
    }
  }
  // Each line whose id an earlier line has. A bill has few lines: a set only for long ones.
  const seen = lines.length > 16 ? new Set<string>() : null;
  for (let j = 0; j < lines.length; j++) {
    const id = lines[j]!.line_id;
    let repeated = false;
    if (seen) {
      repeated = seen.has(id);
      seen.add(id);
    } else for (let i = 0; i < j && !repeated; i++) repeated = lines[i]!.line_id === id;
    if (repeated) unreadable('lines', `line id "${id}" appears more than once`, id);
  }

  // Totals
  const allowanceTotal = amountOf('allowance_total', b.allowance_total, false);
  const chargeTotal = amountOf('charge_total', b.charge_total, false);
  const netTotal = amountOf('net_total', b.net_total, true);
  const taxTotal = amountOf('tax_total', b.tax_total, false) ?? Decimal.ZERO;
  const total = amountOf('total', b.total, true);
  const prepaid = amountOf('prepaid', b.prepaid, false);
  const rounding = amountOf('rounding', b.rounding, false);
  const payableStated = amountOf('payable', b.payable, false);
  const taxBreakdown: TaxRow[] | null = b.tax_breakdown
    ? b.tax_breakdown.map((r, i) => ({
        category: orNull(r.category),
        rate: amountOf('rate', r.rate, false, null, 'tax_breakdown', i),
        taxable_amount: amountOf('taxable_amount', r.taxable_amount, true, null, 'tax_breakdown', i) ?? Decimal.ZERO,
        tax_amount: amountOf('tax_amount', r.tax_amount, true, null, 'tax_breakdown', i) ?? Decimal.ZERO,
      }))
    : null;

  // Confidence of extracted reads
  if (options.confidenceThreshold && b.confidence) {
    const threshold = options.confidenceThreshold;
    for (const [field, c] of Object.entries(b.confidence)) {
      const conf = Decimal.from(c);
      if (conf.lt(threshold)) found.push(exception('LOW_CONFIDENCE', `field ${field}: read with confidence ${conf.toString()} < ${threshold.toString()}`));
    }
  }

  // Arithmetic, only where every number needed was read
  const unreadableSoFar = found.some((e) => e.code === 'UNREADABLE');
  if (!unreadableSoFar && netTotal && total) {
    const scale = currency ? minorUnit(currency) : 2;
    const tolerance = Decimal.ofUnits(1n, scale);
    const off = (computed: Decimal, stated: Decimal) => computed.round(scale).differsByMoreThan(stated, tolerance);
    let sumLines = Decimal.ZERO;
    for (const l of lines) {
      let computed = l.quantity.mul(l.unit_price).div(l.price_base_quantity, scale);
      if (l.charge_total) computed = computed.add(l.charge_total);
      if (l.allowance_total) computed = computed.sub(l.allowance_total);
      if (off(computed, l.net_amount)) {
        found.push(
          exception(
            'TOTALS_INCONSISTENT',
            `line ${l.line_id}: quantity ${l.quantity} × unit price ${l.unit_price}${l.price_base_quantity.eq(Decimal.ONE) ? '' : ` ÷ ${l.price_base_quantity}`} = ${computed.toFixed(scale)} ≠ net amount ${l.net_amount.toFixed(scale)}`,
            l.line_id,
          ),
        );
      }
      sumLines = sumLines.add(l.net_amount);
    }
    const computedNet = sumLines.add(chargeTotal ?? Decimal.ZERO).sub(allowanceTotal ?? Decimal.ZERO);
    if (off(computedNet, netTotal)) {
      const parts = [`sum of line net amounts ${sumLines.toFixed(scale)}`];
      if (chargeTotal) parts.push(`+ charges ${chargeTotal.toFixed(scale)}`);
      if (allowanceTotal) parts.push(`− allowances ${allowanceTotal.toFixed(scale)}`);
      found.push(exception('TOTALS_INCONSISTENT', `${parts.join(' ')} = ${computedNet.toFixed(scale)} ≠ net total ${netTotal.toFixed(scale)}`));
    }
    const computedTotal = netTotal.add(taxTotal);
    if (off(computedTotal, total)) {
      found.push(exception('TOTALS_INCONSISTENT', `net total ${netTotal.toFixed(scale)} + tax total ${taxTotal.toFixed(scale)} = ${computedTotal.toFixed(scale)} ≠ total ${total.toFixed(scale)}`));
    }
  }

  if (found.length > 0 || !invoiceNumber || !issue || !currency || !netTotal || !total) {
    return { bill: null, exceptions: found };
  }
  const payable = payableStated ?? total.sub(prepaid ?? Decimal.ZERO).add(rounding ?? Decimal.ZERO);
  const s = b.supplier ?? {};
  return {
    bill: {
      document_type: b.document_type,
      invoice_number: invoiceNumber,
      issue_date: issue,
      due_date: due,
      currency,
      supplier: { name: orNull(s.name), tax_id: orNull(s.tax_id), iban: orNull(s.iban), email: orNull(s.email) },
      buyer_name: orNull(b.buyer?.name),
      po_reference: orNull(b.po_reference),
      lines,
      allowance_total: allowanceTotal,
      charge_total: chargeTotal,
      net_total: netTotal,
      tax_total: taxTotal,
      tax_breakdown: taxBreakdown && taxBreakdown.length > 0 ? taxBreakdown : null,
      total,
      prepaid,
      rounding,
      payable,
      notes: orNull(b.notes),
    },
    exceptions: [],
  };
}
