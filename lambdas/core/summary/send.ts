/**
 * Use case: the monthly summary email, once per month.
 *
 * 1. Claim the month (a conditional write): a month already sent is not sent again unless asked
 *    to resend; a claim held by a run in progress makes this run fail, to be retried later.
 * 2. Compute the figures, write the paragraph (the model, checked, or the template), draw the chart.
 * 3. Send one email to the stakeholder list, then mark the month sent.
 */
import type { Mailer } from '../ports/mailer.ts';
import type { ChartRenderer, SummaryClaims, SummaryModel, SummaryReads } from '../ports/summary.ts';
import { chartSpec, summaryEmail } from './email.ts';
import { lastCompleteMonth, parseMonth } from './month.ts';
import { writeNarrative, type Narrative } from './narrative.ts';
import { computeSummary, type Summary } from './summary.ts';

export interface SendSummaryDeps {
  readonly store: SummaryReads & SummaryClaims;
  readonly mailer: Mailer;
  /** Null: the email carries the chart's numbers as text only. */
  readonly chart: ChartRenderer | null;
  readonly model: SummaryModel | null;
  readonly modelId: string | null;
  readonly recipients: readonly string[];
  readonly now: () => number;
  readonly runId: () => string;
  /** How long a claim protects a run that may have died. @default 15 minutes */
  readonly leaseMs?: number;
  /** Told when the chart could not be drawn (the email goes without it). */
  readonly onChartError?: (err: unknown) => void;
}

export interface SendSummaryInput {
  /** `YYYY-MM`; default: the last complete month in the policy's zone. */
  readonly month?: string | null;
  /** Send even when the month was sent before. */
  readonly resend?: boolean;
}

export type SendSummaryResult =
  | { readonly status: 'sent'; readonly month: string; readonly messageId: string; readonly narrative: Narrative['source']; readonly summary: Summary }
  | { readonly status: 'already_sent'; readonly month: string };

/** Another run holds the month's claim: retry later (after its lease, the claim is taken over). */
export class SummaryBusyError extends Error {
  override readonly name = 'SummaryBusyError';
}

export class NoRecipientsError extends Error {
  override readonly name = 'NoRecipientsError';
}

export async function sendMonthlySummary(input: SendSummaryInput, deps: SendSummaryDeps): Promise<SendSummaryResult> {
  if (deps.recipients.length === 0) throw new NoRecipientsError('the monthly summary has no recipients');
  const nowMs = deps.now();
  const month = input.month ?? lastCompleteMonth(nowMs, (await deps.store.policy()).timezone);
  parseMonth(month);
  const runId = deps.runId();
  const claim = await deps.store.claimSummary(month, { nowMs, leaseMs: deps.leaseMs ?? 15 * 60_000, resend: input.resend === true, runId });
  if (claim === 'sent') return { status: 'already_sent', month };
  if (claim === 'busy') throw new SummaryBusyError(`the summary of ${month} is being sent by another run`);

  const { summary, bills } = await computeSummary(month, { store: deps.store, now: deps.now });
  const narrative = await writeNarrative(summary, { model: deps.model, modelId: deps.modelId });
  let chart = null;
  if (deps.chart) {
    try {
      chart = await deps.chart.stackedBars(chartSpec(summary));
    } catch (err) {
      deps.onChartError?.(err);
    }
  }
  const email = summaryEmail({ summary, narrative, bills, chart, to: deps.recipients });
  const { messageId } = await deps.mailer.send(email);
  await deps.store.summarySent(month, { runId, at: new Date(deps.now()).toISOString(), messageId, narrative: narrative.source });
  return { status: 'sent', month, messageId, narrative: narrative.source, summary };
}
