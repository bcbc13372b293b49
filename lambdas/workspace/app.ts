/**
 * The workspace in AWS: the same pages as `bm start`'s (lambdas/adapters/local/web/app.ts), on
 * the same Hono app (`webApp`), signed in with Cognito instead of the local session. Built from
 * its parts so that the tests run it against DynamoDB Local, a test key set and a loopback token
 * endpoint (test/support/homes.ts) exactly as the Lambda runs it.
 *
 * Left out here: the outbox and the upload form, which are the local stack's (in AWS, SES sends
 * the mail, and bills arrive by email or under the documents bucket's `uploads/`).
 */
import type { Hono } from 'hono';
import { dismissBill } from '../core/dismiss.ts';
import type { BillStore, MasterListReads, WorklistReads } from '../core/ports/store.ts';
import type { LaneState } from '../lanes/state.ts';
import type { DocumentStore } from '../core/ports/documents.ts';
import { submitReview } from '../core/review.ts';
import type { Submission } from '../core/submission.ts';
import type { WebAuth } from '../adapters/local/web/auth.ts';
import { webRoutes, errorPage, NOTICES } from '../adapters/local/web/app.ts';
import { workspaceRoutes as worklistRoutes } from '../adapters/local/web/worklist-routes.ts';
import { HttpError, Router, webApp, type Route } from '../adapters/local/web/http.ts';
import { originalDocument } from '../ack/people-pages.ts';
import { esc } from '../adapters/local/web/html.ts';

export interface WorkspaceDeps {
  readonly store: BillStore & WorklistReads & MasterListReads;
  /** The lanes' state (the master pages' import history and audited changes). */
  readonly lanes?: LaneState;
  /** Where bills come in, for the empty worklist (the bills address). */
  readonly billsAddress?: string;
  readonly documents: DocumentStore;
  readonly now: () => number;
  /** Starts the workflow on a corrected bill (in AWS: the submissions queue). */
  startReview(submission: Submission): Promise<void>;
  readonly auth: WebAuth;
  /** The workspace's public address (`https://…`, no trailing slash): links, the Host and Origin checks. */
  readonly origin: string;
  readonly onError?: (err: Error, req: { method: string; path: string }) => void;
}

/** Paths served only by the local stack. */
const LOCAL_ONLY = /^\/(outbox|upload)(\/|$)/;

export function workspaceRoutes(deps: WorkspaceDeps): Route[] {
  const unavailable = () => Promise.reject(new Error('not served in this deployment'));
  const pages = webRoutes({
    store: deps.store,
    now: deps.now,
    // Signed in, the document comes from this app (the route below), not from a signed link.
    documentUrl: (billId) => `/bills/${encodeURIComponent(billId)}/document`,
    outbox: { dir: '', list: async () => [], read: async () => null, raw: async () => null } as never,
    intake: { billsAddress: '', smtp: '', dropDir: '' },
    upload: unavailable,
    review: async (input) => void (await submitReview(input, { store: deps.store, documents: deps.documents, now: deps.now, start: deps.startReview })),
    dismiss: async (input) => void (await dismissBill(input, { store: deps.store, now: deps.now })),
    async health() {
      await deps.store.getBill('healthz');
      return { status: 'ok', database: 'up' };
    },
  }).filter((r) => !LOCAL_ONLY.test(r.path));
  // The worklist (`/`) and the master data pages: the same routes as `bm start`'s.
  const worklist = worklistRoutes({
    store: deps.store,
    ...(deps.lanes ? { lanes: deps.lanes } : {}),
    now: deps.now,
    notices: NOTICES,
    emptyHint: deps.billsAddress ? `No bills yet. Bills arrive by email to <strong>${esc(deps.billsAddress)}</strong>.` : 'No bills yet. Bills arrive by email to the bills address.',
  });
  const document: Route = {
    method: 'GET',
    path: '/bills/:id/document',
    async handler(req) {
      const bill = await deps.store.getBill(req.params.id!);
      if (!bill) throw new HttpError(404, `There is no bill ${req.params.id}.`);
      const r = await originalDocument(bill, deps.documents);
      return { status: r.status, headers: r.headers, body: r.body };
    },
  };
  return [...deps.auth.routes(), ...worklist, document, ...pages];
}

export function workspaceApp(deps: WorkspaceDeps): Hono {
  const origin = new URL(deps.origin);
  const hosts = new Set([origin.host.toLowerCase()]);
  return webApp({
    router: new Router().add(...workspaceRoutes(deps)),
    auth: deps.auth,
    errorPage,
    allowedHosts: () => hosts,
    origin: () => origin.origin,
    https: origin.protocol === 'https:',
    ...(deps.onError ? { onError: deps.onError } : {}),
  });
}
