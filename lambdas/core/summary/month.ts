/**
 * Calendar months in a time zone: the summary's month is the finance team's month, midnight to
 * midnight in the policy's zone, not UTC's.
 */
import { localTime, zonedToEpoch } from '../dates.ts';

/** One month in a zone: `[startMs, endMs)`, and the same bounds as UTC ISO 8601 strings. */
export interface MonthWindow {
  /** `YYYY-MM` */
  readonly month: string;
  readonly timeZone: string;
  readonly startMs: number;
  readonly endMs: number;
  readonly startIso: string;
  readonly endIso: string;
}

export class MonthError extends Error {
  override readonly name = 'MonthError';
}

const MONTH = /^(\d{4})-(0[1-9]|1[0-2])$/;

/** Parses `YYYY-MM`, or throws `MonthError` naming the text. */
export function parseMonth(text: string): { year: number; month: number } {
  const m = MONTH.exec(text.trim());
  if (!m) throw new MonthError(`"${text}" is not a month: write it as YYYY-MM, e.g. 2026-03`);
  return { year: Number(m[1]), month: Number(m[2]) };
}

const fmt = (year: number, month: number) => `${String(year).padStart(4, '0')}-${String(month).padStart(2, '0')}`;

/** The month `delta` months from `month` (`-1`: the one before). */
export function addMonths(month: string, delta: number): string {
  const { year, month: m } = parseMonth(month);
  const i = year * 12 + (m - 1) + delta;
  return fmt(Math.floor(i / 12), (i % 12) + 1);
}

export function monthWindow(month: string, timeZone: string): MonthWindow {
  const { year, month: m } = parseMonth(month);
  const next = parseMonth(addMonths(month, 1));
  const startMs = zonedToEpoch(year, m, 1, 0, 0, timeZone);
  const endMs = zonedToEpoch(next.year, next.month, 1, 0, 0, timeZone);
  return { month: fmt(year, m), timeZone, startMs, endMs, startIso: new Date(startMs).toISOString(), endIso: new Date(endMs).toISOString() };
}

/** The month of an instant in a zone. */
export function monthOf(epochMs: number, timeZone: string): string {
  const t = localTime(epochMs, timeZone);
  return fmt(t.year, t.month);
}

/** The last complete month before `nowMs` in the zone: what a summary sent on the first Monday reports. */
export function lastCompleteMonth(nowMs: number, timeZone: string): string {
  return addMonths(monthOf(nowMs, timeZone), -1);
}

/** The UTC months (`YYYY-MM`) an interval touches: the month index is keyed by UTC month. */
export function utcMonthsOf(startMs: number, endMs: number): string[] {
  const out: string[] = [];
  let cur = new Date(startMs).toISOString().slice(0, 7);
  const last = new Date(endMs - 1).toISOString().slice(0, 7);
  for (;;) {
    out.push(cur);
    if (cur >= last) return out;
    cur = addMonths(cur, 1);
  }
}

/** The calendar date (YYYY-MM-DD) of an instant in a zone. */
export function dateIn(epochMs: number, timeZone: string): string {
  const t = localTime(epochMs, timeZone);
  return `${fmt(t.year, t.month)}-${String(t.day).padStart(2, '0')}`;
}

/** `YYYY-MM-DD` plus whole days. */
export function addDays(date: string, days: number): string {
  const d = new Date(`${date}T00:00:00Z`);
  d.setUTCDate(d.getUTCDate() + days);
  return d.toISOString().slice(0, 10);
}

/** A month as people read it: `March 2026`. */
export function monthName(month: string): string {
  const { year, month: m } = parseMonth(month);
  return `${['January', 'February', 'March', 'April', 'May', 'June', 'July', 'August', 'September', 'October', 'November', 'December'][m - 1]} ${year}`;
}
