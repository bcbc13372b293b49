/**
 * Use case: a clerk corrects a bill in `needs_review` and confirms it (docs/pdf-extraction.md,
 * "Review").
 *
 * 1. `submitReview` (the page's POST): the bill must still be in `needs_review` at the version
 *    the clerk saw; the corrected bill must pass the shape and reading checks (each problem is
 *    returned naming its field, and nothing is written). Its confidence map is dropped — a
 *    person confirmed every field — and it is stored as a document (`reviews/<bill>/v<n>.bill.json`).
 *    Then the same workflow runs again on that document, as a submission that carries `review`.
 * 2. `decideReviewedBill` (task DecideBill, for such a submission): the corrected bill is decided
 *    by the same rules as any bill, as the next version of the same bill — its id, its source
 *    and its place in duplicate detection kept — in one transaction with an audit row that names
 *    the reviewer and every changed field. The workflow goes on as for any decision: an approver
 *    is asked (after quiet hours), or the bill is ready for payment, flagged or blocked.
 */
import { shapeBill, type CanonicalBill } from './bill.ts';
import { outcomeRow, type OutcomeRow } from './output.ts';
import type { DocumentStore } from './ports/documents.ts';
import { ConflictError, type BillRecord, type BillStore } from './ports/store.ts';
import { DecisionContentionError, processBill } from './process-bill.ts';
import type { Part, Submission } from './submission.ts';
import { validateBill } from './validate.ts';
import { Decimal, isCurrencyCode, oneMinorUnit } from './money.ts';

/** The review was refused; nothing was written. `problems` name fields of the corrected bill. */
export class ReviewRefusedError extends Error {
  override readonly name = 'ReviewRefusedError';
  constructor(
    message: string,
    readonly problems: readonly { readonly field: string; readonly message: string }[] = [],
  ) {
    super(message);
  }
}

/** The bill changed after the clerk opened it (another review, a retry): reload and look again. */
export class ReviewConflictError extends Error {
  override readonly name = 'ReviewConflictError';
}

export interface ReviewInput {
  readonly billId: string;
  /** The bill version the clerk saw; absent: the version it has now. */
  readonly expectedVersion?: number;
  /** The bill as corrected (canonical bill JSON; amounts as strings). */
  readonly corrected: unknown;
  readonly reviewer: string;
  readonly note?: string | null;
}

export interface ReviewDeps {
  readonly store: Pick<BillStore, 'getBill' | 'policy'>;
  readonly documents: Pick<DocumentStore, 'put'>;
  /** Starts the workflow on a submission (Step Functions StartExecution; locally the queue). */
  start(submission: Submission): Promise<void>;
  readonly now: () => number;
}

const REVIEWER = /^[^\s@<>"]+@[^\s@<>"]+$/;

/** Checks a correction against the bill as stored; the submission that decides it again. */
export async function submitReview(input: ReviewInput, deps: ReviewDeps): Promise<Submission> {
  const bill = await deps.store.getBill(input.billId);
  if (!bill) throw new ReviewRefusedError(`there is no bill ${input.billId}`);
  if (bill.state !== 'needs_review') throw new ReviewRefusedError(`bill ${bill.bill_id} is ${bill.state}, not needs_review: only a bill in review can be corrected`);
  if (input.expectedVersion !== undefined && bill.version !== input.expectedVersion) {
    throw new ReviewConflictError(`bill ${bill.bill_id} changed since it was opened (version ${input.expectedVersion}, now ${bill.version}): reload it`);
  }
  const reviewer = input.reviewer.trim();
  // Every problem of the form in one round: the reviewer's address with the bill's own.
  const reviewerProblems = REVIEWER.test(reviewer) ? [] : [{ field: 'reviewer', message: 'must be an email address' }];

  const shaped = shapeBill(input.corrected);
  const andReviewer = reviewerProblems.length ? ', and who reviewed it is needed: an email address' : '';
  if (!shaped.ok) throw new ReviewRefusedError(`the corrected bill has problems${andReviewer}`, [...reviewerProblems, ...shaped.problems]);
  // A person confirmed every field: no confidence below any threshold is left.
  const { confidence: _dropped, ...asPosted } = input.corrected as CanonicalBill;
  const confirmed = payableAfterReview(bill.canonical ?? {}, asPosted);
  const policy = await deps.store.policy();
  const checked = validateBill(confirmed, { confidenceThreshold: policy.confidence_threshold });
  if (checked.exceptions.length > 0) {
    throw new ReviewRefusedError(`the corrected bill does not add up${andReviewer}`, [
      ...reviewerProblems,
      ...checked.exceptions.map((e) => ({ field: fieldOf(e.message, e.line), message: `${e.code}: ${e.message}` })),
    ]);
  }
  if (reviewerProblems.length > 0) throw new ReviewRefusedError('who reviewed it is needed: an email address', reviewerProblems);

  const changes = changedFields(bill.canonical ?? {}, confirmed);
  const id = `review-${bill.bill_id}-v${bill.version}`;
  const key = `reviews/${bill.bill_id}/v${bill.version}.bill.json`;
  await deps.documents.put(key, new TextEncoder().encode(JSON.stringify(confirmed, null, 2) + '\n'));
  const submission: Submission = {
    id,
    document_key: key,
    name: `${bill.source.input} (reviewed)`,
    submitter: reviewer,
    received_at: new Date(deps.now()).toISOString(),
    review: { bill_id: bill.bill_id, expected_version: bill.version, reviewer, note: input.note?.trim() || null, changes },
  };
  await deps.start(submission);
  return submission;
}

/** Fields whose change by a reviewer makes the bill never touchless (amounts, lines, currency, type). */
const AMOUNT_FIELDS = /^(lines|tax_breakdown|net_total|tax_total|total|payable|prepaid|rounding|allowance_total|charge_total|currency|document_type)\b/;

/** Did the reviewer change amounts or lines? (`changes` as `changedFields` gives them.) */
export function changesAmounts(changes: readonly string[]): boolean {
  return changes.some((c) => AMOUNT_FIELDS.test(c));
}

/**
 * `payable` after a review: where the reviewer left it as read but changed the total, prepaid or
 * rounding, it is derived again (`total − prepaid + rounding`); where the reviewer changed it,
 * it must agree with them to one minor unit, or the review is refused.
 */
export function payableAfterReview(before: CanonicalBill, after: CanonicalBill): CanonicalBill {
  const text = (v: unknown) => (v === null || v === undefined ? '' : String(v).trim());
  const drivers = ['total', 'prepaid', 'rounding'] as const;
  const payableChanged = text(before.payable) !== text(after.payable);
  if (!payableChanged) {
    if (drivers.some((k) => text(before[k]) !== text(after[k]))) {
      const { payable: _stale, ...rest } = after;
      return { ...rest, payable: null };
    }
    return after;
  }
  if (text(after.payable) === '') return after;
  const d = (v: unknown) => Decimal.tryParse(text(v) || '0');
  const [payable, total, prepaid, rounding] = [d(after.payable), d(after.total), d(after.prepaid), d(after.rounding)];
  if (!payable || !total || !prepaid || !rounding) return after; // the reading checks name the field
  const due = total.sub(prepaid).add(rounding);
  const currency = text(after.currency).toUpperCase();
  const one = oneMinorUnit(isCurrencyCode(currency) ? currency : 'EUR');
  if (payable.sub(due).abs().gt(one)) {
    throw new ReviewRefusedError('the corrected bill does not add up', [
      { field: 'payable', message: `payable ${text(after.payable)} ≠ total ${total} − prepaid ${prepaid} + rounding ${rounding} = ${due}` },
    ]);
  }
  return after;
}

/** Task DecideBill for a review submission: the corrected bill as the next version of the bill. */
export async function decideReviewedBill(input: { submission: Submission; part: Part }, deps: { store: BillStore; now: () => number }): Promise<OutcomeRow> {
  const review = input.submission.review!;
  const bill = await deps.store.getBill(review.bill_id);
  if (!bill) throw new ReviewRefusedError(`there is no bill ${review.bill_id}`);
  if (bill.version !== review.expected_version) {
    // A retry of this very task after its transaction went through: the decision is there.
    if (await alreadyApplied(bill, input.submission, deps.store)) return outcomeRow(bill);
    throw new ReviewConflictError(`bill ${bill.bill_id} changed since the review was confirmed (version ${review.expected_version}, now ${bill.version})`);
  }
  const at = new Date(deps.now()).toISOString();
  const changed = review.changes.length ? review.changes.join('; ') : 'no field changed';
  try {
    const record = await processBill(
      {
        billId: bill.bill_id,
        canonical: input.part.bill as CanonicalBill | null,
        readingExceptions: input.part.exceptions as never,
        source: bill.source,
        replacing: {
          bill,
          reviewedAmounts: changesAmounts(review.changes),
          review: {
            at,
            actor: review.reviewer,
            action: 'reviewed',
            from_state: bill.state,
            to_state: bill.state,
            message: `corrected and confirmed by ${review.reviewer} (${input.submission.id}): ${changed}${review.note ? ` — note: ${review.note}` : ''}`,
            codes: [],
          },
        },
      },
      { ...deps, maxAttempts: 5 },
    );
    return outcomeRow(record);
  } catch (err) {
    if (!(err instanceof DecisionContentionError || err instanceof ConflictError)) throw err;
    const now = await deps.store.getBill(review.bill_id);
    if (now && (await alreadyApplied(now, input.submission, deps.store))) return outcomeRow(now);
    throw new ReviewConflictError(`bill ${review.bill_id} changed while the review was decided`, { cause: err });
  }
}

async function alreadyApplied(bill: BillRecord, submission: Submission, store: Pick<BillStore, 'audit'>): Promise<boolean> {
  if (bill.version <= submission.review!.expected_version) return false;
  return (await store.audit(bill.bill_id)).some((a) => a.action === 'reviewed' && a.message.includes(`(${submission.id})`));
}

/** The field a reading exception is about (`field lines[1].quantity: …`), or the line. */
function fieldOf(message: string, line: string | null): string {
  const m = /\bfield (\S+?):/.exec(message);
  if (m) return m[1]!;
  return line ? `lines (line ${line})` : '(bill)';
}

/** `path: old → new` for every leaf that differs (confidence ignored). */
export function changedFields(before: unknown, after: unknown): string[] {
  const a = leaves(before);
  const b = leaves(after);
  const out: string[] = [];
  for (const path of [...new Set([...a.keys(), ...b.keys()])].sort()) {
    if (path === 'confidence' || path.startsWith('confidence.')) continue;
    const x = a.get(path) ?? '';
    const y = b.get(path) ?? '';
    if (x !== y) out.push(`${path}: ${x === '' ? '(empty)' : JSON.stringify(x)} → ${y === '' ? '(empty)' : JSON.stringify(y)}`);
  }
  return out;
}

function leaves(value: unknown, path = '', out = new Map<string, string>()): Map<string, string> {
  if (value === null || value === undefined) return out;
  if (Array.isArray(value)) value.forEach((v, i) => leaves(v, `${path}[${i}]`, out));
  else if (typeof value === 'object') for (const [k, v] of Object.entries(value)) leaves(v, path ? `${path}.${k}` : k, out);
  else out.set(path, String(value));
  return out;
}
