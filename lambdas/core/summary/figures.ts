/**
 * The month's figures for finance: deterministic, from the bills and audit rows of the month,
 * in exact decimals, every amount per currency (never added across currencies).
 *
 * 1. Count the month's bills (arrived in the month, in the policy's zone) by channel, format and
 *    the state each is in now; touchless and exception rates; count and value per exception code.
 * 2. Value caught: what the checks kept from being paid as billed (bills not `ready_for_payment`).
 * 3. Approvals from the month's audit rows: requests, decisions, time from request to approval.
 * 4. Cycle time from arrival to `ready_for_payment`; top suppliers; reading cost at list prices.
 * 5. "Now" figures: approvals overdue, and payables `ready_for_payment` by due week for four weeks.
 *
 * What each figure means exactly is written down in docs/summary.md.
 */
import { EXCEPTION_CODES, type ExceptionCode } from '../exceptions.ts';
import { Decimal, formatAmount } from '../money.ts';
import type { AuditRecord, BillRecord } from '../ports/store.ts';
import { BILL_STATES, type BillState } from '../route.ts';
import { addDays, dateIn, type MonthWindow } from './month.ts';

export const CHANNELS = ['email', 'upload'] as const;
export type Channel = (typeof CHANNELS)[number];

/** How a bill arrived as data: a structured e-invoice, EDI, a PDF's text layer, a scan (OCR), or another file. */
export const FORMAT_GROUPS = ['e-invoice', 'EDI', 'PDF text', 'scan', 'other'] as const;
export type FormatGroup = (typeof FORMAT_GROUPS)[number];

const FORMAT_GROUP: Readonly<Record<string, FormatGroup>> = {
  ubl: 'e-invoice',
  cii: 'e-invoice',
  facturx: 'e-invoice',
  xrechnung: 'e-invoice',
  'x12-810': 'EDI',
  'pdf-text': 'PDF text',
  'pdf-text+model': 'PDF text',
  'ocr+model': 'scan',
};

export function formatGroupOf(format: string): FormatGroup {
  return FORMAT_GROUP[format] ?? 'other';
}

/** Email when the bill was read from a message, else an upload (web page, bucket, drop folder). */
export function channelOf(b: BillRecord): Channel {
  return b.source.email || b.source.format === 'email' ? 'email' : 'upload';
}

/** An amount in one currency, formatted with the currency's minor unit. */
export interface Money {
  readonly currency: string;
  readonly amount: string;
}

export interface CountAndValue {
  readonly bills: number;
  readonly value: readonly Money[];
}

/** List prices used for the reading cost (USD). A parameter: prices change and differ by region. */
export interface ReadingPrices {
  readonly textractPerPage: string;
  readonly inputPerMillion: string;
  readonly outputPerMillion: string;
  readonly cacheReadPerMillion: string;
  readonly cacheWritePerMillion: string;
  /** Where the prices come from, shown under the figure. */
  readonly source: string;
}

/**
 * AWS list prices, on demand: Textract AnalyzeExpense $0.01 a page (first million pages a
 * month); Claude Haiku 4.5 on Bedrock $1 / $5 per million input / output tokens, cache reads
 * $0.10, cache writes $1.25.
 */
export const LIST_PRICES: ReadingPrices = {
  textractPerPage: '0.01',
  inputPerMillion: '1.00',
  outputPerMillion: '5.00',
  cacheReadPerMillion: '0.10',
  cacheWritePerMillion: '1.25',
  source: 'AWS list prices (Textract AnalyzeExpense; Claude Haiku 4.5 on Bedrock), on demand, USD',
};

export interface MonthFigures {
  readonly month: string;
  readonly bills: number;
  /** Total billed per currency (credit notes negative). */
  readonly billed: readonly Money[];
  readonly byChannel: Readonly<Record<Channel, number>>;
  readonly byFormat: Readonly<Record<FormatGroup, number>>;
  /** The state each of the month's bills is in now. */
  readonly byState: Readonly<Record<BillState, number>>;
  /** The month's bills by week of arrival (days 1–7, 8–14, 15–21, 22–28, 29–end) and the state each is in now. */
  readonly byWeek: readonly { readonly label: string; readonly states: Readonly<Record<BillState, number>> }[];
  /** `ready_for_payment` without a person and without an exception. */
  readonly touchless: number;
  /** Percent of the month's bills, one decimal; null without bills. */
  readonly touchlessRate: string | null;
  readonly withExceptions: number;
  readonly exceptionRate: string | null;
  /** Per exception code found this month: bills carrying it and their total value. */
  readonly byCode: readonly ({ readonly code: ExceptionCode } & CountAndValue)[];
  readonly caught: {
    /** (bill unit price − PO unit price) × quantity on the lines with a price variance. */
    readonly priceVariance: CountAndValue;
    /** (quantity − available) × unit price on the lines with a quantity variance. */
    readonly overBilledQuantity: CountAndValue;
    /** Totals of duplicates not paid. */
    readonly duplicates: CountAndValue;
    readonly blocklist: CountAndValue;
    readonly cap: CountAndValue;
    readonly bankChange: CountAndValue;
  };
  readonly approvals: {
    /** Approval requests emailed (one per bill and request). */
    readonly sent: number;
    /** Bills approved to `ready_for_payment` (admin overrides included). */
    readonly approved: number;
    readonly queried: number;
    readonly rejected: number;
    /** Hours from the request to the approval, median, one decimal. */
    readonly medianHoursToApprove: string | null;
  };
  readonly cycle: {
    /** The month's bills now `ready_for_payment`. */
    readonly ready: number;
    /** Hours from arrival to `ready_for_payment`, one decimal. */
    readonly medianHours: string | null;
    readonly p90Hours: string | null;
  };
  readonly topSuppliers: {
    readonly byExceptions: readonly { readonly supplier: string; readonly bills: number }[];
    /** Value of the month's bills held now (not ready for payment, not rejected), per currency. */
    readonly byValueHeld: readonly ({ readonly supplier: string } & Money)[];
  };
  readonly reading: {
    /** Bills read by OCR and/or a model. */
    readonly bills: number;
    readonly textractPages: number;
    readonly inputTokens: number;
    readonly outputTokens: number;
    readonly cacheReadTokens: number;
    readonly cacheWriteTokens: number;
    /** USD at list prices, cents. */
    readonly costUsd: string;
    /** USD per bill read that way, four decimals; null when none was. */
    readonly perBillUsd: string | null;
  };
}

export interface NowFigures {
  /** Today's date in the zone. */
  readonly asOf: string;
  /** Bills awaiting a person now (awaiting approval, flagged, blocked). */
  readonly pendingApprovals: number;
  /** …of which waiting longer than `overdueAfterDays` since the request. */
  readonly overdueApprovals: number;
  readonly overdueAfterDays: number;
  /** `ready_for_payment` bills by due date: already due, then four weeks from today. */
  readonly payables: readonly { readonly label: string; readonly from: string | null; readonly to: string; readonly bills: number; readonly value: readonly Money[] }[];
}

export interface MonthInput {
  readonly window: MonthWindow;
  /** Bills that arrived (`created_at`) in the month, as they are now. */
  readonly bills: readonly BillRecord[];
  /** Audit rows dated in the month. */
  readonly events: readonly AuditRecord[];
  /** Audit rows of the month before (approval requests answered this month). */
  readonly earlierEvents?: readonly AuditRecord[];
  readonly prices?: ReadingPrices;
  /** How many suppliers each top list shows. @default 5 */
  readonly top?: number;
}

const HOUR = 3_600_000;
const DAY = 86_400_000;

// ---- small exact helpers ----------------------------------------------------------------------

/** Sums per currency, exactly. */
class Amounts {
  private readonly m = new Map<string, Decimal>();
  add(currency: string | null, amount: Decimal): void {
    const c = currency ?? '?';
    this.m.set(c, (this.m.get(c) ?? Decimal.ZERO).add(amount));
  }
  list(): Money[] {
    return [...this.m.entries()].sort(([a], [b]) => a.localeCompare(b)).map(([currency, d]) => ({ currency, amount: formatAmount(d, currency) }));
  }
}

const totalOf = (b: BillRecord): Decimal => {
  const t = b.total ? Decimal.tryParse(b.total) ?? Decimal.ZERO : Decimal.ZERO;
  return b.document_type === 'credit_note' ? t.abs().neg() : t;
};

/** `part / whole` in percent, one decimal (half up). */
export function percent(part: number, whole: number): string | null {
  if (whole === 0) return null;
  return Decimal.from(part * 100).div(Decimal.from(whole), 1).toFixed(1);
}

/** Milliseconds as hours, one decimal. */
const hours = (ms: number) => Decimal.from(ms).div(Decimal.from(HOUR), 1).toFixed(1);

/** Median of integers (the mean of the two middle values for an even count), as hours. */
export function medianHours(ms: readonly number[]): string | null {
  if (ms.length === 0) return null;
  const s = [...ms].sort((a, b) => a - b);
  const mid = Math.floor(s.length / 2);
  if (s.length % 2 === 1) return hours(s[mid]!);
  return Decimal.from(s[mid - 1]! + s[mid]!).div(Decimal.from(2 * HOUR), 1).toFixed(1);
}

/** Nearest-rank percentile (the smallest value with at least p % at or below it), as hours. */
export function percentileHours(ms: readonly number[], p: number): string | null {
  if (ms.length === 0) return null;
  const s = [...ms].sort((a, b) => a - b);
  return hours(s[Math.max(0, Math.ceil((p / 100) * s.length) - 1)]!);
}

const countAndValue = () => ({ bills: 0, amounts: new Amounts() });
const done = (c: { bills: number; amounts: Amounts }): CountAndValue => ({ bills: c.bills, value: c.amounts.list() });

const supplierOf = (b: BillRecord) => b.supplier_name?.trim() || b.vendor_id || 'unknown supplier';

const HELD: ReadonlySet<BillState> = new Set(['needs_review', 'awaiting_approval', 'flagged', 'blocked', 'waiting_on_supplier']);

// ---- the month ---------------------------------------------------------------------------------

export function monthFigures(input: MonthInput): MonthFigures {
  const prices = input.prices ?? LIST_PRICES;
  const top = input.top ?? 5;
  const bills = input.bills;
  const billed = new Amounts();
  const byChannel = Object.fromEntries(CHANNELS.map((c) => [c, 0])) as Record<Channel, number>;
  const byFormat = Object.fromEntries(FORMAT_GROUPS.map((f) => [f, 0])) as Record<FormatGroup, number>;
  const noStates = () => Object.fromEntries(BILL_STATES.map((s) => [s, 0])) as Record<BillState, number>;
  const byState = noStates();
  const lastDay = Number(dateIn(input.window.endMs - 1, input.window.timeZone).slice(8, 10));
  const byWeek = [1, 8, 15, 22, 29].filter((d) => d <= lastDay).map((d) => ({ label: d === 29 ? `29–${lastDay}` : `${d}–${d + 6}`, states: noStates() }));
  const byCode = new Map<ExceptionCode, ReturnType<typeof countAndValue>>();
  const caught = {
    priceVariance: countAndValue(),
    overBilledQuantity: countAndValue(),
    duplicates: countAndValue(),
    blocklist: countAndValue(),
    cap: countAndValue(),
    bankChange: countAndValue(),
  };
  const exceptionsBySupplier = new Map<string, number>();
  const heldBySupplier = new Map<string, Map<string, Decimal>>();
  let touchless = 0;
  let withExceptions = 0;
  const cycle: number[] = [];
  const reading = { bills: 0, pages: 0, input: 0, output: 0, cacheRead: 0, cacheWrite: 0 };

  for (const b of bills) {
    const total = totalOf(b);
    billed.add(b.currency, total);
    byChannel[channelOf(b)]++;
    byFormat[formatGroupOf(b.source.format)]++;
    byState[b.state]++;
    const day = Number(dateIn(Date.parse(b.created_at), input.window.timeZone).slice(8, 10));
    byWeek[Math.min(byWeek.length - 1, Math.floor((day - 1) / 7))]!.states[b.state]++;
    const people = (b.approvals ?? []).length > 0;
    if (b.state === 'ready_for_payment' && b.exceptions.length === 0 && !people) touchless++;
    if (b.state === 'ready_for_payment') cycle.push(Date.parse(b.updated_at) - Date.parse(b.created_at));

    const codes = new Set(b.exceptions.map((e) => e.code));
    if (codes.size > 0) {
      withExceptions++;
      exceptionsBySupplier.set(supplierOf(b), (exceptionsBySupplier.get(supplierOf(b)) ?? 0) + 1);
    }
    for (const code of codes) {
      const c = byCode.get(code) ?? countAndValue();
      c.bills++;
      c.amounts.add(b.currency, total);
      byCode.set(code, c);
    }
    if (HELD.has(b.state)) {
      const per = heldBySupplier.get(supplierOf(b)) ?? new Map<string, Decimal>();
      per.set(b.currency ?? '?', (per.get(b.currency ?? '?') ?? Decimal.ZERO).add(total));
      heldBySupplier.set(supplierOf(b), per);
    }

    // Caught: found, and not paid as billed.
    if (b.state !== 'ready_for_payment') {
      const price = lineValue(b, 'PRICE_VARIANCE', (m) => {
        if (m.po_unit_price === null) return null;
        const d = Decimal.parse(m.unit_price).sub(Decimal.parse(m.po_unit_price));
        return d.isNegative() ? null : d.mul(Decimal.parse(m.quantity));
      });
      if (price) {
        caught.priceVariance.bills++;
        caught.priceVariance.amounts.add(b.currency, price);
      }
      const qty = lineValue(b, 'QUANTITY_VARIANCE', (m) => {
        if (m.available === null) return null;
        const over = Decimal.parse(m.quantity).sub(Decimal.parse(m.available));
        return over.isNegative() || over.isZero() ? null : over.mul(Decimal.parse(m.unit_price));
      });
      if (qty) {
        caught.overBilledQuantity.bills++;
        caught.overBilledQuantity.amounts.add(b.currency, qty);
      }
      const deny: [ExceptionCode, ReturnType<typeof countAndValue>][] = [
        ['DUPLICATE', caught.duplicates],
        ['VENDOR_BLOCKED', caught.blocklist],
        ['CAP_EXCEEDED', caught.cap],
        ['BANK_DETAILS_CHANGED', caught.bankChange],
      ];
      for (const [code, c] of deny) {
        if (!codes.has(code)) continue;
        c.bills++;
        c.amounts.add(b.currency, total);
      }
    }

    const x = b.source.extraction;
    if (x) {
      reading.bills++;
      if (x.text_source === 'textract') reading.pages += x.pages;
      reading.input += x.input_tokens;
      reading.output += x.output_tokens;
      reading.cacheRead += x.cache_read_input_tokens;
      reading.cacheWrite += x.cache_write_input_tokens;
    }
  }

  const approvals = approvalFigures(input.events, input.earlierEvents ?? []);
  const perMillion = (tokens: number, price: string) => Decimal.from(tokens).mul(Decimal.parse(price)).div(Decimal.from(1_000_000), 6);
  const cost = Decimal.from(reading.pages)
    .mul(Decimal.parse(prices.textractPerPage))
    .add(perMillion(reading.input, prices.inputPerMillion))
    .add(perMillion(reading.output, prices.outputPerMillion))
    .add(perMillion(reading.cacheRead, prices.cacheReadPerMillion))
    .add(perMillion(reading.cacheWrite, prices.cacheWritePerMillion));

  const rank = <T,>(entries: T[], cmp: (a: T, b: T) => number) => entries.sort(cmp).slice(0, top);
  return {
    month: input.window.month,
    bills: bills.length,
    billed: billed.list(),
    byChannel,
    byFormat,
    byState,
    byWeek,
    touchless,
    touchlessRate: percent(touchless, bills.length),
    withExceptions,
    exceptionRate: percent(withExceptions, bills.length),
    byCode: EXCEPTION_CODES.filter((c) => byCode.has(c)).map((code) => ({ code, ...done(byCode.get(code)!) })),
    caught: {
      priceVariance: done(caught.priceVariance),
      overBilledQuantity: done(caught.overBilledQuantity),
      duplicates: done(caught.duplicates),
      blocklist: done(caught.blocklist),
      cap: done(caught.cap),
      bankChange: done(caught.bankChange),
    },
    approvals,
    cycle: { ready: cycle.length, medianHours: medianHours(cycle), p90Hours: percentileHours(cycle, 90) },
    topSuppliers: {
      byExceptions: rank(
        [...exceptionsBySupplier.entries()].map(([supplier, n]) => ({ supplier, bills: n })),
        (a, b) => b.bills - a.bills || a.supplier.localeCompare(b.supplier),
      ),
      byValueHeld: rank(
        [...heldBySupplier.entries()].flatMap(([supplier, per]) => [...per.entries()].filter(([, d]) => d.gt(Decimal.ZERO)).map(([currency, d]) => ({ supplier, currency, d }))),
        // Within one currency by value; across currencies only by name (amounts are never compared across currencies).
        (a, b) => a.currency.localeCompare(b.currency) || b.d.cmp(a.d) || a.supplier.localeCompare(b.supplier),
      ).map(({ supplier, currency, d }) => ({ supplier, currency, amount: formatAmount(d, currency) })),
    },
    reading: {
      bills: reading.bills,
      textractPages: reading.pages,
      inputTokens: reading.input,
      outputTokens: reading.output,
      cacheReadTokens: reading.cacheRead,
      cacheWriteTokens: reading.cacheWrite,
      costUsd: cost.toFixed(2),
      perBillUsd: reading.bills > 0 ? cost.div(Decimal.from(reading.bills), 4).toFixed(4) : null,
    },
  };
}

/** Σ over the bill's lines named by its `code` exceptions (all lines when an exception names none), rounded to the currency. */
function lineValue(b: BillRecord, code: ExceptionCode, value: (m: BillRecord['match'][number]) => Decimal | null): Decimal | null {
  const found = b.exceptions.filter((e) => e.code === code);
  if (found.length === 0) return null;
  const lines = found.some((e) => e.line === null) ? null : new Set(found.map((e) => e.line));
  let sum = Decimal.ZERO;
  let any = false;
  for (const m of b.match) {
    if (lines && !lines.has(m.line_id)) continue;
    const v = value(m);
    if (!v) continue;
    sum = sum.add(v);
    any = true;
  }
  return any ? Decimal.parse(formatAmount(sum, b.currency ?? '?')) : null;
}

/** Approval figures from audit rows: requests, outcomes, and request → approval times. */
function approvalFigures(events: readonly AuditRecord[], earlier: readonly AuditRecord[]): MonthFigures['approvals'] {
  let sent = 0;
  let approved = 0;
  let queried = 0;
  let rejected = 0;
  const lastRequest = new Map<string, number>();
  const times: number[] = [];
  const ordered = (rows: readonly AuditRecord[]) => [...rows].sort((a, b) => a.at.localeCompare(b.at) || a.bill_id.localeCompare(b.bill_id) || a.seq - b.seq);
  for (const e of ordered(earlier)) if (e.action === 'approval_requested') lastRequest.set(e.bill_id, Date.parse(e.at));
  for (const e of ordered(events)) {
    if (e.action === 'approval_requested') {
      sent++;
      if (!lastRequest.has(e.bill_id)) lastRequest.set(e.bill_id, Date.parse(e.at));
      continue;
    }
    const final = (e.action === 'approved' || e.action === 'override') && e.to_state === 'ready_for_payment';
    if (final) {
      approved++;
      const requested = lastRequest.get(e.bill_id);
      if (requested !== undefined) times.push(Date.parse(e.at) - requested);
    } else if (e.action === 'queried') queried++;
    else if (e.action === 'rejected') rejected++;
    // A bill leaves the approval desk: its next request starts a new clock.
    if (final || e.action === 'queried' || e.action === 'rejected') lastRequest.delete(e.bill_id);
  }
  return { sent, approved, queried, rejected, medianHoursToApprove: medianHours(times) };
}

// ---- now -----------------------------------------------------------------------------------------

export interface NowInput {
  readonly nowMs: number;
  readonly timeZone: string;
  /** Bills awaiting a person now: awaiting_approval, flagged, blocked. */
  readonly pending: readonly BillRecord[];
  readonly ready: readonly BillRecord[];
  /** @default 3 */
  readonly overdueAfterDays?: number;
}

export function nowFigures(input: NowInput): NowFigures {
  const overdueAfterDays = input.overdueAfterDays ?? 3;
  const today = dateIn(input.nowMs, input.timeZone);
  const pending = input.pending.filter((b) => b.approvers.length > 0);
  // The request's time: when its email was due (after quiet hours), else when the bill last changed.
  const since = (b: BillRecord) => Date.parse(b.notify_at ?? b.updated_at);
  const overdue = pending.filter((b) => input.nowMs - since(b) > overdueAfterDays * DAY).length;
  const buckets = [
    { label: 'already due', from: null as string | null, to: addDays(today, -1), bills: 0, amounts: new Amounts() },
    ...[0, 1, 2, 3].map((w) => ({ label: `week ${w + 1}`, from: addDays(today, 7 * w) as string | null, to: addDays(today, 7 * w + 6), bills: 0, amounts: new Amounts() })),
  ];
  for (const b of input.ready) {
    const due = typeof b.canonical?.due_date === 'string' ? b.canonical.due_date : null;
    if (!due || !/^\d{4}-\d{2}-\d{2}$/.test(due)) continue;
    const bucket = buckets.find((k) => (k.from === null || due >= k.from) && due <= k.to);
    if (!bucket) continue;
    bucket.bills++;
    bucket.amounts.add(b.currency, totalOf(b));
  }
  return {
    asOf: today,
    pendingApprovals: pending.length,
    overdueApprovals: overdue,
    overdueAfterDays,
    payables: buckets.map((k) => ({ label: k.label, from: k.from, to: k.to, bills: k.bills, value: k.amounts.list() })),
  };
}
