/**
 * The review form behind a signed link (`/review?t=…`), for a bill in `needs_review`: the same
 * form and the same use case as the local page (`review.ts`), reachable from an email.
 *
 * The link is single-use and bound to the bill's version: it is refused once the bill changed
 * (a correction confirmed, a dismissal), once used, after its expiry, or when forged. Opening it
 * (GET) changes nothing. Confirming (POST) checks the correction (a refusal names the fields and
 * writes nothing, so the clerk can fix it with the same link), then spends the link's nonce and
 * decides the corrected bill again through the workflow, as the person the link was sent to.
 */
import { verifyKindLink, type KindPayload } from './approval-links.ts';
import type { DocumentStore } from './ports/documents.ts';
import { NonceSpentError, type BillRecord, type BillStore } from './ports/store.ts';
import { ReviewConflictError, ReviewRefusedError, submitReview } from './review.ts';
import type { Submission } from './submission-schema.ts';

export interface ReviewLinkDeps {
  readonly store: BillStore;
  readonly secret: Uint8Array;
  readonly now: () => number;
  readonly documents: Pick<DocumentStore, 'put'>;
  /** Starts the workflow on the corrected bill (Step Functions; locally the queue, awaited). */
  start(submission: Submission): Promise<void>;
}

export type ReviewLinkView =
  | { readonly kind: 'form'; readonly bill: BillRecord; readonly reviewer: string; readonly expiresAt: number }
  | { readonly kind: 'refused'; readonly reason: string; readonly bill?: BillRecord }
  | { readonly kind: 'problems'; readonly bill: BillRecord; readonly reviewer: string; readonly expiresAt: number; readonly message: string; readonly problems: readonly { field: string; message: string }[] }
  | { readonly kind: 'done'; readonly bill: BillRecord; readonly message: string };

async function check(token: string, deps: ReviewLinkDeps): Promise<{ view: ReviewLinkView; payload?: KindPayload }> {
  const v = verifyKindLink(token, 'review', deps.secret, deps.now());
  if (!v.ok) {
    const why = {
      malformed: 'This link is not a valid review link.',
      forged: 'This link’s signature does not match: it was not issued by the bill matcher, or it was altered.',
      expired: 'This review link has expired. The bill stays in review; ask the AP team for a new link.',
    }[v.reason];
    return { view: { kind: 'refused', reason: why } };
  }
  const p = v.payload;
  const bill = await deps.store.getBill(p.b);
  if (!bill) return { view: { kind: 'refused', reason: 'There is no such bill.' } };
  if (p.n && (await deps.store.nonceSpent(p.n))) return { view: { kind: 'refused', reason: `This review link was used already; the bill is now ${bill.state.replace(/_/g, ' ')}.`, bill } };
  if (bill.state !== 'needs_review') return { view: { kind: 'refused', reason: `This bill is no longer in review: it is ${bill.state.replace(/_/g, ' ')}.`, bill } };
  if (bill.version !== p.v) return { view: { kind: 'refused', reason: 'The bill changed after this link was sent; nothing was done. Open the bill again for its current state.', bill } };
  return { view: { kind: 'form', bill, reviewer: p.p ?? 'unknown', expiresAt: p.e * 1000 }, payload: p };
}

/** GET: the form, prefilled. Changes nothing. */
export async function viewReviewLink(token: string, deps: ReviewLinkDeps): Promise<ReviewLinkView> {
  return (await check(token, deps)).view;
}

/** POST: confirm the correction (`corrected` is the bill as the form gives it back). */
export async function confirmReviewLink(token: string, corrected: unknown, note: string | null, deps: ReviewLinkDeps): Promise<ReviewLinkView> {
  const c = await check(token, deps);
  if (c.view.kind !== 'form' || !c.payload) return c.view;
  const { bill, reviewer, expiresAt } = c.view;
  const p = c.payload;
  try {
    await submitReview(
      { billId: bill.bill_id, expectedVersion: p.v!, corrected, reviewer, note },
      {
        store: deps.store,
        documents: deps.documents,
        now: deps.now,
        async start(submission) {
          // Spent only once the correction passed its checks: a refused one can be fixed with the same link.
          if (p.n) await deps.store.spendNonce(p.n, bill.bill_id, p.e + 86_400);
          await deps.start(submission);
        },
      },
    );
  } catch (err) {
    if (err instanceof ReviewRefusedError) return { kind: 'problems', bill, reviewer, expiresAt, message: `Not confirmed: ${err.message}. Nothing was changed.`, problems: err.problems };
    if (err instanceof NonceSpentError) return { kind: 'refused', reason: 'This review link was used already.', bill };
    if (err instanceof ReviewConflictError) return { kind: 'refused', reason: `Not confirmed: ${err.message}.`, bill };
    throw err;
  }
  const now = (await deps.store.getBill(bill.bill_id)) ?? bill;
  const decided = now.version !== bill.version;
  return {
    kind: 'done',
    bill: now,
    message: decided
      ? `Confirmed. The corrected bill was decided again: it is now ${now.state.replace(/_/g, ' ')}.`
      : 'Confirmed. The corrected bill is being decided again; its approver is asked where one is needed.',
  };
}
