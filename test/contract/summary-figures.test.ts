/**
 * The month's figures on DynamoDB Local: a generated March (and February, and bills of April
 * that must not count), read back through the month index, each figure checked against a value
 * this test works out on its own from what the bills were generated from.
 */
import { beforeAll, describe, expect, it } from 'vitest';
import type { ExceptionCode } from '../../lambdas/core/exceptions.ts';
import { computeSummary, type Summary } from '../../lambdas/core/summary/summary.ts';
import type { DynamoBillStore } from '../../lambdas/adapters/aws/dynamo-store.ts';
import { master } from '../support/builders.ts';
import { freshStore } from '../support/db.ts';
import { generateMonth, minorToText, seedMonth, type GeneratedBill, type Truth } from '../support/month-bills.ts';

// March 2026 in Europe/Berlin: CET until the 29th at 01:00 UTC, then CEST.
const MARCH = { start: Date.parse('2026-03-01T00:00:00+01:00'), end: Date.parse('2026-04-01T00:00:00+02:00') };
const FEB = { start: Date.parse('2026-02-01T00:00:00+01:00'), end: MARCH.start };
const NOW = Date.parse('2026-04-06T09:00:00+02:00'); // the first Monday of April, 9:00
const DST = Date.parse('2026-03-29T01:00:00Z');
const MIN = 60_000;

let store: DynamoBillStore;
let all: GeneratedBill[];
let summary: Summary;
let meterRead = 0;

const inMarch = (ms: number) => ms >= MARCH.start && ms < MARCH.end;
const digits = (c: string) => (c === 'JPY' ? 0 : 2);

/** Σ minor units per currency, as the figures give them: sorted by currency, with the currency's digits. */
function perCurrency(rows: readonly { currency: string; minor: bigint }[]): { currency: string; amount: string }[] {
  const m = new Map<string, bigint>();
  for (const r of rows) m.set(r.currency, (m.get(r.currency) ?? 0n) + r.minor);
  return [...m.keys()].sort().map((c) => ({ currency: c, amount: minorToText(m.get(c)!, digits(c)) }));
}

/** `part / whole × 100`, half up, one decimal — with integers only. */
function pct(part: number, whole: number): string {
  const tenths = Math.floor((part * 1000 * 2 + whole) / (2 * whole));
  return `${Math.floor(tenths / 10)}.${tenths % 10}`;
}

/** Minutes (multiples of 12) as hours with one decimal. */
const hoursOf = (min: number) => (min / 60).toFixed(1);

function median(mins: number[]): string | null {
  if (mins.length === 0) return null;
  const s = [...mins].sort((a, b) => a - b);
  const k = s.length >> 1;
  return hoursOf(s.length % 2 ? s[k]! : (s[k - 1]! + s[k]!) / 2);
}

const march = () => all.map((g) => g.truth).filter((t) => inMarch(t.arrivedMs));

beforeAll(async () => {
  store = await freshStore();
  await store.importMaster(master());
  const marchBills = generateMonth({ startMs: MARCH.start, endMs: MARCH.end, n: 300, seed: 3, nowMs: NOW, idPrefix: 'mar' });
  const febBills = generateMonth({ startMs: FEB.start, endMs: FEB.end, n: 120, seed: 5, nowMs: NOW, idPrefix: 'feb' });
  // April's first instant belongs to April: its bills must not count in March (some are pending, not yet overdue).
  const aprilBills = generateMonth({ startMs: MARCH.end, endMs: NOW + 10 * 86_400_000 - 60 * MIN, n: 40, seed: 9, nowMs: NOW, idPrefix: 'apr' });
  all = [...marchBills, ...febBills, ...aprilBills];
  await seedMonth(store, all);
  const meter = { read: 0, write: 0 };
  const { openLocalStore } = await import('../../lambdas/adapters/local/local-stack.ts');
  const { inject } = await import('vitest');
  const { store: metered } = await openLocalStore(inject('dynamoEndpoint'), store.tableName, meter);
  summary = (await computeSummary('2026-03', { store: metered, now: () => NOW })).summary;
  meterRead = meter.read;
}, 120_000);

describe('the month of 2026-03 in Europe/Berlin', () => {
  it('counts the bills that arrived in the month: the first instant in, the first instant of April out', () => {
    expect(march().length).toBe(300);
    expect(summary.current.bills).toBe(300);
    expect(summary.previous.bills).toBe(120);
    expect(meterRead).toBeGreaterThan(0);
  });

  it('totals the value billed per currency, never across currencies', () => {
    expect(summary.current.billed).toEqual(perCurrency(march().map((t) => ({ currency: t.currency, minor: t.totalMinor }))));
    expect(summary.current.billed.map((m) => m.currency)).toEqual(['EUR', 'JPY', 'USD']);
  });

  it('counts by channel, by format group and by the state each bill is in now', () => {
    const t = march();
    expect(summary.current.byChannel).toEqual({ email: t.filter((x) => x.email).length, upload: t.filter((x) => !x.email).length });
    const group = (f: string) =>
      ({ ubl: 'e-invoice', cii: 'e-invoice', facturx: 'e-invoice', 'x12-810': 'EDI', 'pdf-text': 'PDF text', 'pdf-text+model': 'PDF text', 'ocr+model': 'scan' })[f] ?? 'other';
    for (const g of ['e-invoice', 'EDI', 'PDF text', 'scan', 'other'] as const) expect(summary.current.byFormat[g], g).toBe(t.filter((x) => group(x.format) === g).length);
    for (const s of ['ready_for_payment', 'flagged', 'blocked', 'rejected', 'waiting_on_supplier', 'needs_review', 'awaiting_approval'] as const) {
      expect(summary.current.byState[s], s).toBe(t.filter((x) => x.state === s).length);
    }
  });

  it('counts by week of arrival (days 1–7 … 29–31, in Berlin time) and state', () => {
    const day = (ms: number) => new Date(ms + (ms < DST ? 60 : 120) * MIN).getUTCDate();
    const weeks = summary.current.byWeek;
    expect(weeks.map((w) => w.label)).toEqual(['1–7', '8–14', '15–21', '22–28', '29–31']);
    weeks.forEach((w, i) => {
      const inWeek = march().filter((t) => Math.min(4, Math.floor((day(t.arrivedMs) - 1) / 7)) === i);
      expect(w.states.ready_for_payment, w.label).toBe(inWeek.filter((t) => t.state === 'ready_for_payment').length);
      expect(Object.values(w.states).reduce((a, b) => a + b, 0), w.label).toBe(inWeek.length);
    });
  });

  it('gives the touchless and exception rates', () => {
    const t = march();
    const touchless = t.filter((x) => x.kind === 'touchless').length;
    const withEx = t.filter((x) => x.codes.length > 0).length;
    expect(summary.current.touchless).toBe(touchless);
    expect(summary.current.touchlessRate).toBe(pct(touchless, 300));
    expect(summary.current.withExceptions).toBe(withEx);
    expect(summary.current.exceptionRate).toBe(pct(withEx, 300));
  });

  it('gives count and value per exception code', () => {
    const codes = [...new Set(march().flatMap((t) => t.codes))] as ExceptionCode[];
    expect(summary.current.byCode.map((c) => c.code).sort()).toEqual([...codes].sort());
    for (const code of codes) {
      const bills = march().filter((t) => t.codes.includes(code));
      const got = summary.current.byCode.find((c) => c.code === code)!;
      expect(got.bills, code).toBe(bills.length);
      expect(got.value, code).toEqual(perCurrency(bills.map((b) => ({ currency: b.currency, minor: b.totalMinor }))));
    }
  });

  it('values what was caught and not paid: price excess, over-billed quantity, duplicates, blocks', () => {
    const of = (kinds: Truth['kind'][], amount: (t: Truth) => bigint) => {
      const bills = march().filter((t) => kinds.includes(t.kind));
      return { bills: bills.length, value: perCurrency(bills.map((t) => ({ currency: t.currency, minor: amount(t) }))) };
    };
    const c = summary.current.caught;
    // A price variance approved anyway was paid: it is not "caught".
    expect(c.priceVariance).toEqual(of(['price_pending', 'price_rejected'], (t) => t.caughtMinor));
    expect(c.overBilledQuantity).toEqual(of(['qty_pending'], (t) => t.caughtMinor));
    expect(c.duplicates).toEqual(of(['duplicate'], (t) => t.totalMinor));
    expect(c.blocklist).toEqual(of(['blocklist'], (t) => t.totalMinor));
    expect(c.cap).toEqual(of(['cap'], (t) => t.totalMinor));
    expect(c.bankChange).toEqual(of(['bank'], (t) => t.totalMinor));
    expect(c.priceVariance.bills).toBeGreaterThan(0);
  });

  it('counts approval requests and outcomes dated in the month, and the median time to approve', () => {
    const rows = all.flatMap((g) => g.audit.filter((a) => inMarch(Date.parse(a.at))).map((a) => ({ ...a, truth: g.truth })));
    expect(summary.current.approvals.sent).toBe(rows.filter((r) => r.action === 'approval_requested').length);
    expect(summary.current.approvals.approved).toBe(rows.filter((r) => r.action === 'approved').length);
    expect(summary.current.approvals.queried).toBe(rows.filter((r) => r.action === 'queried').length);
    expect(summary.current.approvals.rejected).toBe(rows.filter((r) => r.action === 'rejected').length);
    // Requests made in February and approved in March count too (the request is 12 minutes after arrival).
    const waits = rows.filter((r) => r.action === 'approved').map((r) => r.truth.approveAfterMin!);
    expect(summary.current.approvals.medianHoursToApprove).toBe(median(waits));
  });

  it('gives the cycle time from arrival to ready for payment, median and 90th percentile', () => {
    const mins = march().filter((t) => t.state === 'ready_for_payment').map((t) => t.readyAfterMin!).sort((a, b) => a - b);
    expect(summary.current.cycle.ready).toBe(mins.length);
    expect(summary.current.cycle.medianHours).toBe(median(mins));
    expect(summary.current.cycle.p90Hours).toBe(hoursOf(mins[Math.ceil(0.9 * mins.length) - 1]!));
  });

  it('ranks the top suppliers by bills with exceptions and by value held, per currency', () => {
    const counts = new Map<string, number>();
    for (const t of march().filter((x) => x.codes.length > 0)) counts.set(t.supplier, (counts.get(t.supplier) ?? 0) + 1);
    const byEx = [...counts].map(([supplier, bills]) => ({ supplier, bills })).sort((a, b) => b.bills - a.bills || a.supplier.localeCompare(b.supplier)).slice(0, 5);
    expect(summary.current.topSuppliers.byExceptions).toEqual(byEx);
    const held = new Map<string, bigint>();
    for (const t of march().filter((x) => ['needs_review', 'awaiting_approval', 'flagged', 'blocked', 'waiting_on_supplier'].includes(x.state))) {
      const k = `${t.currency}|${t.supplier}`;
      held.set(k, (held.get(k) ?? 0n) + t.totalMinor);
    }
    const byHeld = [...held]
      .map(([k, minor]) => ({ currency: k.split('|')[0]!, supplier: k.split('|')[1]!, minor }))
      .sort((a, b) => a.currency.localeCompare(b.currency) || (b.minor > a.minor ? 1 : b.minor < a.minor ? -1 : 0) || a.supplier.localeCompare(b.supplier))
      .slice(0, 5)
      .map((h) => ({ supplier: h.supplier, currency: h.currency, amount: minorToText(h.minor, digits(h.currency)) }));
    expect(summary.current.topSuppliers.byValueHeld).toEqual(byHeld);
  });

  it('prices the reading: Textract pages and Bedrock tokens at list prices, per bill read', () => {
    const read = march().filter((t) => t.pages > 0);
    const pages = read.filter((t) => t.textract).reduce((n, t) => n + t.pages, 0);
    const tin = read.reduce((n, t) => n + t.tokensIn, 0);
    const tout = read.reduce((n, t) => n + t.tokensOut, 0);
    // Micro-dollars: a page 10,000; an input token 1; an output token 5.
    const micro = pages * 10_000 + tin + tout * 5;
    const r = summary.current.reading;
    expect(r).toMatchObject({ bills: read.length, textractPages: pages, inputTokens: tin, outputTokens: tout });
    expect(r.costUsd).toBe(minorToText(BigInt(Math.floor((micro + 5_000) / 10_000)), 2));
    expect(r.perBillUsd).toBe(minorToText(BigInt(Math.floor((micro / read.length + 50) / 100)), 4));
  });

  it('counts approvals overdue now, and payables ready for payment by due week', () => {
    const pending = all.map((g) => g.truth).filter((t) => ['flagged', 'blocked'].includes(t.state));
    expect(summary.now.pendingApprovals).toBe(pending.length);
    const overdue = pending.filter((t) => NOW - (t.arrivedMs + 12 * MIN) > 3 * 86_400_000).length;
    expect(summary.now.overdueApprovals).toBe(overdue);
    expect(overdue).toBeLessThan(pending.length);
    expect(summary.now.asOf).toBe('2026-04-06');
    const bounds = [
      ['0000-00-00', '2026-04-05'],
      ['2026-04-06', '2026-04-12'],
      ['2026-04-13', '2026-04-19'],
      ['2026-04-20', '2026-04-26'],
      ['2026-04-27', '2026-05-03'],
    ];
    const ready = all.map((g) => g.truth).filter((t) => t.state === 'ready_for_payment');
    summary.now.payables.forEach((w, i) => {
      const due = ready.filter((t) => t.dueDate >= bounds[i]![0]! && t.dueDate <= bounds[i]![1]!);
      expect(w.to).toBe(bounds[i]![1]);
      expect(w.bills, w.label).toBe(due.length);
      expect(w.value, w.label).toEqual(perCurrency(due.map((t) => ({ currency: t.currency, minor: t.totalMinor }))));
    });
  });

  it('gives February the same way, for the comparison', () => {
    const feb = all.map((g) => g.truth).filter((t) => t.arrivedMs >= FEB.start && t.arrivedMs < FEB.end);
    expect(summary.previous.month).toBe('2026-02');
    expect(summary.previous.billed).toEqual(perCurrency(feb.map((t) => ({ currency: t.currency, minor: t.totalMinor }))));
    expect(summary.previous.touchless).toBe(feb.filter((t) => t.kind === 'touchless').length);
  });
});
