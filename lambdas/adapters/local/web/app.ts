/**
 * The local web page's routes: the bills, one bill, the outbox, the upload form, a health
 * check and a small JSON API. More routes (the approval links) plug into the same router.
 */
import { outcomeRow } from '../../../core/output.ts';
import type { BillRecord, BillStore } from '../../../core/ports/store.ts';
import { isHeld } from '../../../core/held.ts';
import { whenInWords } from '../../../core/mail-html.ts';
import { BILL_STATES, type BillState } from '../../../core/route.ts';
import type { OutboxReader } from '../outbox.ts';
import { ReviewConflictError, ReviewRefusedError, type ReviewInput } from '../../../core/review.ts';
import { HttpError, parseUrlEncoded, type Route, type WebResponse } from './http.ts';
import { correctedBill, type ReviewFormState } from './review-form.ts';
import { parseMultipart, type UploadedFile } from './multipart.ts';
import { billPage, errorPage, outboxListPage, outboxMessagePage, uploadPage, type IntakeInfo } from './pages.ts';

export type UploadOutcome =
  | { readonly kind: 'decided'; readonly billIds: readonly string[] }
  /** The same file was uploaded before: nothing new ran; these are the bills it made then. */
  | { readonly kind: 'already'; readonly billIds: readonly string[] }
  | { readonly kind: 'error'; readonly message: string };

export interface WebAppDeps {
  readonly store: Pick<BillStore, 'listBills' | 'getBill' | 'audit'> & Partial<Pick<BillStore, 'policy'>>;
  /** A short-lived signed link to a bill's original document. */
  documentUrl?(billId: string): string;
  /** Signed approve / query / reject links for `user` on a bill waiting on them (null otherwise). */
  actionLinks?(bill: BillRecord, user: string): { approve: string; query: string; reject: string } | null;
  /** A clerk marks a review bill "not a bill" (dismiss.ts). */
  dismiss?(input: { billId: string; expectedVersion: number; by: string; reason: string }): Promise<void>;
  readonly now?: () => number;
  readonly outbox: OutboxReader;
  readonly intake: IntakeInfo;
  /** Stores the file and runs it through the workflow (uploaded by `user`); resolves once it is decided. */
  upload(file: UploadedFile, user: string | null): Promise<UploadOutcome>;
  /**
   * A clerk's correction of a `needs_review` bill: submits it and resolves once it is decided
   * again. Throws `ReviewRefusedError` (with the problems by field) or `ReviewConflictError`.
   */
  review?(input: ReviewInput): Promise<void>;
  health(): Promise<Record<string, unknown>>;
}

const MAX_REVIEW_FORM_BYTES = 256 * 1024;

/** Uploads: the size SES accepts for a whole email. */
export const MAX_UPLOAD_BYTES = 40 * 1024 * 1024;

export const NOTICES: Record<string, string> = {
  already: 'This file was uploaded before: it was not processed again. Here is what it made then.',
  several: 'The file held several bills: each is listed below.',
  empty: 'The file was processed but made no bill.',
  dismissed: 'The bill was dismissed as not a bill: it left the worklist and keeps its audit trail.',
  reviewed: 'Your correction was confirmed and the bill was decided again: see its state and the audit trail below.',
};

const html = (body: string, status = 200): WebResponse => ({ status, body });
const json = (value: unknown, status = 200): WebResponse => ({
  status,
  headers: { 'Content-Type': 'application/json; charset=utf-8' },
  body: Buffer.from(JSON.stringify(value, null, 2)),
});
const redirect = (location: string): WebResponse => ({ status: 303, headers: { Location: location }, body: '' });

function stateParam(v: string | null): BillState | null {
  if (v === null || v === '') return null;
  if (!(BILL_STATES as readonly string[]).includes(v)) throw new HttpError(400, `There is no state "${v}". States: ${BILL_STATES.join(', ')}.`);
  return v as BillState;
}

export function webRoutes(deps: WebAppDeps): Route[] {
  /**
   * What the bill page shows beyond the bill: its document, when a held approval request goes
   * out, the policy's time zone, and what the signed-in user may do.
   */
  async function extras(bill: BillRecord, user: string | null): Promise<{ documentUrl: string | null; heldUntil: string | null; timezone: string; user: string | null; actions: ReturnType<NonNullable<WebAppDeps['actionLinks']>> }> {
    const documentUrl = bill.source.stored_as && deps.documentUrl ? deps.documentUrl(bill.bill_id) : null;
    let heldUntil: string | null = null;
    const nowMs = (deps.now ?? Date.now)();
    const policy = deps.store.policy ? await deps.store.policy().catch(() => null) : null;
    const timezone = policy?.timezone ?? 'UTC';
    if (isHeld(bill, nowMs)) heldUntil = whenInWords(Date.parse(bill.notify_at!), timezone, nowMs);
    const actions = user && deps.actionLinks ? deps.actionLinks(bill, user) : null;
    return { documentUrl, heldUntil, timezone, user, actions };
  }
  return [
    // The worklist (`/`) and the master data pages: worklist-routes.ts.
    {
      method: 'GET',
      path: '/bills/:id',
      async handler(req) {
        const bill = await deps.store.getBill(req.params.id!);
        if (!bill) throw new HttpError(404, `There is no bill ${req.params.id}.`);
        const notice = NOTICES[req.url.searchParams.get('notice') ?? ''] ?? null;
        return html(billPage({ bill, audit: await deps.store.audit(bill.bill_id), notice, ...(await extras(bill, req.user)) }));
      },
    },
    {
      method: 'POST',
      path: '/bills/:id/review',
      async handler(req) {
        const bill = await deps.store.getBill(req.params.id!);
        if (!bill) throw new HttpError(404, `There is no bill ${req.params.id}.`);
        if (!deps.review) throw new HttpError(404, 'Reviews are not available here.');
        const form = parseUrlEncoded(await req.body(MAX_REVIEW_FORM_BYTES));
        const again = async (status: number, review: ReviewFormState) => html(billPage({ bill, audit: await deps.store.audit(bill.bill_id), review, ...(await extras(bill, req.user)) }), status);
        try {
          await deps.review({
            billId: bill.bill_id,
            expectedVersion: Number(form.version),
            corrected: correctedBill(bill.canonical, form),
            // The signed-in user, never a name typed into the form.
            reviewer: req.user ?? '',
            note: form.note ?? null,
          });
        } catch (err) {
          if (err instanceof ReviewRefusedError) return again(400, { values: form, problems: err.problems, message: `Not confirmed: ${err.message}. Nothing was changed.` });
          if (err instanceof ReviewConflictError) return again(409, { values: form, message: `Not confirmed: ${err.message}.` });
          throw err;
        }
        return redirect(`/bills/${encodeURIComponent(bill.bill_id)}?notice=reviewed`);
      },
    },
    {
      method: 'POST',
      path: '/bills/:id/dismiss',
      async handler(req) {
        const bill = await deps.store.getBill(req.params.id!);
        if (!bill) throw new HttpError(404, `There is no bill ${req.params.id}.`);
        if (!deps.dismiss) throw new HttpError(404, 'Dismissing is not available here.');
        const form = parseUrlEncoded(await req.body(16 * 1024));
        try {
          // Dismissed by the signed-in user, as a review is: never a name typed into the form.
          await deps.dismiss({ billId: bill.bill_id, expectedVersion: Number(form.version), by: req.user ?? '', reason: form.reason ?? '' });
        } catch (err) {
          if (err instanceof ReviewRefusedError || err instanceof ReviewConflictError) {
            const why = err instanceof ReviewRefusedError && err.problems.length ? `${err.message}: ${err.problems.map((p) => `${p.field} ${p.message}`).join('; ')}` : err.message;
            return html(billPage({ bill, audit: await deps.store.audit(bill.bill_id), notice: `Not dismissed: ${why}.`, ...(await extras(bill, req.user)) }), 400);
          }
          throw err;
        }
        return redirect(`/bills/${encodeURIComponent(bill.bill_id)}?notice=dismissed`);
      },
    },
    {
      method: 'GET',
      path: '/outbox',
      async handler() {
        const nowMs = (deps.now ?? Date.now)();
        const pending = (await Promise.all((['awaiting_approval', 'flagged', 'blocked'] as const).map((state) => deps.store.listBills({ state })))).flat();
        const heldBills = pending.filter((b) => isHeld(b, nowMs));
        const policy = heldBills.length && deps.store.policy ? await deps.store.policy().catch(() => null) : null;
        const held = heldBills.map((b) => ({
          billId: b.bill_id,
          to: b.approvers.join(', '),
          subject: `${b.supplier_name ?? b.vendor_id ?? 'unknown supplier'} invoice ${b.invoice_number ?? ''} — ${b.total ?? '?'} ${b.currency ?? ''}`,
          until: whenInWords(Date.parse(b.notify_at!), policy?.timezone ?? 'UTC', nowMs),
        }));
        return html(outboxListPage(await deps.outbox.list(), deps.outbox.dir, held));
      },
    },
    {
      method: 'GET',
      path: '/outbox/:file',
      async handler(req) {
        const m = await deps.outbox.read(req.params.file!);
        if (!m) throw new HttpError(404, 'There is no such email in the outbox.');
        return html(outboxMessagePage(m));
      },
    },
    {
      method: 'GET',
      path: '/outbox/:file/raw',
      async handler(req) {
        const raw = await deps.outbox.raw(req.params.file!);
        if (!raw) throw new HttpError(404, 'There is no such email in the outbox.');
        return { status: 200, headers: { 'Content-Type': 'message/rfc822', 'Content-Disposition': `attachment; filename="${req.params.file!}"` }, body: raw };
      },
    },
    {
      method: 'GET',
      path: '/upload',
      handler: () => html(uploadPage(deps.intake)),
    },
    {
      method: 'POST',
      path: '/upload',
      async handler(req) {
        const form = parseMultipart(await req.body(MAX_UPLOAD_BYTES + 64 * 1024), req.headers['content-type']);
        const file = form.files.find((f) => f.field === 'file' && f.bytes.byteLength > 0);
        if (!file) return html(uploadPage(deps.intake, 'Choose a file to upload.'), 400);
        const outcome = await deps.upload(file, req.user);
        if (outcome.kind === 'error') return html(uploadPage(deps.intake, `The file could not be processed: ${outcome.message}`), 500);
        const ids = outcome.billIds;
        if (ids.length === 1) return redirect(`/bills/${encodeURIComponent(ids[0]!)}${outcome.kind === 'already' ? '?notice=already' : ''}`);
        return redirect(`/?notice=${ids.length === 0 ? 'empty' : outcome.kind === 'already' ? 'already' : 'several'}`);
      },
    },
    {
      method: 'GET',
      path: '/healthz',
      public: true,
      // Always JSON: 200 when the stack takes documents, 503 while it does not (the database restarting).
      handler: async () => {
        try {
          const h = await deps.health();
          return json(h, h.status === 'ok' ? 200 : 503);
        } catch (err) {
          return json({ status: 'error', message: (err as Error).message }, 503);
        }
      },
    },
    {
      method: 'GET',
      path: '/api/bills',
      async handler(req) {
        const state = stateParam(req.url.searchParams.get('state'));
        const bills = await deps.store.listBills(state ? { state } : {});
        return json({ bills: bills.map((b) => ({ ...outcomeRow(b), supplier_name: b.supplier_name, created_at: b.created_at, updated_at: b.updated_at })) });
      },
    },
    {
      method: 'GET',
      path: '/api/bills/:id',
      async handler(req) {
        const bill = await deps.store.getBill(req.params.id!);
        if (!bill) return json({ error: `no bill ${req.params.id}` }, 404);
        return json({ bill, audit: await deps.store.audit(bill.bill_id) });
      },
    },
  ];
}

export { errorPage };
