/**
 * A bill whose approval request is held for quiet hours (spec/domain.md §8): it waits for an
 * approver, its request is due later (`notify_at`), and no request has gone out yet (no task
 * token). The bill page and the outbox say until when.
 */
import type { BillRecord } from './ports/store.ts';

const PENDING = new Set(['awaiting_approval', 'flagged', 'blocked']);

export function isHeld(bill: BillRecord, nowMs: number): boolean {
  return PENDING.has(bill.state) && bill.approvers.length > 0 && !bill.task_token && bill.notify_at !== null && Date.parse(bill.notify_at) > nowMs;
}
