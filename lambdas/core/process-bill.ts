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
import { ConflictError, type AuditRecord, type BillRecord, type BillSource, type BillStore, type DecisionCommit, type DecisionReads, type ReadVersion, type Versioned } from './ports/store.ts';
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

/**
 * `first`: the first attempt's decision, already under way (`decideFirst`, on reads shared with
 * a check made beside it); after a conflict every attempt decides on fresh reads.
 */
export async function processBill(input: ProcessInput, deps: ProcessDeps, first?: Promise<Decided>): Promise<BillRecord> {
  const maxAttempts = deps.maxAttempts ?? 25;
  for (let attempt = 1; ; attempt++) {
    const decided = await (attempt === 1 && first ? first : decideOnce(input, deps));
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

function decideOnce(input: ProcessInput, deps: ProcessDeps): Promise<Decided> {
  return input.replacing ? decideReplacing(input, input.replacing.bill, deps) : decideWith(input, deps, deps.store);
}

/** What `decideFirst` and a check beside it read: the store's reads, each asked once. */
export type SharedReads = DecisionReads & Pick<BillStore, 'getBill'>;

/** The decision's reads straight from the store, or from other reads (what the wrappers below leave as it is). */
function storeReads(store: DecisionReads): DecisionReads {
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
    billedQuantities: (po) => store.billedQuantities(po),
  };
}

/**
 * The store's reads for one moment: each claim, ledger and the like is read once, however
 * many ask (the re-send check and the first attempt's decision ask for the same duplicate
 * claim), and reads asked for together go out together. Master data passes through (the store
 * keeps it). Safe for a decision because its commit is conditional on every version it read.
 */
export function sharedReads(store: BillStore): SharedReads {
  const once = new Map<string, Promise<unknown>>();
  const memo = <T>(k: string, read: () => Promise<T>): Promise<T> => {
    let p = once.get(k) as Promise<T> | undefined;
    if (!p) once.set(k, (p = read()));
    return p;
  };
  return {
    ...storeReads(store),
    vendorSpend: (v, from) => memo(`spend\n${v}\n${from}`, () => store.vendorSpend(v, from)),
    vendorSpendVersion: (v) => memo(`spendVersion\n${v}`, () => store.vendorSpendVersion(v)),
    duplicateClaim: (k) => memo(`dup\n${k}`, () => store.duplicateClaim(k)),
    documentClaim: (k) => memo(`doc\n${k}`, () => store.documentClaim(k)),
    billedQuantities: (po) => memo(`billed\n${po}`, () => store.billedQuantities(po)),
    getBill: (id) => memo(`bill\n${id}`, () => store.getBill(id)),
  };
}

/** A new bill's first decision on `reads` (`sharedReads`), started before knowing it is needed; `processBill` commits it. */
export function decideFirst(input: ProcessInput, deps: ProcessDeps, reads: DecisionReads): Promise<Decided> {
  if (input.replacing) throw new TypeError('decideFirst is for a new bill');
  return decideWith(input, deps, reads);
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
    ...storeReads(store),
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
  const seen = new Map<string, ReadVersion>();
  const decided = await decide(validated.bill, input.canonical, input.source, recordingVersions(reads, seen), ctx);
  return seen.size ? { ...decided, commit: { ...decided.commit, readVersions: [...seen.values()] } } : decided;
}

/** `reads`, noting the version of every versioned item read (the first read of each; `sharedReads` reads each once). */
function recordingVersions(reads: DecisionReads, seen: Map<string, ReadVersion>): DecisionReads {
  const note = (of: ReadVersion['of'], key: string, version: number) => {
    const k = `${of}\n${key}`;
    if (!seen.has(k)) seen.set(k, { of, key, version });
  };
  return {
    ...storeReads(reads),
    billedQuantities: async (po) => {
      const r = await reads.billedQuantities(po);
      note('billed', normalizePoRef(po), r.version);
      return r;
    },
    vendorSpend: async (v, from) => {
      const r = await reads.vendorSpend(v, from);
      note('spend', v, r.version);
      return r;
    },
    vendorSpendVersion: async (v) => {
      const version = await reads.vendorSpendVersion(v);
      note('spend', v, version);
      return version;
    },
    duplicateClaim: async (k) => {
      const r = await reads.duplicateClaim(k);
      note('claim', k, r.version);
      return r;
    },
  };
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
