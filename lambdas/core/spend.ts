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

// Time-zone arithmetic (Intl) is slow next to the rest of a decision, and its answers repeat:
// the fiscal year cannot change within a minute (years start at local midnight), nor a day's end.
const yearStarts = new Map<string, number>();
const dayEnds = new Map<string, number>();
const remember = (m: Map<string, number>, k: string, f: () => number): number => {
  let v = m.get(k);
  if (v === undefined) {
    if (m.size >= 10_000) m.clear();
    v = f();
    m.set(k, v);
  }
  return v;
};

/** Epoch ms at which the fiscal year containing `epochMs` began (policy time zone). */
export function fiscalYearStart(epochMs: number, policy: Pick<Policy, 'timezone' | 'fiscal_year_start'>): number {
  return remember(yearStarts, `${policy.timezone}|${policy.fiscal_year_start}|${Math.floor(epochMs / 60_000)}`, () => computeYearStart(epochMs, policy));
}

function computeYearStart(epochMs: number, policy: Pick<Policy, 'timezone' | 'fiscal_year_start'>): number {
  const [mm, dd] = policy.fiscal_year_start.split('-').map(Number) as [number, number];
  const t = localTime(epochMs, policy.timezone);
  const year = t.month < mm || (t.month === mm && t.day < dd) ? t.year - 1 : t.year;
  return zonedToEpoch(year, mm, dd, 0, 0, policy.timezone);
}

/** The fiscal year containing `epochMs`, named by the calendar date it starts on (`2026-04-01`). */
export function fiscalYearOf(epochMs: number, policy: Pick<Policy, 'timezone' | 'fiscal_year_start'>): string {
  // The start's local date: the year it begins in, and the policy's MM-DD.
  const start = fiscalYearStart(epochMs, policy);
  const year = localYear(start, policy.timezone);
  return `${year}-${policy.fiscal_year_start}`;
}

const localYear = (epochMs: number, tz: string) => remember(yearStarts, `year|${tz}|${Math.floor(epochMs / 60_000)}`, () => localTime(epochMs, tz).year);

/** The moment up to which the master's figure counts: the end of `ytd_as_of`, else the import moment; null when unknown. */
export function masterCoversUntil(vendor: Pick<Vendor, 'ytd_as_of' | 'imported_at'>, policy: Pick<Policy, 'timezone'>): number | null {
  if (vendor.ytd_as_of) {
    const asOf = vendor.ytd_as_of;
    return remember(dayEnds, `${policy.timezone}|${asOf}`, () => {
      const [y, m, d] = asOf.split('-').map(Number) as [number, number, number];
      const next = new Date(Date.UTC(y, m - 1, d + 1));
      return zonedToEpoch(next.getUTCFullYear(), next.getUTCMonth() + 1, next.getUTCDate(), 0, 0, policy.timezone);
    });
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
  // Within one minute the window of one vendor under one policy is the same (see above).
  const minute = Math.floor(nowMs / 60_000);
  const hit = windows.get(vendor);
  if (hit && hit.policy === policy && hit.minute === minute) return hit.window;
  const window = computeSpendWindow(vendor, policy, nowMs);
  windows.set(vendor, { policy, minute, window });
  return window;
}

const windows = new WeakMap<object, { readonly policy: object; readonly minute: number; readonly window: SpendWindow }>();

function computeSpendWindow(vendor: Pick<Vendor, 'ytd_as_of' | 'imported_at'>, policy: Pick<Policy, 'timezone' | 'fiscal_year_start'>, nowMs: number): SpendWindow {
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
  return yearToDateOf(vendor, window, await reads.vendorSpend(vendor.vendor_id, window.from));
}

/** The year to date from the window and the pipeline's part read for it (`yearToDate` without its read). */
export function yearToDateOf(vendor: Vendor, window: SpendWindow, pipeline: Versioned<Decimal>): YearToDate {
  return { ytd: (window.masterCounts ? vendor.ytd_spend : Decimal.ZERO).add(pipeline.value), pipeline, window };
}

/** What a bill adds to its vendor's spend once paid or approved: an invoice its total, a credit note minus its absolute total. */
export function spendOf(documentType: 'invoice' | 'credit_note', total: Decimal): Decimal {
  return documentType === 'credit_note' ? total.abs().neg() : total;
}
