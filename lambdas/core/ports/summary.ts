/**
 * What the monthly summary needs from outside: the month's bills and audit rows (one query on the
 * month index), the bills in a state now, a claim that makes each month's email go out once, and
 * a language model that writes the paragraph (Bedrock in AWS, none locally).
 */
import type { Policy } from '../master.ts';
import type { BillState } from '../route.ts';
import type { InvoiceModel } from './extractor.ts';
import type { AuditRecord, BillRecord } from './store.ts';

export interface MonthItems {
  /** Bills whose `created_at` lies in the interval, as they are now. */
  readonly bills: BillRecord[];
  /** Audit rows whose `at` lies in the interval. */
  readonly events: AuditRecord[];
}

export interface SummaryReads {
  policy(): Promise<Policy>;
  /** `[startIso, endIso)`, by a query on the month index (never a scan). */
  monthItems(startIso: string, endIso: string): Promise<MonthItems>;
  listBills(options: { state: BillState }): Promise<BillRecord[]>;
}

/** `claimed`: this run sends. `sent`: sent before. `busy`: another run holds the claim. */
export type ClaimResult = 'claimed' | 'sent' | 'busy';

export interface SummaryClaims {
  /**
   * Claims the month's summary for this run. A claim left by a run that died is taken over once
   * `leaseMs` has passed; `resend` claims even a month already sent.
   */
  claimSummary(month: string, opts: { nowMs: number; leaseMs: number; resend: boolean; runId: string }): Promise<ClaimResult>;
  /** Marks the month sent by this run. */
  summarySent(month: string, opts: { runId: string; at: string; messageId: string; narrative: string }): Promise<void>;
}

/** One Converse turn with a forced tool: the same port the extraction's model uses. */
export type SummaryModel = InvoiceModel;

/** A stacked bar chart: categories along the bottom, one series per stack part. */
export interface StackedBars {
  readonly title: string;
  readonly categories: readonly string[];
  readonly series: readonly { readonly name: string; readonly color: string; readonly values: readonly number[] }[];
  /** CSS pixels; the PNG has `scale` times as many. */
  readonly width: number;
  readonly height: number;
  readonly scale: number;
}

/** Draws a chart as a PNG, without a browser or a native canvas. */
export interface ChartRenderer {
  stackedBars(spec: StackedBars): Promise<{ readonly png: Uint8Array; readonly width: number; readonly height: number }>;
}
