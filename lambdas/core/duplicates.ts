/**
 * Duplicate detection (spec/domain.md §5): the claims a bill holds, and which earlier bill a
 * new one repeats. A claim is one item per key, written conditionally on its version, so two
 * concurrent submissions of one bill yield exactly one original.
 *
 * - Number claim: (vendor, document type, normalized number). An earlier bill on it is a
 *   `DUPLICATE` when the issue dates are at most `duplicate_window_days` apart, or when it has
 *   the same total (whatever the dates).
 * - Similar claim: (vendor, document type, currency, total, issue date). An earlier bill on it
 *   under another normalized number is a `POSSIBLE_DUPLICATE`.
 *
 * "Vendor" for a bill whose vendor is not resolved: its supplier tax id, else its normalized name.
 */
import { daysBetween } from './dates.ts';
import type { Vendor } from './master.ts';
import type { Decimal } from './money.ts';
import { normalizeId, normalizeInvoiceNumber, normalizeName } from './normalize.ts';
import type { DuplicateEntry } from './ports/store.ts';

interface Claimant {
  readonly document_type: 'invoice' | 'credit_note';
  readonly invoice_number: string;
  readonly supplier: { readonly name: string | null; readonly tax_id: string | null };
}

/** Who the bill is from, for claims: the vendor, else the supplier's tax id, else its normalized name. */
export function claimant(bill: Claimant, vendor: Vendor | null): string | null {
  if (vendor) return `V:${vendor.vendor_id}`;
  const tax = normalizeId(bill.supplier.tax_id);
  if (tax) return `T:${tax}`;
  const name = normalizeName(bill.supplier.name);
  return name ? `N:${name}` : null;
}

/** Key of the number claim: vendor, type, normalized number. */
export function duplicateKey(bill: Claimant, vendor: Vendor | null): string | null {
  const who = claimant(bill, vendor);
  const number = normalizeInvoiceNumber(bill.invoice_number);
  return who && number ? `${who}#${bill.document_type}#${number}` : null;
}

/** Key of the similar claim: vendor, type, currency, total, issue date. */
export function similarKey(bill: Claimant & { readonly currency: string; readonly total: Decimal; readonly issue_date: string }, vendor: Vendor | null): string | null {
  const who = claimant(bill, vendor);
  return who ? `SIM#${who}#${bill.document_type}#${bill.currency}#${bill.total.toString()}#${bill.issue_date}` : null;
}

export interface DuplicateFinding {
  readonly entry: DuplicateEntry;
  /** `window`: dates close enough; `total`: the same total, whatever the dates. */
  readonly why: 'window' | 'total';
}

/** The earlier bill on the number claim that this one repeats, if any. */
export function earlierDuplicate(
  earlier: readonly DuplicateEntry[],
  me: { readonly issue_date: string; readonly total: Decimal; readonly currency: string },
  windowDays: number,
): DuplicateFinding | null {
  for (const e of earlier) {
    if (Math.abs(daysBetween(e.issue_date, me.issue_date)) <= windowDays) return { entry: e, why: 'window' };
    if (e.total !== undefined && e.currency === me.currency && e.total === me.total.toString()) return { entry: e, why: 'total' };
  }
  return null;
}

/** The earlier bill on the similar claim under another normalized number, if any. */
export function earlierSimilar(earlier: readonly DuplicateEntry[], number: string): DuplicateEntry | null {
  return earlier.find((e) => e.number !== undefined && e.number !== number) ?? null;
}
