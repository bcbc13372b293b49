/**
 * The ack handler behind a Lambda Function URL: the pages of the signed approval links.
 * GET shows a confirmation page (mail scanners prefetch links), POST decides.
 */
import * as z from 'zod';
import type { ApprovalDeps } from '../core/approvals.ts';
import { handleAck } from './pages.ts';
import { handleBillView, handleDocument, handleReview, type PeoplePageDeps } from './people-pages.ts';
import { handleWait } from './wait-pages.ts';
import { lambdaEntry, METRIC } from '../shared/powertools.ts';

/** The parts of a Function URL (payload 2.0) event this handler reads. */
export const functionUrlEvent = z.object({
  rawPath: z.string().default('/approve'),
  rawQueryString: z.string().default(''),
  requestContext: z.object({ http: z.object({ method: z.string() }), domainName: z.string().optional() }),
  body: z.string().optional(),
  isBase64Encoded: z.boolean().default(false),
});

export interface FunctionUrlResult {
  statusCode: number;
  headers: Record<string, string>;
  body: string;
  isBase64Encoded?: boolean;
}

const MAX_BODY = 64 * 1024;

const MAX_REVIEW_BODY = 256 * 1024;

const PAGE_HEADERS = {
  'content-type': 'text/html; charset=utf-8',
  'cache-control': 'no-store',
  'referrer-policy': 'no-referrer',
  'x-frame-options': 'DENY',
  'content-security-policy': "default-src 'none'; style-src 'unsafe-inline'; form-action 'self'",
};

export function makeHandler(deps: ApprovalDeps & Partial<PeoplePageDeps>) {
  return async (event: unknown): Promise<FunctionUrlResult> => {
    const e = functionUrlEvent.parse(event);
    // The links this page makes (the document beside the review form) point back at this same address.
    if (!deps.baseUrl && e.requestContext.domainName && /^[a-z0-9.-]+$/i.test(e.requestContext.domainName)) deps = { ...deps, baseUrl: `https://${e.requestContext.domainName}` };
    const raw = e.body ? (e.isBase64Encoded ? Buffer.from(e.body, 'base64').toString('utf8') : e.body) : '';
    const method = e.requestContext.http.method;
    const token = new URLSearchParams(e.rawQueryString).get('t');
    const people = deps.documents && deps.startReview && deps.baseUrl ? (deps as ApprovalDeps & PeoplePageDeps) : null;
    if (people && e.rawPath === '/review') {
      const form = raw.length <= MAX_REVIEW_BODY ? Object.fromEntries(new URLSearchParams(raw)) : {};
      const page = await handleReview(method, token, form, people);
      // The review page frames the original document, served from this same URL.
      return { statusCode: page.status, headers: { ...PAGE_HEADERS, 'x-frame-options': 'SAMEORIGIN', 'content-security-policy': "default-src 'none'; style-src 'unsafe-inline'; img-src 'self'; frame-src 'self'; form-action 'self'" }, body: page.html };
    }
    if (people && e.rawPath === '/document') {
      const r = await handleDocument(token, people);
      return typeof r.body === 'string'
        ? { statusCode: r.status, headers: r.headers, body: r.body }
        : { statusCode: r.status, headers: r.headers, body: Buffer.from(r.body).toString('base64'), isBase64Encoded: true };
    }
    if (people && e.rawPath === '/bill') {
      const page = await handleBillView(token, people);
      return { statusCode: page.status, headers: { ...PAGE_HEADERS, 'content-security-policy': "default-src 'none'; style-src 'unsafe-inline'; img-src 'self'; frame-src 'self'" }, body: page.html };
    }
    if (people && e.rawPath === '/wait') {
      const form = raw.length <= MAX_BODY ? Object.fromEntries(new URLSearchParams(raw)) : {};
      const page = await handleWait(method, token, form, people);
      return { statusCode: page.status, headers: PAGE_HEADERS, body: page.html };
    }
    const form = raw.length <= MAX_BODY ? Object.fromEntries(new URLSearchParams(raw)) : {};
    const page = await handleAck(method, token, { reason: form.reason, message: form.message }, deps);
    return {
      statusCode: page.status,
      headers: {
        'content-type': 'text/html; charset=utf-8',
        'cache-control': 'no-store',
        'referrer-policy': 'no-referrer',
        'x-frame-options': 'DENY',
        'content-security-policy': "default-src 'none'; style-src 'unsafe-inline'; form-action 'self'",
      },
      body: page.html,
    };
  };
}

let real: Promise<ReturnType<typeof makeHandler>> | undefined;
export const handler = lambdaEntry(
  'ack',
  async (event: unknown) => {
    const { ackDeps, learnAckBaseUrl } = await import('../adapters/aws/approval-deps.ts');
    learnAckBaseUrl((event as { requestContext?: { domainName?: string } })?.requestContext?.domainName);
    return (await (real ??= ackDeps().then(makeHandler)))(event);
  },
  // Never the link token or the form: the status says enough; refusals feed the alarm.
  { resultKeys: (r) => ({ statusCode: r.statusCode }), metrics: (r, m) => (r.statusCode >= 400 ? m.count(METRIC.ackLinksRefused) : undefined) },
);
