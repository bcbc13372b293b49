/**
 * Use case: the month's summary for finance.
 *
 * 1. Find the month in the policy's time zone (the last complete month unless one is given).
 * 2. Read the month and the month before with queries on the month index, and the bills awaiting
 *    a person or ready for payment now with queries on the state index.
 * 3. Compute the figures of both months and of now (`figures.ts`), deterministically.
 * 4. Lay them out as facts (label, value as formatted): the one text every later step uses — the
 *    table `bm summary` prints, what the model sees, what its numbers are checked against.
 */
import type { BillRecord } from '../ports/store.ts';
import type { SummaryReads } from '../ports/summary.ts';
import { BILL_STATES, type BillState } from '../route.ts';
import { monthFigures, nowFigures, type CountAndValue, type Money, type MonthFigures, type NowFigures, type ReadingPrices } from './figures.ts';
import { addMonths, lastCompleteMonth, monthName, monthWindow, parseMonth } from './month.ts';

export interface Summary {
  readonly month: string;
  readonly timeZone: string;
  readonly generatedAt: string;
  readonly current: MonthFigures;
  readonly previous: MonthFigures;
  readonly now: NowFigures;
}

export interface SummaryDeps {
  readonly store: SummaryReads;
  readonly now: () => number;
  readonly prices?: ReadingPrices;
  /** @default 3 */
  readonly overdueAfterDays?: number;
}

/** The summary of `month` (`YYYY-MM`; default: the last complete month) and the month's bills, for the CSV. */
export async function computeSummary(month: string | null, deps: SummaryDeps): Promise<{ summary: Summary; bills: BillRecord[] }> {
  const nowMs = deps.now();
  const policy = await deps.store.policy();
  const tz = policy.timezone;
  const m = month ?? lastCompleteMonth(nowMs, tz);
  parseMonth(m);
  const window = monthWindow(m, tz);
  const before = monthWindow(addMonths(m, -1), tz);
  // One interval, two months: each month's bills and events, and the month before's requests.
  const items = await deps.store.monthItems(before.startIso, window.endIso);
  const inWindow = (iso: string, w: typeof window) => {
    const t = Date.parse(iso);
    return t >= w.startMs && t < w.endMs;
  };
  const bills = items.bills.filter((b) => inWindow(b.created_at, window)).sort(byArrival);
  const prevBills = items.bills.filter((b) => inWindow(b.created_at, before)).sort(byArrival);
  const events = items.events.filter((e) => inWindow(e.at, window));
  const prevEvents = items.events.filter((e) => inWindow(e.at, before));
  const pending: BillRecord[] = [];
  for (const state of ['awaiting_approval', 'flagged', 'blocked'] as const) pending.push(...(await deps.store.listBills({ state })));
  const ready = await deps.store.listBills({ state: 'ready_for_payment' });
  const prices = deps.prices ? { prices: deps.prices } : {};
  return {
    summary: {
      month: m,
      timeZone: tz,
      generatedAt: new Date(nowMs).toISOString(),
      current: monthFigures({ window, bills, events, earlierEvents: prevEvents, ...prices }),
      previous: monthFigures({ window: before, bills: prevBills, events: prevEvents, ...prices }),
      now: nowFigures({ nowMs, timeZone: tz, pending, ready, ...(deps.overdueAfterDays !== undefined ? { overdueAfterDays: deps.overdueAfterDays } : {}) }),
    },
    bills,
  };
}

const byArrival = (a: BillRecord, b: BillRecord) => a.created_at.localeCompare(b.created_at) || a.bill_id.localeCompare(b.bill_id);

// ---- facts: the figures as people (and the model) read them ------------------------------------

/** One figure as shown: a label, this month's value, last month's (where it compares), and a group. */
export interface Fact {
  readonly group: string;
  readonly label: string;
  readonly value: string;
  readonly previous: string | null;
  /** A supplier's name, shown beside the value; never a source of numbers. */
  readonly name?: string;
}

/** A count with thousands separators: `12,345`. */
export const count = (n: number): string => groupDigits(String(n));

function groupDigits(s: string): string {
  const neg = s.startsWith('-');
  const [int, frac] = (neg ? s.slice(1) : s).split('.');
  const grouped = int!.replace(/\B(?=(\d{3})+(?!\d))/g, ',');
  return `${neg ? '-' : ''}${grouped}${frac !== undefined ? `.${frac}` : ''}`;
}

/** An amount as shown: `12,345.60 EUR`. */
export const money = (m: Money): string => `${groupDigits(m.amount)} ${m.currency}`;
/** Amounts per currency, `; `-separated; `none` when empty. */
export const moneyList = (list: readonly Money[]): string => (list.length ? list.map(money).join('; ') : 'none');
const pct = (p: string | null) => (p === null ? '—' : `${p}%`);
const hrs = (h: string | null) => (h === null ? '—' : `${h} h`);
/** `1 bill`, `12 bills`. */
export const nBills = (n: number): string => `${count(n)} bill${n === 1 ? '' : 's'}`;
const cv = (c: CountAndValue) => (c.bills === 0 ? 'none' : `${nBills(c.bills)}, ${moneyList(c.value)}`);

export const STATE_LABELS: Readonly<Record<BillState, string>> = {
  ready_for_payment: 'ready for payment',
  awaiting_approval: 'awaiting approval',
  flagged: 'flagged',
  blocked: 'blocked',
  waiting_on_supplier: 'waiting on supplier',
  needs_review: 'needs review',
  rejected: 'rejected',
};

/** Every figure of the summary as a fact, in the order the email and the table show them. */
export function summaryFacts(s: Summary): Fact[] {
  const c = s.current;
  const p = s.previous;
  const out: Fact[] = [];
  const add = (group: string, label: string, value: string, previous: string | null) => out.push({ group, label, value, previous });
  add('Bills', 'bills received', count(c.bills), count(p.bills));
  add('Bills', 'value billed', moneyList(c.billed), moneyList(p.billed));
  for (const ch of Object.keys(c.byChannel) as (keyof typeof c.byChannel)[]) add('Bills', `by ${ch}`, count(c.byChannel[ch]), count(p.byChannel[ch]));
  for (const f of Object.keys(c.byFormat) as (keyof typeof c.byFormat)[]) add('Bills', `format: ${f}`, count(c.byFormat[f]), count(p.byFormat[f]));
  for (const st of BILL_STATES) add('Where they are now', STATE_LABELS[st], count(c.byState[st]), count(p.byState[st]));
  add('Rates', 'touchless', `${count(c.touchless)} (${pct(c.touchlessRate)})`, `${count(p.touchless)} (${pct(p.touchlessRate)})`);
  add('Rates', 'with exceptions', `${count(c.withExceptions)} (${pct(c.exceptionRate)})`, `${count(p.withExceptions)} (${pct(p.exceptionRate)})`);
  const codes = [...new Set([...c.byCode.map((x) => x.code), ...p.byCode.map((x) => x.code)])];
  for (const code of codes) {
    const now = c.byCode.find((x) => x.code === code);
    const was = p.byCode.find((x) => x.code === code);
    add('Exceptions by code', code, now ? cv(now) : 'none', was ? cv(was) : 'none');
  }
  add('Value caught', 'price variance above tolerance', cv(c.caught.priceVariance), cv(p.caught.priceVariance));
  add('Value caught', 'over-billed quantity', cv(c.caught.overBilledQuantity), cv(p.caught.overBilledQuantity));
  add('Value caught', 'duplicates stopped', cv(c.caught.duplicates), cv(p.caught.duplicates));
  add('Value caught', 'blocked: vendor on blocklist', cv(c.caught.blocklist), cv(p.caught.blocklist));
  add('Value caught', 'blocked: authorization cap', cv(c.caught.cap), cv(p.caught.cap));
  add('Value caught', 'blocked: bank details changed', cv(c.caught.bankChange), cv(p.caught.bankChange));
  add('Approvals', 'requests sent', count(c.approvals.sent), count(p.approvals.sent));
  add('Approvals', 'approved', count(c.approvals.approved), count(p.approvals.approved));
  add('Approvals', 'queried to the supplier', count(c.approvals.queried), count(p.approvals.queried));
  add('Approvals', 'rejected', count(c.approvals.rejected), count(p.approvals.rejected));
  add('Approvals', 'median time to approve', hrs(c.approvals.medianHoursToApprove), hrs(p.approvals.medianHoursToApprove));
  add('Approvals', `overdue now (waiting over ${s.now.overdueAfterDays} days)`, `${count(s.now.overdueApprovals)} of ${count(s.now.pendingApprovals)} waiting`, null);
  add('Cycle time, arrival to ready for payment', 'median', hrs(c.cycle.medianHours), hrs(p.cycle.medianHours));
  add('Cycle time, arrival to ready for payment', '90th percentile', hrs(c.cycle.p90Hours), hrs(p.cycle.p90Hours));
  c.topSuppliers.byExceptions.forEach((t, i) => out.push({ group: 'Top suppliers by exceptions', label: `#${i + 1}`, value: nBills(t.bills), previous: null, name: t.supplier }));
  c.topSuppliers.byValueHeld.forEach((t, i) => out.push({ group: 'Top suppliers by value held', label: `#${i + 1}`, value: money(t), previous: null, name: t.supplier }));
  for (const w of s.now.payables) {
    add('Payables ready for payment, by due date', w.from === null ? `already due (by ${w.to.slice(5)})` : `${w.label} (${w.from.slice(5)} to ${w.to.slice(5)})`, w.bills ? `${nBills(w.bills)}, ${moneyList(w.value)}` : 'none', null);
  }
  const r = c.reading;
  const q = p.reading;
  add('Reading cost (OCR and model)', 'bills read by OCR or a model', count(r.bills), count(q.bills));
  add('Reading cost (OCR and model)', 'Textract pages', count(r.textractPages), count(q.textractPages));
  add('Reading cost (OCR and model)', 'Bedrock tokens in / out', `${count(r.inputTokens + r.cacheReadTokens + r.cacheWriteTokens)} / ${count(r.outputTokens)}`, `${count(q.inputTokens + q.cacheReadTokens + q.cacheWriteTokens)} / ${count(q.outputTokens)}`);
  add('Reading cost (OCR and model)', 'cost at list prices', `${groupDigits(r.costUsd)} USD`, `${groupDigits(q.costUsd)} USD`);
  add('Reading cost (OCR and model)', 'per bill read', r.perBillUsd ? `${r.perBillUsd} USD` : '—', q.perBillUsd ? `${q.perBillUsd} USD` : '—');
  return out;
}

/** The facts as a plain-text table (`bm summary`). */
export function formatFacts(s: Summary, facts: readonly Fact[] = summaryFacts(s)): string {
  const head = ['figure', monthName(s.month), monthName(addMonths(s.month, -1))];
  const rows: string[][] = [];
  let group = '';
  for (const f of facts) {
    if (f.group !== group) {
      group = f.group;
      rows.push([`${group}:`, '', '']);
    }
    rows.push([`  ${f.label}`, f.name ? `${f.name}: ${f.value}` : f.value, f.previous ?? '']);
  }
  const widths = head.map((h, i) => Math.max(h.length, ...rows.map((r) => r[i]!.length)));
  const line = (cells: string[]) => cells.map((c, i) => c.padEnd(widths[i]!)).join('  ').trimEnd() + '\n';
  return line(head) + line(widths.map((w) => '-'.repeat(w))) + rows.map(line).join('') + `\nMonth in ${s.timeZone}; "now" figures as of ${s.now.asOf}.\n`;
}

// ---- the CSV of the month's bills ----------------------------------------------------------------

const cell = (v: string | number | null | undefined): string => {
  const s = v === null || v === undefined ? '' : String(v);
  // A cell a spreadsheet would run as a formula is prefixed with an apostrophe (CSV injection).
  const safe = /^[=+\-@\t\r]/.test(s) && !/^-?\d/.test(s) ? `'${s}` : s;
  return /[",\r\n]/.test(safe) ? `"${safe.replaceAll('"', '""')}"` : safe;
};

/** Every bill of the month, one row each (RFC 4180, CRLF). */
export function billsCsv(bills: readonly BillRecord[]): string {
  const head = ['bill_id', 'supplier', 'vendor_id', 'invoice_number', 'issue_date', 'due_date', 'received_at', 'currency', 'total', 'document_type', 'state', 'exceptions', 'approvers', 'decided_at'];
  const rows = bills.map((b) => {
    const approvers = [...new Set([...(b.approvals ?? []).map((a) => a.approver), ...b.approvers])];
    const decided = b.state === 'ready_for_payment' || b.state === 'rejected' ? b.updated_at : '';
    const due = typeof b.canonical?.due_date === 'string' ? b.canonical.due_date : '';
    return [b.bill_id, b.supplier_name, b.vendor_id, b.invoice_number, b.issue_date, due, b.created_at, b.currency, b.total, b.document_type, b.state, b.exceptions.map((e) => e.code).join(' '), approvers.join(' '), decided];
  });
  return [head, ...rows].map((r) => r.map(cell).join(',')).join('\r\n') + '\r\n';
}
