/**
 * The pages behind the other emailed links, served by the ack handler (the public Function URL)
 * and by the local web page alike: the review form of a `needs_review` bill (`/review?t=…`),
 * the original document of a bill (`/document?t=…`), and a bill's read-only page (`/bill?t=…`).
 */
import { verifyKindLink } from '../core/approval-links.ts';
import type { ExceptionCode } from '../core/exceptions.ts';
import { documentLink, nextStep } from '../core/notify.ts';
import type { DocumentStore } from '../core/ports/documents.ts';
import type { BillRecord, BillStore } from '../core/ports/store.ts';
import { confirmReviewLink, viewReviewLink, type ReviewLinkView } from '../core/review-link.ts';
import type { Submission } from '../core/submission-schema.ts';
import { EXCEPTION_WORDS, STATE_WORDS } from '../core/words.ts';
import { esc, facts, orDash, publicLayout } from '../adapters/local/web/html.ts';
import { correctedBill, documentPane, reviewForm } from '../adapters/local/web/review-form.ts';
import { findOriginal } from '../shared/original-document.ts';

export interface PeoplePageDeps {
  readonly store: BillStore;
  readonly secret: Uint8Array;
  readonly now: () => number;
  /** Where these pages answer (the Function URL, or the local web page): links to the document. */
  readonly baseUrl: string;
  readonly documents: DocumentStore;
  /** Starts the workflow on a corrected bill. */
  startReview(submission: Submission): Promise<void>;
}

export interface Page {
  readonly status: number;
  readonly html: string;
}

export interface FileResponse {
  readonly status: number;
  readonly headers: Record<string, string>;
  readonly body: Uint8Array | string;
}

/** PDFs and images show inline; other formats only as a link. */
export function inlineKind(bill: BillRecord): 'pdf' | 'image' | null {
  const f = bill.source.format.toLowerCase();
  if (f.includes('pdf') || f === 'facturx') return 'pdf';
  if (/image|png|jpe?g|scan|photo/.test(f)) return 'image';
  return null;
}

const refusedPage = (reason: string, status = 409): Page => ({
  status,
  html: publicLayout('Nothing was changed', `<h1>Nothing was changed</h1><p class="notice bad" id="reason" role="alert">${esc(reason)}</p>`),
});

function billFacts(b: BillRecord, nowMs: number): string {
  return facts(
    [
      ['State', `<span id="state" data-state="${esc(b.state)}">${esc(STATE_WORDS[b.state].label)}</span> <span class="muted">${esc(STATE_WORDS[b.state].meaning)}</span>`],
      ['What happens next', esc(nextStep(b, null, nowMs))],
      ['Supplier', orDash(b.supplier_name ?? b.vendor_id)],
      ['Invoice', orDash(b.invoice_number)],
      ['Total', `${orDash(b.total)} ${esc(b.currency ?? '')}`],
      ['Purchase order', orDash(b.po_number)],
      ['Version', esc(String(b.revision ?? 1))],
      ['Bill id', `<span class="code">${esc(b.bill_id)}</span>`],
    ],
    'summary',
  );
}

function reviewPage(v: ReviewLinkView, token: string, deps: PeoplePageDeps, values?: Record<string, string>): Page {
  if (v.kind === 'refused') return refusedPage(v.reason);
  if (v.kind === 'done') return { status: 200, html: publicLayout('Confirmed', `<h1>Confirmed</h1><p class="notice" id="result" role="status">${esc(v.message)}</p>${billFacts(v.bill, deps.now())}`) };
  const b = v.bill;
  const problems = v.kind === 'problems' ? { values: values ?? {}, problems: v.problems, message: v.message } : {};
  const exceptions = b.exceptions.length
    ? `<ul class="exceptions" id="exceptions">${b.exceptions.map((e) => `<li><strong>${esc(EXCEPTION_WORDS[e.code as ExceptionCode] ?? e.code)}</strong>: ${esc(e.message)}</li>`).join('')}</ul>`
    : '';
  const form = reviewForm(b, problems, {
    action: `/review?t=${encodeURIComponent(token)}`,
    reviewer: v.reviewer,
    documentUrl: b.source.stored_as ? documentLink(b.bill_id, deps) : null,
    documentInline: inlineKind(b),
  });
  const body = `<h1>Review ${esc(b.invoice_number ?? b.source.input)}</h1>${billFacts(b, deps.now())}<h2>Why it needs a person</h2>${exceptions}${form}`;
  return { status: v.kind === 'problems' ? 400 : 200, html: publicLayout('Review a bill', body) };
}

/** `/review?t=…`: GET shows the form, POST confirms it. */
export async function handleReview(method: string, token: string | null, form: Record<string, string>, deps: PeoplePageDeps): Promise<Page> {
  if (!token) return refusedPage('This address carries no review token.', 400);
  const linkDeps = { store: deps.store, secret: deps.secret, now: deps.now, documents: deps.documents, start: deps.startReview };
  if (method === 'GET' || method === 'HEAD') return reviewPage(await viewReviewLink(token, linkDeps), token, deps);
  if (method !== 'POST') return { status: 405, html: publicLayout('Not allowed', '<h1>Not allowed</h1>') };
  const shown = await viewReviewLink(token, linkDeps);
  if (shown.kind !== 'form') return reviewPage(shown, token, deps);
  const v = await confirmReviewLink(token, correctedBill(shown.bill.canonical, form), form.note?.trim() || null, linkDeps);
  return reviewPage(v, token, deps, form);
}

/** `/document?t=…`: the bill's original document, for a short while. */
/** A short answer in plain text (a refused or missing document). */
const plain = (status: number, text: string): FileResponse => ({ status, headers: { 'Content-Type': 'text/plain; charset=utf-8', 'Cache-Control': 'no-store' }, body: text });

export async function handleDocument(token: string | null, deps: Pick<PeoplePageDeps, 'store' | 'secret' | 'now' | 'documents'>): Promise<FileResponse> {
  if (!token) return plain(400, 'This address carries no document token.');
  const v = verifyKindLink(token, 'doc', deps.secret, deps.now());
  if (!v.ok) return plain(v.reason === 'expired' ? 410 : 403, v.reason === 'expired' ? 'This document link has expired: open the bill or the email again for a fresh one.' : 'This is not a valid document link.');
  return originalDocument(await deps.store.getBill(v.payload.b), deps.documents);
}

/**
 * A bill's original document as a response: the attachment found by its hash in the stored email
 * or file, inline where a browser shows it safely, under a CSP that allows nothing active. Served
 * by the signed `/document` link (here) and, signed in, by the workspace's `/bills/:id/document`.
 */
export async function originalDocument(bill: BillRecord | null, documents: DocumentStore): Promise<FileResponse> {
  if (!bill?.source.stored_as) return plain(404, 'The original document of this bill is not available.');
  const stored = await documents.get(bill.source.stored_as);
  const doc = stored ? await findOriginal(stored, bill.source.document_hash, bill.source.input) : null;
  if (!doc) return plain(404, 'The original document of this bill is not available.');
  const safeName = doc.filename.replace(/[^A-Za-z0-9._-]/g, '_').slice(0, 100) || 'document';
  return {
    status: 200,
    headers: {
      'Content-Type': doc.contentType,
      'Content-Disposition': `${doc.inline ? 'inline' : 'attachment'}; filename="${safeName}"`,
      'Cache-Control': 'private, no-store',
      'X-Content-Type-Options': 'nosniff',
      // The document is data: no script, no form, no plugin but the browser's PDF viewer; framed only by these pages.
      'Content-Security-Policy': "default-src 'none'; img-src 'self' data:; style-src 'unsafe-inline'; frame-ancestors 'self'",
      'Referrer-Policy': 'no-referrer',
    },
    body: doc.bytes,
  };
}

/** `/bill?t=…`: a bill's read-only page, linked from receipts (in AWS there is no other page). */
export async function handleBillView(token: string | null, deps: Pick<PeoplePageDeps, 'store' | 'secret' | 'now' | 'baseUrl'>): Promise<Page> {
  if (!token) return refusedPage('This address carries no bill token.', 400);
  const v = verifyKindLink(token, 'view', deps.secret, deps.now());
  if (!v.ok) return refusedPage(v.reason === 'expired' ? 'This link has expired.' : 'This is not a valid link to a bill.', 403);
  const b = await deps.store.getBill(v.payload.b);
  if (!b) return refusedPage('There is no such bill.', 404);
  const exceptions = b.exceptions.length
    ? `<ul class="exceptions" id="exceptions">${b.exceptions.map((e) => `<li><strong>${esc(EXCEPTION_WORDS[e.code as ExceptionCode] ?? e.code)}</strong>: ${esc(e.message)}</li>`).join('')}</ul>`
    : '<p id="exceptions">None.</p>';
  const doc = b.source.stored_as ? documentPane(documentLink(b.bill_id, deps), inlineKind(b)) : '';
  return { status: 200, html: publicLayout(`Bill ${b.invoice_number ?? ''}`, `<h1>Bill ${esc(b.invoice_number ?? b.source.input)}</h1>${billFacts(b, deps.now())}<h2>Exceptions</h2>${exceptions}${doc}`) };
}
