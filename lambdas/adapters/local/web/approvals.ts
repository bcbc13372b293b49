/**
 * The approval links on the local web page (`/approve?t=…`): the same pages and use cases the
 * ack Lambda serves behind its Function URL. GET shows and changes nothing; POST decides.
 */
import { handleAck } from '../../../ack/pages.ts';
import type { ApprovalDeps } from '../../../core/approvals.ts';
import { handleBillView, handleDocument, handleReview, type PeoplePageDeps } from '../../../ack/people-pages.ts';
import { handleWait } from '../../../ack/wait-pages.ts';
import type { WaitDeps } from '../../../core/supplier-wait.ts';
import { parseUrlEncoded, type Route, type WebResponse } from './http.ts';

const MAX_FORM_BYTES = 64 * 1024;

export function approvalRoutes(deps: ApprovalDeps): Route[] {
  const page = (p: { status: number; html: string }): WebResponse => ({ status: p.status, body: p.html });
  return [
    {
      method: 'GET',
      // The signed link is the credential: an approver opens it from the email, without a session.
      public: true,
      path: '/approve',
      handler: async (req) => page(await handleAck('GET', req.url.searchParams.get('t'), {}, deps)),
    },
    {
      method: 'POST',
      public: true,
      path: '/approve',
      async handler(req) {
        const form = parseUrlEncoded(await req.body(MAX_FORM_BYTES));
        return page(await handleAck('POST', req.url.searchParams.get('t'), { reason: form.reason, message: form.message }, deps));
      },
    },
  ];
}

const MAX_REVIEW_FORM_BYTES = 256 * 1024;

/** The review form, the original document and the read-only bill page behind emailed links. */
export function peopleRoutes(deps: PeoplePageDeps): Route[] {
  const page = (p: { status: number; html: string }): WebResponse => ({ status: p.status, body: p.html });
  // Each link is signed for one bill and one purpose and is the credential: its reader (a clerk,
  // a supplier's contact, an approver) opens it from an email, without a session of this page.
  return [
    { method: 'GET', public: true, path: '/review', handler: async (req) => page(await handleReview('GET', req.url.searchParams.get('t'), {}, deps)) },
    {
      method: 'POST',
      public: true,
      path: '/review',
      handler: async (req) => page(await handleReview('POST', req.url.searchParams.get('t'), parseUrlEncoded(await req.body(MAX_REVIEW_FORM_BYTES)), deps)),
    },
    {
      method: 'GET',
      public: true,
      path: '/document',
      async handler(req) {
        const r = await handleDocument(req.url.searchParams.get('t'), deps);
        return { status: r.status, headers: r.headers, body: typeof r.body === 'string' ? r.body : Buffer.from(r.body) };
      },
    },
    { method: 'GET', public: true, path: '/bill', handler: async (req) => page(await handleBillView(req.url.searchParams.get('t'), deps)) },
  ];
}

/** Resume or reject a bill that waits on its supplier, from the reminder email. */
export function waitRoutes(deps: WaitDeps): Route[] {
  const page = (p: { status: number; html: string }): WebResponse => ({ status: p.status, body: p.html });
  // The signed link in the reminder is the credential, as for the approval links.
  return [
    { method: 'GET', public: true, path: '/wait', handler: async (req) => page(await handleWait('GET', req.url.searchParams.get('t'), {}, deps)) },
    { method: 'POST', public: true, path: '/wait', handler: async (req) => page(await handleWait('POST', req.url.searchParams.get('t'), parseUrlEncoded(await req.body(MAX_FORM_BYTES)), deps)) },
  ];
}
