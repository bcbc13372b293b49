/**
 * Year-to-date spend per fiscal year (spec/domain.md §4).
 *
 * The master's `ytd_spend` holds as of the vendor's `ytd_as_of` (that whole day, policy time
 * zone) or, without a date, as of the import moment; it counts for the fiscal year containing
 * that moment. The pipeline records every amount it adds (a bill moving to `ready_for_payment`,
 * minus an approved credit note's absolute total) as a dated entry; the year to date adds the
 * entries after what the master covers, within the current fiscal year. Re-importing the master
 * moves the covered point, so nothing is counted twice, and a new fiscal year starts from 0.
 */
import { localTime, zonedToEpoch } from './dates.ts';
import type { Policy, Vendor } from './master.ts';
import { Decimal } from './money.ts';
import type { DecisionReads, Versioned } from './ports/store.ts';

/** Epoch ms at which the fiscal year containing `epochMs` began (policy time zone). */
export function fiscalYearStart(epochMs: number, policy: Pick<Policy, 'timezone' | 'fiscal_year_start'>): number {
  const [mm, dd] = policy.fiscal_year_start.split('-').map(Number) as [number, number];
  const t = localTime(epochMs, policy.timezone);
  const year = t.month < mm || (t.month === mm && t.day < dd) ? t.year - 1 : t.year;
  return zonedToEpoch(year, mm, dd, 0, 0, policy.timezone);
}

/** The fiscal year containing `epochMs`, named by the calendar date it starts on (`2026-04-01`). */
export function fiscalYearOf(epochMs: number, policy: Pick<Policy, 'timezone' | 'fiscal_year_start'>): string {
  const t = localTime(fiscalYearStart(epochMs, policy), policy.timezone);
  return `${t.year}-${String(t.month).padStart(2, '0')}-${String(t.day).padStart(2, '0')}`;
}

/** The moment up to which the master's figure counts: the end of `ytd_as_of`, else the import moment; null when unknown. */
export function masterCoversUntil(vendor: Pick<Vendor, 'ytd_as_of' | 'imported_at'>, policy: Pick<Policy, 'timezone'>): number | null {
  if (vendor.ytd_as_of) {
    const [y, m, d] = vendor.ytd_as_of.split('-').map(Number) as [number, number, number];
    const next = new Date(Date.UTC(y, m - 1, d + 1));
    return zonedToEpoch(next.getUTCFullYear(), next.getUTCMonth() + 1, next.getUTCDate(), 0, 0, policy.timezone);
  }
  return vendor.imported_at ? Date.parse(vendor.imported_at) : null;
}

export interface SpendWindow {
  /** Pipeline entries at or after this instant (ISO) count. */
  readonly from: string;
  /** Whether the master's `ytd_spend` belongs to the current fiscal year. */
  readonly masterCounts: boolean;
  readonly fiscalYear: string;
}

/** Which spend counts now: the master's figure when it belongs to this fiscal year, and the pipeline's entries after it. */
export function spendWindow(vendor: Pick<Vendor, 'ytd_as_of' | 'imported_at'>, policy: Pick<Policy, 'timezone' | 'fiscal_year_start'>, nowMs: number): SpendWindow {
  const fyStart = fiscalYearStart(nowMs, policy);
  const covers = masterCoversUntil(vendor, policy);
  // The moment the figure holds as of: the start of `ytd_as_of`, or the import moment.
  const asOf = vendor.ytd_as_of ? (covers ?? 0) - 1 : covers;
  const masterCounts = asOf === null ? true : fiscalYearStart(asOf, policy) === fyStart;
  const from = Math.max(fyStart, covers ?? fyStart);
  return { from: new Date(from).toISOString(), masterCounts, fiscalYear: fiscalYearOf(nowMs, policy) };
}

export interface YearToDate {
  /** Master figure (when it counts) + the pipeline's entries in the window. */
  readonly ytd: Decimal;
  /** The pipeline's part, with the version of the vendor's spend ledger it was read at. */
  readonly pipeline: Versioned<Decimal>;
  readonly window: SpendWindow;
}

export async function yearToDate(vendor: Vendor, policy: Policy, nowMs: number, reads: Pick<DecisionReads, 'vendorSpend'>): Promise<YearToDate> {
  const window = spendWindow(vendor, policy, nowMs);
  const pipeline = await reads.vendorSpend(vendor.vendor_id, window.from);
  return { ytd: (window.masterCounts ? vendor.ytd_spend : Decimal.ZERO).add(pipeline.value), pipeline, window };
}

/** What a bill adds to its vendor's spend once paid or approved: an invoice its total, a credit note minus its absolute total. */
export function spendOf(documentType: 'invoice' | 'credit_note', total: Decimal): Decimal {
  return documentType === 'credit_note' ? total.abs().neg() : total;
}
