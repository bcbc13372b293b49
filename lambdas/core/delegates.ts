/**
 * Absences (policy `delegates`): while an approver is away (`from`–`to`, dates inclusive in the
 * policy's time zone), new approval requests for them go to their delegate. A delegate who is
 * the bill's submitter or reviewer, or already one of its approvers, does not stand in: the
 * absent approver stays (the sweep escalates if nobody decides).
 */
import { localTime } from './dates.ts';
import type { Policy } from './master.ts';

const same = (a: string, b: string) => a.toLowerCase() === b.toLowerCase();

export function todayIn(nowMs: number, timeZone: string): string {
  const t = localTime(nowMs, timeZone);
  return `${t.year}-${String(t.month).padStart(2, '0')}-${String(t.day).padStart(2, '0')}`;
}

/** The approvers with delegates standing in, and for whom each delegate stands in. */
export function applyDelegates(
  approvers: readonly string[],
  policy: Pick<Policy, 'delegates' | 'timezone'>,
  nowMs: number,
  excluded: readonly (string | null | undefined)[] = [],
): { approvers: string[]; standingIn: Record<string, string> } {
  // Nobody away (the usual policy): nobody stands in, and no need to know today's date.
  if (!policy.delegates || policy.delegates.length === 0 || approvers.length === 0) return { approvers: [...approvers], standingIn: {} };
  const today = todayIn(nowMs, policy.timezone);
  const out: string[] = [];
  const standingIn: Record<string, string> = {};
  for (const a of approvers) {
    const d = (policy.delegates ?? []).find((x) => same(x.approver, a) && x.from <= today && today <= x.to);
    const ok = d && !excluded.some((e) => e && same(e, d.delegate)) && !approvers.some((o) => same(o, d.delegate)) && !out.some((o) => same(o, d.delegate));
    if (ok) {
      out.push(d.delegate);
      standingIn[d.delegate] = a;
    } else out.push(a);
  }
  return { approvers: out, standingIn };
}
