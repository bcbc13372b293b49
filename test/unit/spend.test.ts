/** Fiscal years and what the master's year-to-date figure covers (spec/domain.md §4). */
import { describe, expect, it } from 'vitest';
import { Decimal } from '../../lambdas/core/money.ts';
import { fiscalYearOf, spendOf, spendWindow } from '../../lambdas/core/spend.ts';

const berlin = (start = '04-01') => ({ timezone: 'Europe/Berlin', fiscal_year_start: start });

describe('fiscal year in the policy time zone', () => {
  it.each([
    { case: 'the last minute before 1 April, Berlin', at: '2026-03-31T23:59:00+02:00', start: '04-01', fy: '2025-04-01' },
    { case: 'midnight 1 April, Berlin (still 31 March in UTC)', at: '2026-03-31T22:00:00Z', start: '04-01', fy: '2026-04-01' },
    { case: 'calendar year: New Year’s Eve 23:30 UTC is already 2027 in Berlin', at: '2026-12-31T23:30:00Z', start: '01-01', fy: '2027-01-01' },
    { case: 'calendar year: 31 December, Berlin', at: '2026-12-31T22:59:00Z', start: '01-01', fy: '2026-01-01' },
    { case: 'a year starting 1 July', at: '2026-06-30T12:00:00Z', start: '07-01', fy: '2025-07-01' },
  ])('$case → $fy', ({ at, start, fy }) => {
    expect(fiscalYearOf(Date.parse(at), berlin(start))).toBe(fy);
  });
});

describe('which spend counts', () => {
  it.each([
    { case: 'ytd_as_of this year: the master counts, entries after that day', asOf: '2026-05-10', importedAt: null, now: '2026-06-01T12:00:00Z', counts: true, from: '2026-05-10T22:00:00.000Z' },
    { case: 'ytd_as_of last fiscal year: a new year starts from 0', asOf: '2026-03-31', importedAt: null, now: '2026-06-01T12:00:00Z', counts: false, from: '2026-03-31T22:00:00.000Z' },
    { case: 'ytd_as_of long ago: from the start of this fiscal year', asOf: '2025-01-15', importedAt: null, now: '2026-06-01T12:00:00Z', counts: false, from: '2026-03-31T22:00:00.000Z' },
    { case: 'no ytd_as_of: the import moment', asOf: null, importedAt: '2026-05-20T08:15:00.000Z', now: '2026-06-01T12:00:00Z', counts: true, from: '2026-05-20T08:15:00.000Z' },
    { case: 'no ytd_as_of, imported last fiscal year', asOf: null, importedAt: '2026-03-20T08:15:00.000Z', now: '2026-06-01T12:00:00Z', counts: false, from: '2026-03-31T22:00:00.000Z' },
  ])('$case', ({ asOf, importedAt, now, counts, from }) => {
    const w = spendWindow({ ytd_as_of: asOf, imported_at: importedAt }, berlin(), Date.parse(now));
    expect([w.masterCounts, w.from]).toEqual([counts, from]);
  });
});

describe('what a bill adds to spend', () => {
  it.each([
    { type: 'invoice' as const, total: '119.00', adds: '119' },
    { type: 'credit_note' as const, total: '119.00', adds: '-119' },
    { type: 'credit_note' as const, total: '-119.00', adds: '-119' },
  ])('$type of $total adds $adds', ({ type, total, adds }) => {
    expect(spendOf(type, Decimal.from(total)).toString()).toBe(adds);
  });
});
