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
import { Decimal } from './money.ts';
import { normalizePoRef } from './normalize.ts';
import { ConflictError, type AuditRecord, type BillRecord, type BillSource, type BillStore, type DecisionCommit, type DecisionReads, type DuplicateEntry, type Versioned } from './ports/store.ts';
import { validateBill } from './validate.ts';

export interface ProcessInput {
  readonly billId: string;
  readonly canonical: CanonicalBill | null;
  /** Exceptions the reader already found (UNREADABLE, LOW_CONFIDENCE …). */
  readonly readingExceptions: readonly BillException[];
  readonly source: BillSource;
  /**
   * A bill decided again (a review, the supplier's corrected re-send, a re-match): the stored
   * bill (it keeps its id, creation time and the version chain) and the audit row that says
   * why, written in the same transaction before the decision's own row. The quantities the
   * stored bill holds on PO lines are given back in that transaction: the new decision sees the
   * PO without them and reserves afresh.
   */
  readonly replacing?: {
    readonly bill: BillRecord;
    readonly review: Omit<AuditRecord, 'bill_id' | 'seq'>;
    /** The reviewer changed amounts or lines: the bill is never touchless. */
    readonly reviewedAmounts?: boolean;
  };
  /**
   * Duplicate claims read just before, by key (the re-send check): the first attempt decides on
   * them instead of reading them again. Safe because the commit is conditional on the version
   * read; after a conflict every read is made afresh.
   */
  readonly known?: { readonly duplicateClaims?: ReadonlyMap<string, Versioned<readonly DuplicateEntry[]>> };
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
    const decided = await decideOnce(input, deps, attempt === 1 ? input.known?.duplicateClaims : undefined);
    const commit = input.replacing ? replacingCommit(decided.commit, input.replacing) : decided.commit;
    try {
      await deps.store.commitDecision(commit);
      return commit.bill;
    } catch (err) {
      if (err instanceof ConflictError && !input.replacing) {
        // A new bill's id is derived from its submission and part: when it exists, this is a retry
        // (or redelivery) of a decision already recorded — that record is the answer.
        const recorded = await deps.store.getBill(input.billId);
        if (recorded) return recorded;
      }
      if (!(err instanceof ConflictError) || attempt >= maxAttempts) {
        if (err instanceof ConflictError) throw new DecisionContentionError(`bill ${input.billId}: still conflicting after ${attempt} attempts`, { cause: err });
        throw err;
      }
      // Back off a little, with jitter, so that racing deciders spread out.
      await new Promise((r) => setTimeout(r, Math.random() * Math.min(200, 5 * 2 ** attempt)));
    }
  }
}

function decideOnce(input: ProcessInput, deps: ProcessDeps, known: ReadonlyMap<string, Versioned<readonly DuplicateEntry[]>> | undefined): Promise<Decided> {
  if (input.replacing) return decideReplacing(input, input.replacing.bill, deps);
  return decideWith(input, deps, known?.size ? withKnownClaims(deps.store, known) : deps.store);
}

/** The store's reads, with duplicate claims already read (this attempt only) answered from `known`. */
function withKnownClaims(store: BillStore, known: ReadonlyMap<string, Versioned<readonly DuplicateEntry[]>>): DecisionReads {
  return {
    policy: () => store.policy(),
    vendorsByTaxId: (t) => store.vendorsByTaxId(t),
    vendorsByName: (n) => store.vendorsByName(n),
    purchaseOrder: (r) => store.purchaseOrder(r),
    openPurchaseOrders: (v) => store.openPurchaseOrders(v),
    vendorSpend: (v, from) => store.vendorSpend(v, from),
    vendorSpendVersion: (v) => store.vendorSpendVersion(v),
    duplicateClaim: (k) => {
      const c = known.get(k);
      return c ? Promise.resolve(c) : store.duplicateClaim(k);
    },
    documentClaim: (k) => store.documentClaim(k),
    billedQuantities: (po) => store.billedQuantities(po),
  };
}

/** A bill decided again: its own reservations do not count against it, and those it no longer holds are given back. */
async function decideReplacing(input: ProcessInput, replaced: BillRecord, deps: ProcessDeps): Promise<Decided> {
  const reads = withoutOwnReservations(deps.store, replaced);
  const decided = await decideWith(input, deps, reads);
  // POs the stored bill reserved on that the new decision does not reserve on: given back.
  const reserved = new Set(decided.commit.reservations.map((r) => r.po_number));
  const releases: DecisionCommit['reservations'][number][] = [];
  for (const po of Object.keys(replaced.reservations)) {
    if (reserved.has(po)) continue;
    const b = await reads.billedQuantities(po);
    releases.push({ po_number: po, version: b.version, previous: b.value, add: new Map() });
  }
  return releases.length ? { ...decided, commit: { ...decided.commit, reservations: [...decided.commit.reservations, ...releases] } } : decided;
}

/** The store's reads, with what `bill` holds on PO lines taken off (it is being decided again). */
function withoutOwnReservations(store: BillStore, bill: BillRecord): DecisionReads {
  const own = bill.reservations;
  return {
    policy: () => store.policy(),
    vendorsByTaxId: (t) => store.vendorsByTaxId(t),
    vendorsByName: (n) => store.vendorsByName(n),
    purchaseOrder: (r) => store.purchaseOrder(r),
    openPurchaseOrders: (v) => store.openPurchaseOrders(v),
    vendorSpend: (v, from) => store.vendorSpend(v, from),
    vendorSpendVersion: (v) => store.vendorSpendVersion(v),
    duplicateClaim: (k) => store.duplicateClaim(k),
    documentClaim: (k) => store.documentClaim(k),
    async billedQuantities(po: string): Promise<Versioned<ReadonlyMap<string, Decimal>>> {
      const read = await store.billedQuantities(po);
      const mine = Object.entries(own).find(([k]) => normalizePoRef(k) === normalizePoRef(po))?.[1];
      if (!mine) return read;
      const next = new Map(read.value);
      for (const [line, q] of Object.entries(mine)) {
        const have = next.get(line);
        if (have) next.set(line, have.sub(Decimal.parse(q)));
      }
      return { value: next, version: read.version };
    },
  };
}

async function decideWith(input: ProcessInput, deps: ProcessDeps, reads: DecisionReads): Promise<Decided> {
  const policy = await deps.store.policy();
  const nowMs = deps.now();
  const ctx = { billId: input.billId, nowMs, policy, reviewer: input.replacing?.review.actor ?? null, reviewedAmounts: input.replacing?.reviewedAmounts ?? false };
  const validated = validateBill(input.canonical ?? {}, { confidenceThreshold: policy.confidence_threshold });
  const reading = input.canonical && validated.exceptions.length > 0 ? [...input.readingExceptions, ...validated.exceptions] : input.readingExceptions;
  if (reading.length > 0 || !validated.bill) {
    const claimed = (await deps.store.documentClaim(documentKey(input.source))) !== null;
    return decideUnreadable(input.canonical, reading.length > 0 ? reading : validated.exceptions, input.source, ctx, claimed);
  }
  return decide(validated.bill, input.canonical, input.source, reads, ctx);
}

/** A decision as the next version of a stored bill, after the review's audit row. */
function replacingCommit(c: DecisionCommit, r: NonNullable<ProcessInput['replacing']>): DecisionCommit {
  const prev = r.bill;
  return {
    ...c,
    // The document stays claimed by this bill, as it was.
    bill: {
      ...c.bill,
      version: prev.version + 1,
      revision: (prev.revision ?? 1) + 1,
      created_at: prev.created_at,
      document_key: c.bill.document_key ?? prev.document_key,
      // An execution may still wait on this bill's decision: a final decision resumes it.
      ...(prev.task_token ? { task_token: prev.task_token } : {}),
    },
    audit: [r.review, ...c.audit.map((a) => ({ ...a, from_state: prev.state }))],
    replaces: prev.version,
  };
}
