/** Routing after the gate, approvers and quiet hours (spec/domain.md §1, §8). */
import { formatZoned, localTime, zonedToEpoch } from './dates.ts';
import { exceptionClass, type BillException } from './exceptions.ts';
import type { Policy, Vendor } from './master.ts';
import type { Decimal } from './money.ts';

export const BILL_STATES = [
  'needs_review',
  'awaiting_approval',
  'flagged',
  'blocked',
  'waiting_on_supplier',
  'ready_for_payment',
  'rejected',
] as const;
export type BillState = (typeof BILL_STATES)[number];

export interface RouteInput {
  readonly exceptions: readonly BillException[];
  readonly total: Decimal;
  readonly documentType: 'invoice' | 'credit_note';
  readonly autoApproveMax: Decimal;
}

/** First rule that applies: reading (or an unverified sender) → review; deny → blocked; other → flagged; touchless; approval. */
export function route({ exceptions, total, documentType, autoApproveMax }: RouteInput): { state: BillState; touchless: boolean } {
  if (exceptions.some((e) => exceptionClass(e.code) === 'reading' || exceptionClass(e.code) === 'review')) return { state: 'needs_review', touchless: false };
  if (exceptions.some((e) => exceptionClass(e.code) === 'deny')) return { state: 'blocked', touchless: false };
  if (exceptions.length > 0) return { state: 'flagged', touchless: false };
  // Credit notes always go to a person: there is nothing to pay, and they reduce the spend.
  // Touchless needs a positive limit: with the default 0 nothing is touchless, a 0.00 bill included.
  if (documentType === 'invoice' && autoApproveMax.isPositive() && total.lte(autoApproveMax)) return { state: 'ready_for_payment', touchless: true };
  return { state: 'awaiting_approval', touchless: false };
}

/**
 * The approvers a bill needs (spec/domain.md §8): the vendor's approver, else its category's,
 * else the admin; above the dual threshold (on the absolute total) a second, different one
 * (second_approver, or the admin where the second approver is the first). `blocked` goes to the
 * admin; other states need nobody.
 *
 * Segregation of duties: whoever submitted the bill or corrected it in review (`excluded`) is
 * never among its approvers. Where one of them is the one in line, the next in line is asked
 * (category approver, admin, then `backup_approvers` in order); where that leaves fewer distinct
 * people than the bill needs, the backups fill in. With nobody eligible the list is short (or
 * empty): the policy import refuses a dual-approval policy with fewer than three people, so that
 * only a single-approver policy whose only approver submitted the bill can get there.
 */
export function requiredApprovers(
  state: BillState,
  vendor: Vendor | null,
  total: Decimal,
  policy: Policy,
  excluded: string | null | readonly (string | null)[] = null,
): string[] {
  const out = new Set(
    (Array.isArray(excluded) ? excluded : [excluded]).filter((x): x is string => !!x).map((x) => x.toLowerCase()),
  );
  const chosen: string[] = [];
  const eligible = (a: string | null | undefined): a is string =>
    !!a && !out.has(a.toLowerCase()) && !chosen.some((c) => c.toLowerCase() === a.toLowerCase());
  const pick = (candidates: readonly (string | null | undefined)[]) => {
    const next = candidates.find(eligible);
    if (next) chosen.push(next);
  };
  const admin = policy.admin_approver;
  const backups = policy.backup_approvers ?? [];
  if (state === 'blocked') {
    pick([admin, ...backups]);
    return chosen;
  }
  if (state !== 'awaiting_approval' && state !== 'flagged') return [];
  pick([vendor?.approver, vendor?.category ? policy.category_approvers[vendor.category] : undefined, admin, ...backups]);
  if (policy.dual_approval_threshold && total.abs().gt(policy.dual_approval_threshold)) {
    pick([policy.second_approver, admin, ...backups]);
  }
  return chosen;
}

/** True when `who` is the bill's submitter or reviewer, compared case-insensitively. */
export function isExcluded(who: string, excluded: readonly (string | null | undefined)[]): boolean {
  return excluded.some((x) => !!x && x.toLowerCase() === who.toLowerCase());
}

const minutesOf = (hhmm: string) => Number(hhmm.slice(0, 2)) * 60 + Number(hhmm.slice(3, 5));

/** True when the local wall-clock minute falls inside quiet hours. */
export function isQuiet(epochMs: number, policy: Policy): boolean {
  const q = policy.quiet_hours;
  if (!q) return false;
  const t = localTime(epochMs, policy.timezone);
  if (q.weekends && (t.weekday === 0 || t.weekday === 6)) return true;
  const m = t.hour * 60 + t.minute;
  const s = minutesOf(q.start);
  const e = minutesOf(q.end);
  if (s === e) return false;
  return s < e ? m >= s && m < e : m >= s || m < e;
}

/**
 * When an approval request may be emailed: now, or — inside quiet hours — the next minute
 * outside them, in the policy's time zone, as ISO 8601 with the zone's offset.
 */
export function notifyAt(nowMs: number, policy: Policy): string {
  // Bills decided in the same second under one policy are emailed at the same moment.
  const second = Math.floor(nowMs / 1000);
  if (lastNotify && lastNotify.policy === policy && lastNotify.second === second) return lastNotify.at;
  const at = computeNotifyAt(nowMs, policy);
  lastNotify = { policy, second, at };
  return at;
}

let lastNotify: { readonly policy: Policy; readonly second: number; readonly at: string } | null = null;

function computeNotifyAt(nowMs: number, policy: Policy): string {
  let t = nowMs;
  if (isQuiet(t, policy)) {
    // Walk to the end of the quiet window, day by day, then minute-exact.
    const q = policy.quiet_hours!;
    const end = minutesOf(q.end);
    for (let i = 0; i < 14 && isQuiet(t, policy); i++) {
      const lt = localTime(t, policy.timezone);
      let candidate = zonedToEpoch(lt.year, lt.month, lt.day, Math.floor(end / 60), end % 60, policy.timezone);
      if (candidate <= t || isQuiet(candidate, policy)) {
        // Next day's end of quiet hours (or its first minute, for weekend days with no daily window).
        const next = new Date(Date.UTC(lt.year, lt.month - 1, lt.day + 1));
        const endNext = zonedToEpoch(next.getUTCFullYear(), next.getUTCMonth() + 1, next.getUTCDate(), Math.floor(end / 60), end % 60, policy.timezone);
        const midnightNext = zonedToEpoch(next.getUTCFullYear(), next.getUTCMonth() + 1, next.getUTCDate(), 0, 0, policy.timezone);
        candidate = isQuiet(midnightNext, policy) ? endNext : midnightNext;
      }
      t = candidate;
    }
  } else {
    t = Math.floor(t / 1000) * 1000;
  }
  return formatZoned(t, policy.timezone);
}
