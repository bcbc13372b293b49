/**
 * The workflow's use cases, one per task of `state-machines/process-document.asl.json`:
 * read a submitted document, decide one bill of it, record a failure. Each is idempotent, so
 * that a retried task or a redelivered message never makes a second bill.
 */
import { createHash } from 'node:crypto';
import type { CanonicalBill } from './bill.ts';
import { decideUnreadable, documentKey, type Decided } from './decide.ts';
import { exception, type BillException } from './exceptions.ts';
import { outcomeRow, type OutcomeRow } from './output.ts';
import { ConflictError, NoMasterDataError, type BillRecord, type BillSource, type BillStore, type DecisionCommit } from './ports/store.ts';
import { normalizePoRef } from './normalize.ts';
import { decideFirst, processBill, sharedReads, type ProcessInput } from './process-bill.ts';
import { decideReviewedBill } from './review.ts';
import { decideResent, waitingBillFor, type WaitingCheck } from './supplier-wait.ts';
import { DocumentMissingError, partSchema, type Part, type ReadOutcome } from './part-schema.ts';
import { submissionSchema, type Submission } from './submission-schema.ts';
import { senderTrusted } from './sender.ts';

export { DocumentMissingError, partSchema, submissionSchema, type Part, type ReadOutcome, type Submission };

/**
 * Bill ids are derived from the submission and the part, so that a retry finds the bill it
 * already made: time-ordered by arrival, then a hash of (submission, part).
 */
export function billIdFor(submission: Pick<Submission, 'id' | 'received_at'>, part: number): string {
  const ms = Date.parse(submission.received_at);
  const h = createHash('sha256').update(`${submission.id}#${part}`).digest('hex').slice(0, 12);
  return `b${ms.toString(36).padStart(9, '0')}${h}`;
}

export interface DecideDeps {
  readonly store: BillStore;
  readonly now: () => number;
}

function sourceOf(submission: Submission, part: Part) {
  return {
    input: submission.name,
    part: part.part,
    format: part.format,
    document_hash: part.document_hash,
    document_part: part.document_part,
    // An email's sender is decided with the policy (core/sender.ts), never taken from the submission.
    submitter: part.email ? null : submission.submitter,
    origin: part.origin,
    email: part.email,
    ...(submission.sender_check ? { sender_check: submission.sender_check } : {}),
    extraction: part.extraction,
    stored_as: submission.document_key,
    sender_trusted: senderTrusted(submission, part),
  };
}

export interface DecideOptions {
  /**
   * The bill's turn to be recorded (the local workflow: after every execution started before it
   * that shares something with this decision). The bill is decided at once, on what the store
   * holds now; `turn` is called with the decision's footprint (`decisionFootprint`; null: the
   * bill is decided in turn, whatever it touches) and the bill is committed once it resolves. The
   * commit is conditional on every version the decision read (`DecisionCommit.readVersions`):
   * when an earlier bill's commit changed one meanwhile (or `turn` resolves true: an earlier
   * decision on the same footprint was waited for), the bill is decided again from the start, the
   * re-send check included, in its turn. So the outcome is the one-after-another outcome, with
   * the decisions' work overlapped.
   */
  readonly turn?: (footprint: readonly string[] | null) => Promise<boolean>;
}

/**
 * What a decision touches, as keys: the bill, its document, the duplicate claims, the PO's billed
 * quantities and the vendor's spend ledger it read or writes. Two decisions whose footprints
 * share nothing can be recorded in either order with the same outcome. The footprint follows
 * from the bill and the master data alone (the claims' keys, the PO by reference or inferred from
 * the vendor's open POs, the vendor), so deciding the bill again never touches more.
 */
export function decisionFootprint(commit: DecisionCommit, source: BillSource): string[] {
  const keys = new Set([`bill:${commit.bill.bill_id}`, `doc:${documentKey(source)}`]);
  for (const r of commit.readVersions ?? []) keys.add(r.of === 'billed' ? `billed:${normalizePoRef(r.key)}` : `${r.of}:${r.key}`);
  if (commit.duplicateClaim) keys.add(`claim:${commit.duplicateClaim.key}`);
  if (commit.similarClaim) keys.add(`claim:${commit.similarClaim.key}`);
  if (commit.documentClaim) keys.add(`doc:${commit.documentClaim}`);
  for (const r of commit.reservations) keys.add(`billed:${normalizePoRef(r.po_number)}`);
  if (commit.spend) keys.add(`spend:${commit.spend.vendor_id}`);
  return [...keys];
}

/** Task DecideBill: one bill decided and recorded, or the bill already recorded for this part. */
export async function decideSubmittedBill(input: { submission: Submission; part: Part }, deps: DecideDeps, options: DecideOptions = {}): Promise<OutcomeRow> {
  const { turn } = options;
  // Decided again from the start, in turn: a review, a re-send, a retry, or a decision made ahead on what changed since.
  const inTurn = async (footprint: readonly string[] | null = null) => {
    await turn?.(footprint);
    return decideSubmittedBill(input, deps);
  };
  if (input.submission.review) return turn ? inTurn() : decideReviewedBill(input, deps);
  const billId = billIdFor(input.submission, input.part.part);
  // The bill is not read first: a retried task finds it recorded in its duplicate claim (below),
  // or by the decision's own condition (a new bill must not exist: `processBill`).
  const source = sourceOf(input.submission, input.part);
  const bill: ProcessInput = { billId, canonical: input.part.bill as CanonicalBill | null, readingExceptions: input.part.exceptions as BillException[], source };
  // Before the decision counts: the supplier's answer to a bill that waits on it. The first
  // decision is made beside that check, on the same reads (the duplicate claim read once, the
  // rest with it in one request), and committed only when nothing waits.
  const reads = sharedReads(deps.store);
  const first = decideFirst(bill, deps, reads);
  first.catch(() => undefined); // awaited below, or not needed
  const check = await waitingBillFor(bill.canonical, source, reads, billId);
  if (turn) return commitInTurn(first, check, source, turn, inTurn, deps);
  if (check.recorded) return outcomeRow(check.recorded);
  if (check.waiting) return decideResent({ submission: input.submission, canonical: input.part.bill as CanonicalBill, readingExceptions: input.part.exceptions as BillException[], source, waiting: check.waiting }, deps);
  try {
    const record = await processBill(bill, deps, first);
    return outcomeRow(record);
  } catch (err) {
    // A retry racing its own earlier attempt: the bill is there now.
    const now = await deps.store.getBill(billId);
    if (now) return outcomeRow(now);
    throw err;
  }
}

/** A decision made ahead, committed in its turn; anything else (a bill waits, a conflict) is decided again in turn. */
async function commitInTurn(
  first: Promise<Decided>,
  check: WaitingCheck,
  source: BillSource,
  turn: NonNullable<DecideOptions['turn']>,
  inTurn: (footprint?: readonly string[] | null) => Promise<OutcomeRow>,
  deps: DecideDeps,
): Promise<OutcomeRow> {
  // A bill waits on its supplier, or this bill is recorded already: the usual path, in turn.
  if (check.recorded || check.waiting) return inTurn();
  const decided = await first;
  const footprint = decisionFootprint(decided.commit, source);
  // An earlier decision on the same claim, PO or ledger was recorded meanwhile: decided again on what it left.
  if (await turn(footprint)) return inTurn(footprint);
  try {
    await deps.store.commitDecision(decided.commit);
    return outcomeRow(decided.commit.bill);
  } catch (err) {
    // Something the decision read changed (an earlier bill committed), or the bill exists (a retry).
    if (err instanceof ConflictError) return inTurn(footprint);
    throw err;
  }
}

export interface FailureInput {
  readonly submission: Submission;
  readonly part?: Part;
  readonly error: { readonly Error?: string; readonly Cause?: string };
}

/** Task RecordFailure: the bill (or the whole document) goes to needs_review with the reason. */
export async function recordFailure(input: FailureInput, deps: DecideDeps): Promise<OutcomeRow> {
  if (input.submission.review) {
    // A review that could not be decided leaves the bill as it was (in review), with the reason in its trail; no new bill.
    const reviewed = await deps.store.getBill(input.submission.review.bill_id);
    if (reviewed) return outcomeRow(await noteFailedReview(reviewed, input, deps));
  }
  const part: Part = input.part ?? {
    part: 0,
    format: 'unknown',
    bill: null,
    exceptions: [],
    document_hash: `failed:${input.submission.id}`,
    document_part: null,
    origin: null,
    email: null,
    needs_extraction: false,
    extraction: null,
  };
  const billId = billIdFor(input.submission, part.part);
  const existing = await deps.store.getBill(billId);
  if (existing) return outcomeRow(existing);
  // Sent before any master-data import: read, but not decided; said so, not as a reading failure.
  const reason =
    input.error.Error === 'NoMasterDataError'
      ? `${input.submission.name}: not decided: ${input.error.Cause ? summariseCause(input.error.Cause) : new NoMasterDataError().message}; then send the bill again`
      : `${input.submission.name}: processing failed after retries: ${input.error.Error ?? 'Error'}${input.error.Cause ? `: ${summariseCause(input.error.Cause)}` : ''}`;
  const decided = decideUnreadable(
    part.bill as CanonicalBill | null,
    [exception('UNREADABLE', reason)],
    sourceOf(input.submission, part),
    { billId, nowMs: deps.now() },
    true,
  );
  try {
    await deps.store.commitDecision(decided.commit);
  } catch (err) {
    if (!(err instanceof ConflictError)) throw err;
  }
  const recorded = await deps.store.getBill(billId);
  return outcomeRow(recorded ?? decided.commit.bill);
}

/** Step Functions passes the Lambda error as JSON text in Cause: keep its message, short. */
function summariseCause(cause: string): string {
  try {
    const j = JSON.parse(cause) as { errorMessage?: string };
    if (j.errorMessage) return j.errorMessage.slice(0, 500);
  } catch {
    // not JSON: use as is
  }
  return cause.slice(0, 500);
}

/** An audit row on the reviewed bill: the review by whom, not applied, and why (the bill is unchanged). */
async function noteFailedReview(bill: BillRecord, input: FailureInput, deps: DecideDeps): Promise<BillRecord> {
  const review = input.submission.review!;
  const at = new Date(deps.now()).toISOString();
  const why = `${input.error.Error ?? 'Error'}${input.error.Cause ? `: ${summariseCause(input.error.Cause)}` : ''}`;
  const next: BillRecord = { ...bill, version: bill.version + 1, updated_at: at };
  try {
    await deps.store.commitTransition({
      bill: next,
      expectedVersion: bill.version,
      audit: [{ at, actor: 'system', action: 'review_not_applied', from_state: bill.state, to_state: bill.state, message: `the correction by ${review.reviewer} (${input.submission.id}) was not applied: ${why}`, codes: [] }],
      nonce: null,
      spend: null,
      releases: [],
      duplicateClaim: null,
    });
    return next;
  } catch (err) {
    // The bill moved on meanwhile: what it is now is the answer.
    if (err instanceof ConflictError) return (await deps.store.getBill(bill.bill_id)) ?? bill;
    throw err;
  }
}
