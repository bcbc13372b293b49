/**
 * A generated month of decided bills, for the summary's tests and its benchmark: bill records
 * with their audit rows, plus the plain truth each was generated from (amounts in integer minor
 * units, durations in minutes), so that a test can work the figures out on its own.
 */
import type { CanonicalBill } from '../../lambdas/core/bill.ts';
import type { BillException, ExceptionCode } from '../../lambdas/core/exceptions.ts';
import type { LineMatch } from '../../lambdas/core/match.ts';
import type { AuditRecord, BillRecord, DecisionCommit } from '../../lambdas/core/ports/store.ts';
import type { BillState } from '../../lambdas/core/route.ts';

export type Kind =
  | 'touchless'
  | 'approved'
  | 'price_pending'
  | 'price_rejected'
  | 'price_approved'
  | 'qty_pending'
  | 'duplicate'
  | 'blocklist'
  | 'cap'
  | 'bank'
  | 'queried'
  | 'review';

export const KINDS: readonly Kind[] = ['touchless', 'approved', 'price_pending', 'price_rejected', 'price_approved', 'qty_pending', 'duplicate', 'blocklist', 'cap', 'bank', 'queried', 'review'];

/** What one bill was generated from. */
export interface Truth {
  readonly id: string;
  readonly kind: Kind;
  readonly arrivedMs: number;
  readonly currency: 'EUR' | 'USD' | 'JPY';
  /** Total in minor units (cents; yen). */
  readonly totalMinor: bigint;
  readonly supplier: string;
  readonly email: boolean;
  readonly format: string;
  readonly state: BillState;
  readonly codes: readonly ExceptionCode[];
  /** Minutes from arrival to ready_for_payment (ready bills). */
  readonly readyAfterMin: number | null;
  /** Minutes from the approval request to the approval (approved bills). */
  readonly approveAfterMin: number | null;
  /** Excess over the PO price (price variance) or over the available quantity, in minor units. */
  readonly caughtMinor: bigint;
  readonly pages: number;
  readonly textract: boolean;
  readonly tokensIn: number;
  readonly tokensOut: number;
  readonly dueDate: string;
}

export interface GeneratedBill {
  readonly truth: Truth;
  readonly record: BillRecord;
  readonly audit: Omit<AuditRecord, 'bill_id' | 'seq'>[];
}

function rng(seed: number): () => number {
  let a = seed;
  return () => {
    a = (a + 0x6d2b79f5) | 0;
    let t = Math.imul(a ^ (a >>> 15), 1 | a);
    t = (t + Math.imul(t ^ (t >>> 7), 61 | t)) ^ t;
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

const FORMATS = ['ubl', 'cii', 'facturx', 'x12-810', 'pdf-text', 'pdf-text+model', 'ocr+model', 'bill-json'] as const;
const CODES: Partial<Record<Kind, ExceptionCode[]>> = {
  price_pending: ['PRICE_VARIANCE'],
  price_rejected: ['PRICE_VARIANCE'],
  price_approved: ['PRICE_VARIANCE'],
  qty_pending: ['QUANTITY_VARIANCE'],
  duplicate: ['DUPLICATE'],
  blocklist: ['VENDOR_BLOCKED'],
  cap: ['CAP_EXCEEDED'],
  bank: ['BANK_DETAILS_CHANGED'],
  review: ['UNREADABLE'],
};
const STATE: Record<Kind, BillState> = {
  touchless: 'ready_for_payment',
  approved: 'ready_for_payment',
  price_pending: 'flagged',
  price_rejected: 'rejected',
  price_approved: 'ready_for_payment',
  qty_pending: 'flagged',
  duplicate: 'blocked',
  blocklist: 'blocked',
  cap: 'blocked',
  bank: 'blocked',
  queried: 'waiting_on_supplier',
  review: 'needs_review',
};

const MIN = 60_000;
const minorDigits = (c: Truth['currency']) => (c === 'JPY' ? 0 : 2);
export const minorToText = (units: bigint, digits: number): string => {
  const neg = units < 0n;
  const s = (neg ? -units : units).toString().padStart(digits + 1, '0');
  return (neg ? '-' : '') + (digits ? `${s.slice(0, -digits)}.${s.slice(-digits)}` : s);
};

export interface MonthOptions {
  readonly startMs: number;
  readonly endMs: number;
  readonly n: number;
  readonly seed?: number;
  /** "Today" for due dates. */
  readonly nowMs: number;
  readonly suppliers?: readonly string[];
  readonly idPrefix?: string;
}

/** `n` bills arriving in `[startMs, endMs)`, of every kind, in three currencies. */
export function generateMonth(o: MonthOptions): GeneratedBill[] {
  const r = rng(o.seed ?? 7);
  const suppliers = o.suppliers ?? ['Acme GmbH', 'Borealis AB', 'Cobalt Ltd', 'Delta SARL', 'Ember Inc', 'Fjord AS'];
  const out: GeneratedBill[] = [];
  for (let i = 0; i < o.n; i++) {
    const kind = KINDS[Math.floor(r() * KINDS.length)]!;
    const currency = (['EUR', 'EUR', 'EUR', 'USD', 'JPY'] as const)[Math.floor(r() * 5)]!;
    const digits = minorDigits(currency);
    // Edge bills first: the first instant of the month, and the last millisecond.
    const arrivedMs = i === 0 ? o.startMs : i === 1 ? o.endMs - 1 : o.startMs + Math.floor(r() * (o.endMs - o.startMs - 10 * 24 * 60 * MIN));
    const quantity = 1 + Math.floor(r() * 9);
    const poUnitMinor = BigInt(100 + Math.floor(r() * 9900));
    const priceUpMinor = kind.startsWith('price') ? BigInt(1 + Math.floor(r() * 500)) : 0n;
    const unitMinor = poUnitMinor + priceUpMinor;
    const netMinor = unitMinor * BigInt(quantity);
    const totalMinor = netMinor;
    const over = kind === 'qty_pending' ? 1 + Math.floor(r() * 3) : 0;
    const available = quantity - over;
    const caughtMinor = kind === 'price_pending' || kind === 'price_rejected' ? priceUpMinor * BigInt(quantity) : kind === 'qty_pending' ? BigInt(over) * unitMinor : 0n;
    const format = FORMATS[Math.floor(r() * FORMATS.length)]!;
    const email = r() < 0.5;
    const extraction = format === 'ocr+model' || format === 'pdf-text+model';
    const pages = extraction ? 1 + Math.floor(r() * 3) : 0;
    const tokensIn = extraction ? 2000 + Math.floor(r() * 3000) : 0;
    const tokensOut = extraction ? 300 + Math.floor(r() * 400) : 0;
    const state = STATE[kind];
    // Durations in multiples of 12 minutes: hours with one decimal are exact, medians too.
    const readyAfterMin = state === 'ready_for_payment' ? (kind === 'touchless' ? 12 : 12 * (1 + Math.floor(r() * 200))) : null;
    const approveAfterMin = kind === 'approved' || kind === 'price_approved' ? readyAfterMin! - 12 : null;
    const dueOffsetDays = Math.floor(r() * 45) - 10;
    const dueDate = new Date(o.nowMs + dueOffsetDays * 86_400_000).toISOString().slice(0, 10);
    const supplier = suppliers[Math.floor(r() * suppliers.length)]!;
    const id = `${o.idPrefix ?? 'm'}${String(i).padStart(6, '0')}`;
    const codes = CODES[kind] ?? [];
    const truth: Truth = {
      id, kind, arrivedMs, currency, totalMinor, supplier, email, format, state, codes, readyAfterMin, approveAfterMin, caughtMinor,
      pages, textract: format === 'ocr+model', tokensIn, tokensOut, dueDate,
    };
    out.push(build(truth, { quantity, unitMinor, poUnitMinor, available, digits }));
  }
  return out;
}

function build(t: Truth, l: { quantity: number; unitMinor: bigint; poUnitMinor: bigint; available: number; digits: number }): GeneratedBill {
  const at = (min: number) => new Date(t.arrivedMs + min * MIN).toISOString();
  const created = at(0);
  const total = minorToText(t.totalMinor, l.digits);
  const exceptions: BillException[] = t.codes.map((code) => ({ code, line: code === 'PRICE_VARIANCE' || code === 'QUANTITY_VARIANCE' ? '1' : null, message: `${code} (generated)` }));
  const match: LineMatch[] = [
    {
      line_id: '1', po_line: '1', matched_by: 'item_code', quantity: String(l.quantity), unit_price: minorToText(l.unitMinor, l.digits),
      po_unit_price: minorToText(l.poUnitMinor, l.digits), price_limit: null, available: String(l.available), ordered: String(l.quantity), received: String(l.quantity), already_billed: '0',
    },
  ];
  const audit: Omit<AuditRecord, 'bill_id' | 'seq'>[] = [];
  const row = (min: number, action: string, from: BillState | null, to: BillState | null) => audit.push({ at: at(min), actor: min === 0 ? 'system' : 'approver@example.com', action, from_state: from, to_state: to, message: action });
  let approvals: BillRecord['approvals'] = [];
  let updatedMin = 0;
  switch (t.kind) {
    case 'touchless':
      row(0, 'decided', null, 'ready_for_payment');
      updatedMin = 0;
      break;
    case 'approved':
    case 'price_approved': {
      const first = t.kind === 'approved' ? 'awaiting_approval' : 'flagged';
      row(0, 'decided', null, first);
      row(12, 'approval_requested', first, first);
      row(t.readyAfterMin!, 'approved', first, 'ready_for_payment');
      approvals = [{ approver: 'approver@example.com', at: at(t.readyAfterMin!), reason: null }];
      updatedMin = t.readyAfterMin!;
      break;
    }
    case 'price_rejected':
      row(0, 'decided', null, 'flagged');
      row(12, 'approval_requested', 'flagged', 'flagged');
      row(60, 'rejected', 'flagged', 'rejected');
      updatedMin = 60;
      break;
    case 'queried':
      row(0, 'decided', null, 'awaiting_approval');
      row(12, 'approval_requested', 'awaiting_approval', 'awaiting_approval');
      row(120, 'queried', 'awaiting_approval', 'waiting_on_supplier');
      updatedMin = 120;
      break;
    default:
      row(0, 'decided', null, t.state);
      if (t.state === 'flagged' || t.state === 'blocked') row(12, 'approval_requested', t.state, t.state);
      updatedMin = t.state === 'flagged' || t.state === 'blocked' ? 12 : 0;
  }
  const canonical: CanonicalBill = { document_type: 'invoice', invoice_number: `INV-${t.id}`, issue_date: created.slice(0, 10), due_date: t.dueDate, currency: t.currency, total, supplier: { name: t.supplier } };
  const record: BillRecord = {
    bill_id: t.id,
    version: 1,
    state: t.state,
    created_at: created,
    updated_at: at(updatedMin),
    source: {
      input: `${t.id}.xml`,
      part: 0,
      format: t.format,
      document_hash: `h-${t.id}`,
      submitter: null,
      email: t.email ? { from: 'billing@supplier.example', subject: 'Invoice' } : null,
      extraction:
        t.pages > 0
          ? { text_source: t.textract ? 'textract' : 'pdf-text-layer', pages: t.pages, model_id: 'm', attempts: 1, input_tokens: t.tokensIn, output_tokens: t.tokensOut, cache_read_input_tokens: 0, cache_write_input_tokens: 0 }
          : null,
    },
    document_type: 'invoice',
    invoice_number: `INV-${t.id}`,
    issue_date: created.slice(0, 10),
    currency: t.currency,
    total,
    supplier_name: t.supplier,
    vendor_id: null,
    po_number: 'PO-1',
    po_inferred: false,
    exceptions,
    approvers: t.state === 'flagged' || t.state === 'blocked' || t.state === 'awaiting_approval' ? ['approver@example.com'] : [],
    notify_at: t.state === 'flagged' || t.state === 'blocked' ? at(12) : null,
    reservations: {},
    spend: null,
    duplicate_key: null,
    document_key: null,
    canonical,
    match,
    approvals,
  };
  return { truth: t, record, audit };
}

/** Writes generated bills through the store's own decision write (bill and audit rows in one transaction). */
export async function seedMonth(store: { commitDecision(c: DecisionCommit): Promise<void> }, bills: readonly GeneratedBill[], concurrency = 8): Promise<void> {
  let next = 0;
  const worker = async () => {
    while (next < bills.length) {
      const g = bills[next++]!;
      await store.commitDecision({ bill: g.record, audit: g.audit, duplicateClaim: null, documentClaim: null, reservations: [], spend: null });
    }
  };
  await Promise.all(Array.from({ length: concurrency }, worker));
}
