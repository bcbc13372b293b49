import { describe, expect, it } from 'vitest';
import { exception, type ExceptionCode } from '../../lambdas/core/exceptions.ts';
import type { Vendor } from '../../lambdas/core/master.ts';
import { Decimal } from '../../lambdas/core/money.ts';
import { notifyAt, requiredApprovers, route } from '../../lambdas/core/route.ts';
import { master } from '../support/builders.ts';

const D = (s: string) => Decimal.parse(s);
const policy = master().policy;
const vendor = (o: Partial<Vendor> = {}): Vendor => ({ ...master().vendors[0]!, ...o });

describe('route', () => {
  it.each([
    { case: 'reading exception', codes: ['TOTALS_INCONSISTENT'], total: '10', state: 'needs_review' },
    { case: 'deny beats variance', codes: ['PRICE_VARIANCE', 'CAP_EXCEEDED'], total: '10', state: 'blocked' },
    { case: 'variance', codes: ['NO_PO'], total: '10', state: 'flagged' },
    { case: 'clean and small: touchless', codes: [], total: '500', state: 'ready_for_payment' },
    { case: 'clean above the limit', codes: [], total: '500.01', state: 'awaiting_approval' },
  ])('$case → $state', ({ codes, total, state }) => {
    const r = route({ exceptions: codes.map((c) => exception(c as ExceptionCode, 'x')), total: D(total), documentType: 'invoice', autoApproveMax: D('500') });
    expect(r.state).toBe(state);
  });

  it.each([
    { case: 'default 0: a 0.00 bill is not touchless', max: '0', total: '0', state: 'awaiting_approval' },
    { case: 'default 0: nothing is touchless', max: '0', total: '0.01', state: 'awaiting_approval' },
    { case: 'a positive limit: at the limit', max: '0.01', total: '0.01', state: 'ready_for_payment' },
  ])('touchless needs auto_approve_max > 0: $case', ({ max, total, state }) => {
    expect(route({ exceptions: [], total: D(total), documentType: 'invoice', autoApproveMax: D(max) }).state).toBe(state);
  });

  it('never pays a credit note touchless', () => {
    expect(route({ exceptions: [], total: D('1'), documentType: 'credit_note', autoApproveMax: D('500') }).state).toBe('awaiting_approval');
  });
});

describe('requiredApprovers', () => {
  it.each([
    { case: 'vendor approver', v: vendor(), total: '100', want: ['buyer@example.com'] },
    { case: 'category approver', v: vendor({ approver: null, category: 'it' }), total: '100', want: ['it-lead@example.com'] },
    { case: 'admin fallback', v: vendor({ approver: null, category: null }), total: '100', want: ['ap-admin@example.com'] },
    { case: 'dual above threshold', v: vendor(), total: '10000.01', want: ['buyer@example.com', 'controller@example.com'] },
    { case: 'not dual at threshold', v: vendor(), total: '10000', want: ['buyer@example.com'] },
    { case: 'second is first: admin instead', v: vendor({ approver: 'controller@example.com' }), total: '20000', want: ['controller@example.com', 'ap-admin@example.com'] },
  ])('$case', ({ v, total, want }) => {
    expect(requiredApprovers('awaiting_approval', v, D(total), policy)).toEqual(want);
  });

  it('sends blocked bills to the admin and others to nobody', () => {
    expect(requiredApprovers('blocked', vendor(), D('1'), policy)).toEqual(['ap-admin@example.com']);
    expect(requiredApprovers('ready_for_payment', vendor(), D('1'), policy)).toEqual([]);
    expect(requiredApprovers('needs_review', vendor(), D('1'), policy)).toEqual([]);
  });

  it('never asks the submitter: the next in line approves', () => {
    expect(requiredApprovers('flagged', vendor({ category: 'it' }), D('1'), policy, 'buyer@example.com')).toEqual(['it-lead@example.com']);
  });
});

describe('quiet hours', () => {
  it.each([
    { case: 'Friday 21:00 waits for Monday 08:00', now: '2026-03-06T21:00:00+01:00', want: '2026-03-09T08:00:00+01:00' },
    { case: 'Tuesday 02:00 waits for 08:00', now: '2026-03-03T02:00:00+01:00', want: '2026-03-03T08:00:00+01:00' },
    { case: 'Tuesday 10:15 goes now', now: '2026-03-03T10:15:00+01:00', want: '2026-03-03T10:15:00+01:00' },
    { case: 'Tuesday 18:59 goes now', now: '2026-03-03T18:59:00+01:00', want: '2026-03-03T18:59:00+01:00' },
    { case: 'Saturday noon waits for Monday', now: '2026-03-07T12:00:00+01:00', want: '2026-03-09T08:00:00+01:00' },
    { case: 'across the spring DST change', now: '2026-03-27T20:00:00+01:00', want: '2026-03-30T08:00:00+02:00' },
  ])('$case', ({ now, want }) => {
    expect(notifyAt(Date.parse(now), policy)).toBe(want);
  });

  it('without quiet hours, goes now', () => {
    expect(notifyAt(Date.parse('2026-03-07T12:00:00Z'), { ...policy, quiet_hours: null, timezone: 'UTC' })).toBe('2026-03-07T12:00:00+00:00');
  });
});
