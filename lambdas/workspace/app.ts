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
import type { BillStore } from '../core/ports/store.ts';
import type { DocumentStore } from '../core/ports/documents.ts';
import { submitReview } from '../core/review.ts';
import type { Submission } from '../core/submission.ts';
import type { WebAuth } from '../adapters/local/web/auth.ts';
import { webRoutes, errorPage } from '../adapters/local/web/app.ts';
import { Router, webApp, type Route } from '../adapters/local/web/http.ts';

export interface WorkspaceDeps {
  readonly store: BillStore;
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
  return [...deps.auth.routes(), ...pages];
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
