/**
 * The monthly summary, run by EventBridge Scheduler on the first Monday of the month at 9:00
 * (`lib/schedules.ts`): the last complete month's figures, a paragraph and a chart, emailed once
 * to the stakeholder list (`core/summary/send.ts`). An operator may invoke it with
 * `{"month": "2026-03", "resend": true}`.
 */
import * as z from 'zod';
import { sendMonthlySummary, type SendSummaryDeps, type SendSummaryResult } from '../core/summary/send.ts';
import { task } from '../shared/errors.ts';
import { lambdaEntry } from '../shared/powertools.ts';

const eventSchema = z
  .object({
    month: z.string().regex(/^\d{4}-(0[1-9]|1[0-2])$/, 'must be a month such as 2026-03').optional(),
    resend: z.boolean().optional(),
  })
  .loose();

export type SummaryOutcome = Omit<Extract<SendSummaryResult, { status: 'sent' }>, 'summary'> | Extract<SendSummaryResult, { status: 'already_sent' }>;

export function makeHandler(deps: SendSummaryDeps) {
  return task(async (event: unknown): Promise<SummaryOutcome> => {
    const e = eventSchema.parse(event ?? {});
    const r = await sendMonthlySummary({ month: e.month ?? null, resend: e.resend === true }, deps);
    if (r.status === 'already_sent') return r;
    const { summary: _figures, ...sent } = r;
    return sent;
  });
}

/** The chart renderer the real dependencies use: exported so that a bundle's own files can be tested. */
export { WasmChartRenderer } from '../adapters/render/chart.ts';

let real: ReturnType<typeof makeHandler> | undefined;
export const handler = lambdaEntry(
  'summary',
  async (event: unknown) => {
    const { summaryDeps } = await import('../adapters/aws/summary-deps.ts');
    return (real ??= makeHandler(summaryDeps()))(event);
  },
  { resultKeys: (r) => ({ month: r.month, status: r.status, narrative: 'narrative' in r ? r.narrative : undefined }) },
);
