/**
 * A note on a bill that leaves its state as it is (a reminder, an escalation, a review link
 * sent, the admin asked): the bill as it becomes and one audit row, in one conditional write.
 */
import { ConflictError, type AuditRecord, type BillRecord, type BillStore } from './ports/store.ts';

/**
 * Writes `next` (the bill as it becomes, same state) with its audit row, conditional on
 * `expectedVersion`; false when the bill changed meanwhile (another sweep or click got there first).
 */
export async function noteOnBill(
  store: Pick<BillStore, 'commitTransition'>,
  next: BillRecord,
  expectedVersion: number,
  audit: Omit<AuditRecord, 'bill_id' | 'seq' | 'from_state' | 'to_state' | 'actor'> & { readonly actor?: string },
): Promise<boolean> {
  try {
    await store.commitTransition({
      bill: next,
      expectedVersion,
      audit: [{ actor: 'system', ...audit, from_state: next.state, to_state: next.state }],
      nonce: null,
      spend: null,
      releases: [],
      duplicateClaim: null,
    });
    return true;
  } catch (err) {
    if (err instanceof ConflictError) return false;
    throw err;
  }
}
