/**
 * The approval links on the local web page (`/approve?t=…`): the same pages and use cases the
 * ack Lambda serves behind its Function URL. GET shows and changes nothing; POST decides.
 */
import { handleAck } from '../../../ack/pages.ts';
import type { ApprovalDeps } from '../../../core/approvals.ts';
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
