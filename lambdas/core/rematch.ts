/**
 * Re-match (batch reconciliation): after master data changes — an import, a sync, goods received
 * after the bill — the bills that are `flagged` only for reasons master data can settle
 * (`QUANTITY_VARIANCE`, `NO_PO`, `UNMATCHED_LINE`, `VENDOR_UNKNOWN`) are decided again, each as
 * its next version, in one pass: the PO quantities it held given back and taken afresh in the
 * same transaction, an audit row with the reason. A bill flagged for anything else (a price, a
 * closed PO) waits for its approver as before; a bill that is decided, pending elsewhere or
 * being approved is left alone.
 *
 * `afterRedecide` carries the result to people: a bill that left the approval states resumes
 * the execution waiting on it; one still pending has its approvers emailed again (their old
 * links are refused: the bill changed).
 */
import { ConflictError, type BillRecord, type BillStore } from './ports/store.ts';
import { DecisionContentionError, processBill } from './process-bill.ts';

export const REMATCH_CODES: ReadonlySet<string> = new Set(['QUANTITY_VARIANCE', 'NO_PO', 'UNMATCHED_LINE', 'VENDOR_UNKNOWN']);

export interface RematchDeps {
  readonly store: BillStore;
  readonly now: () => number;
  afterRedecide?(before: BillRecord, after: BillRecord): Promise<void>;
}

export interface RematchResult {
  /** Bills flagged only for codes master data can settle. */
  readonly considered: number;
  readonly redecided: readonly { readonly bill_id: string; readonly invoice_number: string | null; readonly from: string; readonly to: string; readonly codes: readonly string[] }[];
  /** Bills that changed meanwhile (an approver decided): left as they are. */
  readonly skipped: number;
}

/** Whether a bill is one re-match decides again. */
export function rematchable(bill: BillRecord): boolean {
  return bill.state === 'flagged' && bill.exceptions.length > 0 && bill.exceptions.every((e) => REMATCH_CODES.has(e.code)) && (bill.approvals ?? []).length === 0;
}

/** One pass over the flagged bills. `reason` goes into each audit row (`bm import bin/demo/master`). */
export async function rematchBills(reason: string, deps: RematchDeps): Promise<RematchResult> {
  const candidates = (await deps.store.listBills({ state: 'flagged' })).filter(rematchable);
  const redecided: RematchResult['redecided'][number][] = [];
  let skipped = 0;
  for (const listed of candidates) {
    const bill = await deps.store.getBill(listed.bill_id);
    if (!bill || !rematchable(bill)) {
      skipped++;
      continue;
    }
    const at = new Date(deps.now()).toISOString();
    const was = bill.exceptions.map((e) => e.code).join(', ');
    let after: BillRecord;
    try {
      after = await processBill(
        {
          billId: bill.bill_id,
          canonical: bill.canonical,
          readingExceptions: [],
          source: bill.source,
          replacing: {
            bill,
            review: {
              at,
              actor: 'system',
              action: 'rematched',
              from_state: bill.state,
              to_state: bill.state,
              message: `master data changed (${reason}): flagged for ${was}, decided again as version ${(bill.revision ?? 1) + 1}`,
              codes: bill.exceptions.map((e) => e.code),
            },
          },
        },
        { store: deps.store, now: deps.now, maxAttempts: 5 },
      );
    } catch (err) {
      // An approver decided meanwhile: their decision stands.
      if (err instanceof ConflictError || err instanceof DecisionContentionError) {
        skipped++;
        continue;
      }
      throw err;
    }
    redecided.push({ bill_id: bill.bill_id, invoice_number: bill.invoice_number, from: `${bill.state} (${was})`, to: after.exceptions.length ? `${after.state} (${after.exceptions.map((e) => e.code).join(', ')})` : after.state, codes: after.exceptions.map((e) => e.code) });
    if (deps.afterRedecide) await deps.afterRedecide(bill, after);
  }
  return { considered: candidates.length, redecided, skipped };
}
