/**
 * The ack handler behind a Lambda Function URL: the pages of the signed approval links.
 * GET shows a confirmation page (mail scanners prefetch links), POST decides.
 */
import * as z from 'zod';
import type { ApprovalDeps } from '../core/approvals.ts';
import { handleAck } from './pages.ts';
import { lambdaEntry, METRIC } from '../shared/powertools.ts';

/** The parts of a Function URL (payload 2.0) event this handler reads. */
export const functionUrlEvent = z.object({
  rawQueryString: z.string().default(''),
  requestContext: z.object({ http: z.object({ method: z.string() }) }),
  body: z.string().optional(),
  isBase64Encoded: z.boolean().default(false),
});

export interface FunctionUrlResult {
  statusCode: number;
  headers: Record<string, string>;
  body: string;
}

const MAX_BODY = 64 * 1024;

export function makeHandler(deps: ApprovalDeps) {
  return async (event: unknown): Promise<FunctionUrlResult> => {
    const e = functionUrlEvent.parse(event);
    const raw = e.body ? (e.isBase64Encoded ? Buffer.from(e.body, 'base64').toString('utf8') : e.body) : '';
    const form = raw.length <= MAX_BODY ? Object.fromEntries(new URLSearchParams(raw)) : {};
    const token = new URLSearchParams(e.rawQueryString).get('t');
    const page = await handleAck(e.requestContext.http.method, token, { reason: form.reason, message: form.message }, deps);
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
    const { ackDeps } = await import('../adapters/aws/approval-deps.ts');
    return (await (real ??= ackDeps().then(makeHandler)))(event);
  },
  // Never the link token or the form: the status says enough; refusals feed the alarm.
  { resultKeys: (r) => ({ statusCode: r.statusCode }), metrics: (r, m) => (r.statusCode >= 400 ? m.count(METRIC.ackLinksRefused) : undefined) },
);
