/**
 * Building blocks every structured reader shares: the draft bill a reader fills in, the
 * EN 16931 credit-note type codes, exact sums of amounts, dates, and refusal results.
 */
import type { CanonicalBill } from '../core/bill.ts';
import { exception } from '../core/exceptions.ts';
import { Decimal } from '../core/money.ts';
import { sha256Hex } from './hash.ts';
import type { ReadResult } from './types.ts';

/** A line as read: every value the exact source text, or null where the source has none. */
export interface DraftLine {
  line_id: string | null;
  item_code: string | null;
  po_line: string | null;
  description: string | null;
  quantity: string | null;
  unit_code: string | null;
  unit_price: string | null;
  price_base_quantity: string | null;
  net_amount: string | null;
  allowance_total: string | null;
  charge_total: string | null;
}

/** One row of the VAT breakdown (BG-23) as read: the source text, or null where absent. */
export interface DraftTaxRow {
  category: string | null;
  rate: string | null;
  taxable_amount: string | null;
  tax_amount: string | null;
}

/** A bill as read, before the shape check. */
export interface DraftBill {
  document_type: 'invoice' | 'credit_note';
  invoice_number: string | null;
  issue_date: string | null;
  due_date: string | null;
  currency: string | null;
  supplier: { name: string | null; tax_id: string | null; iban: string | null; email: string | null };
  buyer: { name: string | null };
  po_reference: string | null;
  lines: DraftLine[];
  allowance_total: string | null;
  charge_total: string | null;
  net_total: string | null;
  tax_total: string | null;
  /** BG-23, one row per VAT category and rate; null when the document states none. */
  tax_breakdown: DraftTaxRow[] | null;
  total: string | null;
  prepaid: string | null;
  rounding: string | null;
  payable: string | null;
  notes: string | null;
}

/**
 * The draft as a canonical bill. A mandatory line value the source lacks stays null here on
 * purpose: `validateBill` then refuses the bill with an UNREADABLE naming that field
 * (`lines[2].unit_price`), instead of the reader inventing a value.
 */
export function toCanonical(draft: DraftBill): CanonicalBill {
  return draft as unknown as CanonicalBill;
}

/** Type codes that make a document a credit note (spec/formats.md), besides a UBL CreditNote root. */
export const CREDIT_NOTE_TYPE_CODES: ReadonlySet<string> = new Set([
  '81', '83', '261', '262', '296', '308', '381', '396', '420', '458', '532',
]);

export function documentTypeOf(typeCode: string | null, creditNoteRoot = false): 'invoice' | 'credit_note' {
  return creditNoteRoot || (typeCode !== null && CREDIT_NOTE_TYPE_CODES.has(typeCode.trim())) ? 'credit_note' : 'invoice';
}

/**
 * The exact sum of amounts as written: one amount is returned unchanged (`"10.00"` stays
 * `"10.00"`); several are added exactly at the largest scale. Null when there are none or
 * one is not a number (the caller keeps the raw text then, so validation names it).
 */
export function sumAmounts(amounts: readonly string[]): string | null {
  if (amounts.length === 0) return null;
  if (amounts.length === 1) return amounts[0]!;
  let sum = Decimal.ZERO;
  for (const a of amounts) {
    const d = Decimal.tryParse(a);
    if (!d) return null;
    sum = sum.add(d);
  }
  return sum.toFixed();
}

/** `CCYYMMDD` → `CCYY-MM-DD`; anything else is returned as written (validation names it). */
export function ymdToIso(raw: string | null): string | null {
  if (raw === null) return null;
  const t = raw.trim();
  return /^\d{8}$/.test(t) ? `${t.slice(0, 4)}-${t.slice(4, 6)}-${t.slice(6, 8)}` : t;
}

/** The single result of a document that holds no readable bill. */
export function unreadable(format: string, filename: string, reason: string, bytes: Uint8Array, part = 0): ReadResult {
  return {
    part,
    format,
    bill: null,
    documentHash: sha256Hex(bytes),
    exceptions: [exception('UNREADABLE', `${filename}: ${reason}`)],
  };
}

/** An empty draft line, to be filled by a reader. */
export function emptyLine(): DraftLine {
  return {
    line_id: null,
    item_code: null,
    po_line: null,
    description: null,
    quantity: null,
    unit_code: null,
    unit_price: null,
    price_base_quantity: null,
    net_amount: null,
    allowance_total: null,
    charge_total: null,
  };
}

/** An empty draft bill, to be filled by a reader. */
export function emptyBill(): DraftBill {
  return {
    document_type: 'invoice',
    invoice_number: null,
    issue_date: null,
    due_date: null,
    currency: null,
    supplier: { name: null, tax_id: null, iban: null, email: null },
    buyer: { name: null },
    po_reference: null,
    lines: [],
    allowance_total: null,
    charge_total: null,
    net_total: null,
    tax_total: null,
    tax_breakdown: null,
    total: null,
    prepaid: null,
    rounding: null,
    payable: null,
    notes: null,
  };
}
