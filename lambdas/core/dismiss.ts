/**
 * A clerk marks a bill in review "not a bill" (spam, a bounce, a junk upload), with a reason.
 * It leaves the worklist (it becomes `rejected`, marked dismissed, not decided), keeps its audit
 * trail, and claims nothing: a bill in review holds no number, quantity or spend claim, and none
 * is made. Nobody is told: there is no supplier to tell.
 */
import { ConflictError, type BillRecord, type BillStore } from './ports/store.ts';
import { ReviewConflictError, ReviewRefusedError } from './review.ts';

const EMAIL = /^[^\s@<>"]+@[^\s@<>"]+$/;

export async function dismissBill(
  input: { readonly billId: string; readonly expectedVersion?: number; readonly by: string; readonly reason: string },
  deps: { readonly store: Pick<BillStore, 'getBill' | 'commitTransition'>; readonly now: () => number },
): Promise<BillRecord> {
  const bill = await deps.store.getBill(input.billId);
  if (!bill) throw new ReviewRefusedError(`there is no bill ${input.billId}`);
  if (bill.state !== 'needs_review') throw new ReviewRefusedError(`bill ${bill.bill_id} is ${bill.state}, not needs_review: only a bill in review can be dismissed`);
  if (input.expectedVersion !== undefined && bill.version !== input.expectedVersion) throw new ReviewConflictError(`bill ${bill.bill_id} changed since it was opened: reload it`);
  const by = input.by.trim();
  const reason = input.reason.trim().replace(/\s+/g, ' ').slice(0, 500);
  const problems = [
    ...(EMAIL.test(by) ? [] : [{ field: 'by', message: 'must be an email address' }]),
    ...(reason ? [] : [{ field: 'reason', message: 'say why it is not a bill' }]),
  ];
  if (problems.length) throw new ReviewRefusedError('a dismissal needs who and why', problems);
  const at = new Date(deps.now()).toISOString();
  const next: BillRecord = { ...bill, version: bill.version + 1, updated_at: at, state: 'rejected', approvers: [], notify_at: null, dismissed: { by, at, reason } };
  try {
    await deps.store.commitTransition({
      bill: next,
      expectedVersion: bill.version,
      audit: [{ at, actor: by, action: 'dismissed', from_state: 'needs_review', to_state: 'rejected', message: `dismissed as not a bill by ${by}: ${reason}` }],
      nonce: null,
      spend: null,
      releases: [],
      duplicateClaim: null,
    });
  } catch (err) {
    if (err instanceof ConflictError) throw new ReviewConflictError(`bill ${bill.bill_id} changed meanwhile: reload it`, { cause: err });
    throw err;
  }
  return next;
}
