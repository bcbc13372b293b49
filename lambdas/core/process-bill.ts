/**
 * Use case: decide one read bill and record the decision.
 *
 * 1. Validate the bill as read (reading checks); a failure goes to `needs_review`.
 * 2. Decide against what the store holds now (vendor, PO, receipts, earlier bills, spend).
 * 3. Commit the bill, its audit rows, claims, reservations and spend in one transaction,
 *    conditional on every version the decision read.
 * 4. When another decision got there first (a conflict), decide again on the new state.
 */
import type { CanonicalBill } from './bill.ts';
import type { BillException } from './exceptions.ts';
import { decide, decideUnreadable, documentKey, type Decided } from './decide.ts';
import { ConflictError, type AuditRecord, type BillRecord, type BillSource, type BillStore, type DecisionCommit } from './ports/store.ts';
import { validateBill } from './validate.ts';

export interface ProcessInput {
  readonly billId: string;
  readonly canonical: CanonicalBill | null;
  /** Exceptions the reader already found (UNREADABLE, LOW_CONFIDENCE …). */
  readonly readingExceptions: readonly BillException[];
  readonly source: BillSource;
  /**
   * A reviewed bill decided again: the stored bill (it keeps its id, creation time and the
   * version chain) and the audit row of the review, written in the same transaction before the
   * decision's own row.
   */
  readonly replacing?: {
    readonly bill: BillRecord;
    readonly review: Omit<AuditRecord, 'bill_id' | 'seq'>;
    /** The reviewer changed amounts or lines: the bill is never touchless. */
    readonly reviewedAmounts?: boolean;
  };
}

export interface ProcessDeps {
  readonly store: BillStore;
  readonly now: () => number;
  /** How often a decision is retried after losing a race. @default 25 */
  readonly maxAttempts?: number;
}

export class DecisionContentionError extends Error {
  override readonly name = 'DecisionContentionError';
}

export async function processBill(input: ProcessInput, deps: ProcessDeps): Promise<BillRecord> {
  const maxAttempts = deps.maxAttempts ?? 25;
  for (let attempt = 1; ; attempt++) {
    const decided = await decideOnce(input, deps);
    const commit = input.replacing ? replacingCommit(decided.commit, input.replacing) : decided.commit;
    try {
      await deps.store.commitDecision(commit);
      return commit.bill;
    } catch (err) {
      if (!(err instanceof ConflictError) || attempt >= maxAttempts) {
        if (err instanceof ConflictError) throw new DecisionContentionError(`bill ${input.billId}: still conflicting after ${attempt} attempts`, { cause: err });
        throw err;
      }
      // Back off a little, with jitter, so that racing deciders spread out.
      await new Promise((r) => setTimeout(r, Math.random() * Math.min(200, 5 * 2 ** attempt)));
    }
  }
}

async function decideOnce(input: ProcessInput, deps: ProcessDeps): Promise<Decided> {
  const policy = await deps.store.policy();
  const nowMs = deps.now();
  const ctx = { billId: input.billId, nowMs, policy, reviewer: input.replacing?.review.actor ?? null, reviewedAmounts: input.replacing?.reviewedAmounts ?? false };
  const validated = validateBill(input.canonical ?? {}, { confidenceThreshold: policy.confidence_threshold });
  const reading = [...input.readingExceptions, ...(input.canonical ? validated.exceptions : [])];
  if (reading.length > 0 || !validated.bill) {
    const claimed = (await deps.store.documentClaim(documentKey(input.source))) !== null;
    return decideUnreadable(input.canonical, reading.length > 0 ? reading : validated.exceptions, input.source, ctx, claimed);
  }
  return decide(validated.bill, input.canonical, input.source, deps.store, ctx);
}

/** A decision as the next version of a stored bill, after the review's audit row. */
function replacingCommit(c: DecisionCommit, r: NonNullable<ProcessInput['replacing']>): DecisionCommit {
  const prev = r.bill;
  return {
    ...c,
    // The document stays claimed by this bill, as it was.
    bill: { ...c.bill, version: prev.version + 1, created_at: prev.created_at, document_key: c.bill.document_key ?? prev.document_key },
    audit: [r.review, ...c.audit.map((a) => ({ ...a, from_state: prev.state }))],
    replaces: prev.version,
  };
}
