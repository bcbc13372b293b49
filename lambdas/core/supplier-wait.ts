/**
 * The way out of `waiting_on_supplier` (spec/domain.md §8; docs/approvals.md).
 *
 * - **The supplier's re-send**: a bill read from a new submission with the same vendor, document
 *   type and normalized number as a bill that waits on its supplier is that bill's answer, not a
 *   `DUPLICATE`: it becomes the waiting bill's next version — decided again by the same rules,
 *   the PO quantities the first version held given back in the same transaction, an audit row
 *   naming the submission — and the workflow goes on as for any decision (approvers asked).
 *   This step runs before the decision and its duplicate check, and only for a waiting bill.
 * - **Resume or reject from the email** (`/wait?t=…`): the approver who queried (from the
 *   reminder) or the admin (after `supplier_reminder_days` × 3) answers with a note: resume
 *   decides the bill again as it stands (its approvers are asked), reject rejects it and gives
 *   back its quantities and claim.
 */
import type { CanonicalBill } from './bill.ts';
import { duplicateKey } from './decide.ts';
import type { BillException } from './exceptions.ts';
import { verifyKindLink, type KindPayload } from './approval-links.ts';
import { Decimal } from './money.ts';
import { normalizeId, normalizeName } from './normalize.ts';
import { outcomeRow, type OutcomeRow } from './output.ts';
import { ConflictError, NonceSpentError, type BillRecord, type BillSource, type BillStore, type TransitionCommit } from './ports/store.ts';
import { processBill } from './process-bill.ts';
import { resolveVendor } from './resolve.ts';
import type { Submission } from './submission-schema.ts';
import { validateBill } from './validate.ts';

/** What the re-send check found. */
export interface WaitingCheck {
  /** A bill that waits on its supplier (or already took this very part as its next version). */
  readonly waiting: BillRecord | null;
  /** This part's own bill, already recorded (a retried or redriven task): its claim holds it. */
  readonly recorded: BillRecord | null;
}

const NOTHING_WAITS: WaitingCheck = { waiting: null, recorded: null };

/**
 * The bill this part answers: one that waits on its supplier (or already took this very part as
 * its next version). `billId`: this part's own bill id — found in the claim, it is recorded already.
 */
export async function waitingBillFor(
  bill: CanonicalBill | null,
  source: BillSource,
  store: Pick<BillStore, 'policy' | 'vendorsByTaxId' | 'vendorsByName' | 'duplicateClaim' | 'getBill'>,
  billId?: string,
): Promise<WaitingCheck> {
  if (!bill) return NOTHING_WAITS;
  let policy;
  try {
    policy = await store.policy();
  } catch {
    return NOTHING_WAITS;
  }
  const v = validateBill(bill, { confidenceThreshold: policy.confidence_threshold });
  if (!v.bill) return NOTHING_WAITS;
  const taxId = normalizeId(v.bill.supplier.tax_id);
  const name = normalizeName(v.bill.supplier.name);
  const [byTax, byName] = await Promise.all([taxId ? store.vendorsByTaxId(taxId) : [], name ? store.vendorsByName(name) : []]);
  const vendor = resolveVendor(v.bill, byTax, byName)?.vendor ?? null;
  const key = duplicateKey(v.bill, vendor);
  if (!key) return NOTHING_WAITS;
  const claim = await store.duplicateClaim(key);
  if (billId !== undefined && claim.value.some((e) => e.bill_id === billId)) {
    const recorded = await store.getBill(billId);
    if (recorded) return { waiting: null, recorded };
  }
  for (const entry of claim.value) {
    const earlier = await store.getBill(entry.bill_id);
    if (!earlier) continue;
    if (earlier.state === 'waiting_on_supplier') return { waiting: earlier, recorded: null };
    // A retry of this very task after its transaction went through: the answer is recorded.
    if (earlier.source.stored_as === source.stored_as && earlier.source.document_hash === source.document_hash && earlier.source.part === source.part && (earlier.revision ?? 1) > 1) {
      return { waiting: earlier, recorded: null };
    }
  }
  return NOTHING_WAITS;
}

/** Task DecideBill for a supplier's re-send: the waiting bill's next version. */
export async function decideResent(
  input: { submission: Submission; canonical: CanonicalBill; readingExceptions: readonly BillException[]; source: BillSource; waiting: BillRecord },
  deps: { store: BillStore; now: () => number },
): Promise<OutcomeRow> {
  const { waiting } = input;
  if (waiting.state !== 'waiting_on_supplier') return outcomeRow(waiting);
  const at = new Date(deps.now()).toISOString();
  const held = Object.entries(waiting.reservations)
    .map(([po, lines]) => `${po} ${Object.entries(lines).map(([l, q]) => `line ${l} × ${q}`).join(', ')}`)
    .join('; ');
  const record = await processBill(
    {
      billId: waiting.bill_id,
      canonical: input.canonical,
      readingExceptions: input.readingExceptions,
      source: input.source,
      replacing: {
        bill: waiting,
        review: {
          at,
          actor: input.source.submitter ?? 'supplier',
          action: 'resent',
          from_state: waiting.state,
          to_state: waiting.state,
          message: `the supplier re-sent invoice ${waiting.invoice_number ?? ''} (${input.submission.id}, ${input.source.origin ?? input.source.input}) while the bill waited on it: decided again as version ${(waiting.revision ?? 1) + 1}${held ? `; given back: ${held}` : ''}`,
          codes: [],
        },
      },
    },
    { ...deps, maxAttempts: 5 },
  );
  return outcomeRow(record);
}

// ------------------------------------------------------------------------ resume / reject

export interface WaitDeps {
  readonly store: BillStore;
  readonly secret: Uint8Array;
  readonly now: () => number;
  /** Emails the approvers of a resumed bill (approval-desk), and tells the supplier of a rejection. */
  readonly afterResume?: (bill: BillRecord) => Promise<void>;
  readonly notifySupplier?: (m: { to: string; subject: string; text: string; billId: string }) => Promise<void>;
}

export type WaitView =
  | { readonly kind: 'confirm'; readonly bill: BillRecord; readonly person: string }
  | { readonly kind: 'refused'; readonly reason: string; readonly bill?: BillRecord }
  | { readonly kind: 'done'; readonly bill: BillRecord; readonly message: string };

async function checkWait(token: string, deps: WaitDeps): Promise<{ view: WaitView; payload?: KindPayload }> {
  const v = verifyKindLink(token, 'wait', deps.secret, deps.now());
  if (!v.ok) return { view: { kind: 'refused', reason: v.reason === 'expired' ? 'This link has expired; the next reminder brings a fresh one.' : 'This is not a valid link.' } };
  const bill = await deps.store.getBill(v.payload.b);
  if (!bill) return { view: { kind: 'refused', reason: 'There is no such bill.' } };
  if (v.payload.n && (await deps.store.nonceSpent(v.payload.n))) return { view: { kind: 'done', bill, message: `This link was used already. The bill is ${bill.state.replace(/_/g, ' ')}.` } };
  if (bill.state !== 'waiting_on_supplier') return { view: { kind: 'done', bill, message: `Nothing to do: the bill no longer waits on its supplier; it is ${bill.state.replace(/_/g, ' ')}.` } };
  return { view: { kind: 'confirm', bill, person: v.payload.p ?? 'unknown' }, payload: v.payload };
}

export async function viewWaitLink(token: string, deps: WaitDeps): Promise<WaitView> {
  return (await checkWait(token, deps)).view;
}

/** POST: `decision` resume (note required) or reject (reason required). */
export async function actOnWaitLink(token: string, form: { decision?: string; note?: string }, deps: WaitDeps): Promise<WaitView> {
  const c = await checkWait(token, deps);
  if (c.view.kind !== 'confirm' || !c.payload) return c.view;
  const { bill, person } = c.view;
  const note = (form.note ?? '').trim().replace(/\s+/g, ' ').slice(0, 1000);
  if (form.decision !== 'resume' && form.decision !== 'reject') return { kind: 'refused', reason: 'Choose Resume or Reject.', bill };
  if (!note) return { kind: 'refused', reason: form.decision === 'resume' ? 'Resuming needs a note for the audit trail (what the supplier said, or why you go on without an answer).' : 'Rejecting needs a reason.', bill };
  const p = c.payload;
  try {
    if (p.n) await deps.store.spendNonce(p.n, bill.bill_id, p.e + 86_400);
  } catch (err) {
    if (err instanceof NonceSpentError) return { kind: 'done', bill, message: 'This link was used already.' };
    throw err;
  }
  const at = new Date(deps.now()).toISOString();
  if (form.decision === 'resume') {
    const record = await processBill(
      {
        billId: bill.bill_id,
        canonical: bill.canonical,
        readingExceptions: [],
        source: bill.source,
        replacing: { bill, review: { at, actor: person, action: 'resumed', from_state: bill.state, to_state: bill.state, message: `resumed by ${person} without a new document: ${note}`, codes: [] } },
      },
      { store: deps.store, now: deps.now, maxAttempts: 5 },
    );
    if (deps.afterResume) await deps.afterResume(record);
    return { kind: 'done', bill: record, message: `Resumed: the bill was decided again and is ${record.state.replace(/_/g, ' ')}.` };
  }
  const rejected = await rejectWaiting(bill, person, note, at, deps);
  return { kind: 'done', bill: rejected, message: 'Rejected: the bill will not be paid; its quantities are given back.' };
}

async function rejectWaiting(bill: BillRecord, person: string, reason: string, at: string, deps: WaitDeps): Promise<BillRecord> {
  for (let attempt = 1; attempt <= 5; attempt++) {
    const fresh = (await deps.store.getBill(bill.bill_id)) ?? bill;
    if (fresh.state !== 'waiting_on_supplier') return fresh;
    const releases: TransitionCommit['releases'][number][] = [];
    for (const [po, lines] of Object.entries(fresh.reservations)) {
      const billed = await deps.store.billedQuantities(po);
      releases.push({ po_number: po, version: billed.version, previous: billed.value, subtract: new Map(Object.entries(lines).map(([l, q]) => [l, Decimal.parse(q)])) });
    }
    let claim: TransitionCommit['duplicateClaim'] = null;
    if (fresh.duplicate_key) {
      const d = await deps.store.duplicateClaim(fresh.duplicate_key);
      if (d.value.some((e) => e.bill_id === fresh.bill_id)) claim = { key: fresh.duplicate_key, version: d.version, entries: d.value.filter((e) => e.bill_id !== fresh.bill_id) };
    }
    const next: BillRecord = { ...fresh, version: fresh.version + 1, updated_at: at, state: 'rejected', approvers: [], notify_at: null, reservations: {} };
    try {
      await deps.store.commitTransition({
        bill: next,
        expectedVersion: fresh.version,
        audit: [{ at, actor: person, action: 'rejected', from_state: fresh.state, to_state: 'rejected', message: `rejected by ${person} while waiting on the supplier: ${reason}` }],
        nonce: null,
        spend: null,
        releases,
        duplicateClaim: claim,
      });
      const vendor = fresh.vendor_id ? await deps.store.vendor(fresh.vendor_id) : null;
      if (vendor?.email && deps.notifySupplier) await deps.notifySupplier({ to: vendor.email, subject: `Invoice ${fresh.invoice_number ?? ''} rejected`, text: `Reason: ${reason}`, billId: fresh.bill_id });
      return next;
    } catch (err) {
      if (!(err instanceof ConflictError)) throw err;
    }
  }
  throw new ConflictError(`bill ${bill.bill_id} kept changing while it was being rejected`);
}
