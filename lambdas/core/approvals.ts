/**
 * Use cases behind the signed Approve / Query / Reject links (spec/domain.md §7–§8).
 *
 * Opening a link (GET) only shows what would happen: mail scanners prefetch links. Confirming
 * it (POST):
 * 1. verifies the signature (constant time), the expiry, the approver and that the bill is
 *    still undecided and unchanged since the email;
 * 2. works out the transition: one more approval (dual sign-off), or the final approval through
 *    the approval-time gate (blocklist, cap, bank details, duplicates, re-checked now), an admin
 *    override that reserves the bill's quantities and adds its spend (refused when the quantities
 *    are gone), a query to the supplier, or a rejection that gives back the bill's PO quantities
 *    and its number, total-and-date and document claims;
 * 3. commits it in one DynamoDB transaction with the audit row and the spent nonce; a race is
 *    decided again on fresh data, a replay is refused.
 */
import { earlierDuplicate } from './duplicates.ts';
import { exception, sortExceptions, type BillException } from './exceptions.ts';
import { matchLines } from './match.ts';
import { tolerancesFor, type Policy, type Vendor } from './master.ts';
import { Decimal, formatAmount } from './money.ts';
import { normalizeId, normalizePoRef } from './normalize.ts';
import { spendOf, yearToDate } from './spend.ts';
import { validateBill } from './validate.ts';
import { billText } from './safe-text.ts';
import { billContentHash, newNonce, signLink, verifyLink, type ApprovalAction, type LinkPayload } from './approval-links.ts';
import {
  ConflictError,
  NonceSpentError,
  type ApprovalGiven,
  type BillRecord,
  type BillStore,
  type Reservation,
  type TransitionCommit,
} from './ports/store.ts';
import { isExcluded, notifyAt, requiredApprovers } from './route.ts';

/** A message to the supplier (query, rejection). */
export interface SupplierMessage {
  readonly to: string;
  readonly subject: string;
  readonly text: string;
  readonly billId: string;
}

export interface ApprovalDeps {
  readonly store: BillStore;
  readonly secret: Uint8Array;
  readonly now: () => number;
  /** Sends an email to the supplier; without it, the message is only in the audit trail. */
  readonly notifySupplier?: (m: SupplierMessage) => Promise<void>;
  /**
   * Called once a bill leaves the approval states (paid, blocked by the gate, queried,
   * rejected): resumes the workflow task waiting on the bill's task token.
   */
  readonly onSettled?: (bill: BillRecord) => Promise<void>;
}

/** How long approval links stay valid: a week, and a reminder replaces them sooner. */
export const LINK_TTL_DAYS = 7;

export type LinkTokens = Record<ApprovalAction, string>;

/**
 * The bill as it must be stored before links issued at `nowMs` go out to `approvers`: their
 * earlier links are revoked from then on.
 */
export function withLinksIssued(bill: BillRecord, approvers: readonly string[], nowMs: number): BillRecord {
  const issued = { ...(bill.links_issued ?? {}) };
  for (const a of approvers) issued[a.toLowerCase()] = nowMs;
  return { ...bill, links_issued: issued };
}

/** One set of Approve / Query / Reject tokens per required approver, each with its own nonce. */
export function approvalLinks(bill: BillRecord, nowMs: number, secret: Uint8Array, ttlDays = LINK_TTL_DAYS): Record<string, LinkTokens> {
  const h = billContentHash(bill);
  const e = Math.floor(nowMs / 1000) + ttlDays * 86_400;
  const out: Record<string, LinkTokens> = {};
  for (const p of bill.approvers) {
    const make = (a: ApprovalAction) => signLink({ b: bill.bill_id, a, p, n: newNonce(), e, h, i: nowMs } satisfies LinkPayload, secret);
    out[p] = { approve: make('approve'), query: make('query'), reject: make('reject') };
  }
  return out;
}

export type LinkView =
  | {
      readonly kind: 'confirm';
      readonly bill: BillRecord;
      readonly action: ApprovalAction;
      readonly approver: string;
      /** What the form must ask for: a reason (approving a flagged or blocked bill), a message (query). */
      readonly needs: 'reason' | 'message' | null;
    }
  | { readonly kind: 'refused'; readonly reason: string; readonly bill?: BillRecord; readonly decided?: boolean }
  | { readonly kind: 'done'; readonly bill: BillRecord; readonly action: ApprovalAction; readonly message: string };

const PENDING = new Set(['awaiting_approval', 'flagged', 'blocked']);
const same = (a: string, b: string) => a.toLowerCase() === b.toLowerCase();

function needsOf(bill: BillRecord, action: ApprovalAction): 'reason' | 'message' | null {
  if (action === 'query') return 'message';
  if (action === 'approve' && (bill.state === 'flagged' || bill.state === 'blocked')) return 'reason';
  return null;
}

async function check(token: string, deps: ApprovalDeps): Promise<LinkView & { payload?: LinkPayload }> {
  const v = verifyLink(token, deps.secret, deps.now());
  if (!v.ok) {
    const why = {
      malformed: 'This link is not a valid approval link.',
      forged: 'This link’s signature does not match: it was not issued by the bill matcher, or it was altered.',
      expired: 'This link has expired. Ask for a new approval email.',
    }[v.reason];
    return { kind: 'refused', reason: why };
  }
  const p = v.payload;
  const bill = await deps.store.getBill(p.b);
  if (!bill) return { kind: 'refused', reason: 'There is no such bill.' };
  if (billContentHash(bill) !== p.h) return { kind: 'refused', reason: 'The bill changed after this email was sent; nothing was done. A new email will follow.', bill };
  // A second click after deciding shows the decision, not an error.
  if (!PENDING.has(bill.state)) return { kind: 'refused', reason: await decisionInWords(bill, deps), bill, decided: true };
  if (!bill.approvers.some((a) => same(a, p.p))) return { kind: 'refused', reason: `${p.p} is not an approver of this bill.`, bill };
  // Segregation of duties, checked again at the click: the submitter and the reviewer never decide.
  if (isExcluded(p.p, [bill.source.submitter, bill.reviewer])) {
    return { kind: 'refused', reason: `${p.p} submitted or reviewed this bill and may not approve it (segregation of duties).`, bill };
  }
  const issued = bill.links_issued?.[p.p.toLowerCase()];
  if (issued !== undefined && (p.i ?? 0) < issued) {
    return { kind: 'refused', reason: 'A newer email replaced this link; use the links in the latest email about this bill.', bill };
  }
  if ((bill.approvals ?? []).some((a) => same(a.approver, p.p))) return { kind: 'refused', reason: `You (${p.p}) approved this bill already; it waits for the other approver.`, bill, decided: true };
  if (await deps.store.nonceSpent(p.n)) return { kind: 'refused', reason: 'This link was used already.', bill, decided: true };
  return { kind: 'confirm', bill, action: p.a, approver: p.p, needs: needsOf(bill, p.a), payload: p };
}

/** `Approved by a@x on 2026-03-04 10:02 UTC: ready for payment.` — the last decision, from the audit trail. */
async function decisionInWords(bill: BillRecord, deps: ApprovalDeps): Promise<string> {
  const state = bill.state.replace(/_/g, ' ');
  const rows = await deps.store.audit(bill.bill_id);
  const last = [...rows].reverse().find((a) => a.to_state === bill.state && a.from_state !== a.to_state);
  if (!last) return `This bill is already decided: it is ${state}.`;
  const when = `${last.at.slice(0, 16).replace('T', ' ')} UTC`;
  return `Already decided: ${last.actor === 'system' ? 'by the pipeline' : `by ${last.actor}`} on ${when} — the bill is ${state}. (${last.message})`;
}

/** GET: what the link would do. Changes nothing. */
export async function viewLink(token: string, deps: ApprovalDeps): Promise<LinkView> {
  const { payload: _p, ...view } = await check(token, deps);
  return view as LinkView;
}

/** POST: do it. */
export async function actOnLink(token: string, form: { reason?: string; message?: string }, deps: ApprovalDeps): Promise<LinkView> {
  for (let attempt = 1; attempt <= 10; attempt++) {
    const c = await check(token, deps);
    if (c.kind !== 'confirm' || !c.payload) return stripPayload(c);
    // (A replay after a decision lands in `check` as the decision, above.)
    const text = (c.needs === 'message' ? form.message : form.reason)?.trim() ?? '';
    if (c.needs && text.length === 0) return { kind: 'refused', reason: c.needs === 'message' ? 'A query needs a message to the supplier.' : 'Approving a flagged or blocked bill needs a written reason.', bill: c.bill };
    try {
      const { commit, message, supplier } = await transition(c.bill, c.payload, text || (form.reason?.trim() ?? '') || null, deps);
      await deps.store.commitTransition(commit);
      if (supplier && deps.notifySupplier) await deps.notifySupplier(supplier);
      // A bill blocked by the gate waits again, for the admin: the same task keeps waiting.
      if (deps.onSettled && !PENDING.has(commit.bill.state)) await deps.onSettled(commit.bill);
      return { kind: 'done', bill: commit.bill, action: c.payload.a, message };
    } catch (err) {
      if (err instanceof NonceSpentError) return { kind: 'refused', reason: 'This link was used already.', bill: c.bill };
      if (err instanceof OverrideRefusedError) return { kind: 'refused', reason: err.message, bill: c.bill };
      if (!(err instanceof ConflictError)) throw err;
      await new Promise((r) => setTimeout(r, Math.random() * 20 * attempt));
    }
  }
  throw new ConflictError('the bill kept changing while the decision was being recorded');
}

function stripPayload(v: LinkView & { payload?: LinkPayload }): LinkView {
  const { payload: _p, ...rest } = v;
  return rest as LinkView;
}

/** An override that cannot be recorded as asked (the quantities are gone): nothing changes. */
export class OverrideRefusedError extends Error {
  override readonly name = 'OverrideRefusedError';
}

interface Planned {
  readonly commit: TransitionCommit;
  readonly message: string;
  readonly supplier: SupplierMessage | null;
}

async function transition(bill: BillRecord, p: LinkPayload, text: string | null, deps: ApprovalDeps): Promise<Planned> {
  const nowMs = deps.now();
  const at = new Date(nowMs).toISOString();
  const nonce = { value: p.n, expiresAtSeconds: p.e + 86_400 };
  const base = { ...bill, version: bill.version + 1, updated_at: at };
  const none = { spend: null, releases: [], duplicateClaim: null } as const;
  const audit = (to: BillRecord['state'], action: string, message: string, codes?: string[]) => [
    { at, actor: p.p, action, from_state: bill.state, to_state: to, message, ...(codes ? { codes } : {}) },
  ];
  const who = bill.invoice_number ? `bill ${bill.invoice_number}` : `bill ${bill.bill_id}`;
  const supplierTo = supplierAddress(await vendorOf(bill, deps), await deps.store.policy());

  if (p.a === 'query') {
    const next: BillRecord = { ...base, state: 'waiting_on_supplier', approvers: [], notify_at: null, queried: { by: p.p, at, message: text ?? '' } };
    return {
      commit: { bill: next, expectedVersion: bill.version, audit: audit('waiting_on_supplier', 'queried', `query to the supplier: ${text}`), nonce, ...none },
      message: `Your query was sent${supplierTo ? ` to ${supplierTo}` : ''}; the bill waits on the supplier.`,
      supplier: supplierTo ? { to: supplierTo, subject: `Query about your invoice ${billText(bill.invoice_number ?? '', 60)}`.trim(), text: text ?? '', billId: bill.bill_id } : null,
    };
  }

  if (p.a === 'reject') {
    // A rejection gives back everything the bill held: quantities, number claim, document claim.
    const { releases, claim, similar } = await giveBack(bill, deps);
    const next: BillRecord = { ...base, state: 'rejected', approvers: [], notify_at: null, reservations: {}, document_key: null };
    return {
      commit: {
        bill: next,
        expectedVersion: bill.version,
        audit: audit('rejected', 'rejected', `rejected${text ? `: ${text}` : ''}; its PO quantities, invoice number and document are given back`),
        nonce,
        spend: null,
        releases,
        duplicateClaim: claim,
        similarClaim: similar,
        releaseDocumentClaim: bill.document_key,
      },
      message: `The ${who} is rejected${supplierTo ? `; ${supplierTo} is told` : ''}.`,
      supplier: supplierTo
        ? { to: supplierTo, subject: `Invoice ${billText(bill.invoice_number ?? '', 60)} rejected`.replace(/\s+/g, ' '), text: text ? `Reason: ${text}` : 'Your invoice was rejected.', billId: bill.bill_id }
        : null,
    };
  }

  // approve
  const given: ApprovalGiven = { approver: p.p, at, reason: text };
  const approvals = [...(bill.approvals ?? []), given];
  const waitingFor = bill.approvers.filter((a) => !approvals.some((g) => same(g.approver, a)));
  // Escalation adds approvers who may stand in: the bill needs `required_approvals` distinct ones.
  const required = bill.required_approvals ?? bill.approvers.length;
  if (bill.state !== 'blocked' && approvals.length < required) {
    const next: BillRecord = { ...base, approvals };
    return {
      commit: { bill: next, expectedVersion: bill.version, audit: audit(bill.state, 'approved', `approved by ${p.p}${text ? ` (${text})` : ''}; waiting for ${waitingFor.join(', ')}`), nonce, ...none },
      message: `Your approval is recorded. The ${who} also needs ${waitingFor.join(' and ')}.`,
      supplier: null,
    };
  }

  const policy = await deps.store.policy();
  const vendor = await vendorOf(bill, deps);
  const total = bill.total ? Decimal.parse(bill.total) : Decimal.ZERO;
  // A credit note lowers spend by its absolute total, whatever the sign its document uses.
  const ytd = vendor ? await yearToDate(vendor, policy, nowMs, deps.store) : null;
  const spend =
    vendor && ytd
      ? { vendor_id: vendor.vendor_id, version: ytd.pipeline.version, previous: ytd.pipeline.value, add: spendOf(bill.document_type, total), at, bill_id: bill.bill_id }
      : null;

  if (bill.state === 'blocked') {
    // The admin's override: a written, audited decision that the deny checks do not apply. It
    // takes what an approval takes: the line quantities (a blocked bill held none) and the spend.
    const reserve = await overrideReservation(bill, vendor, policy, deps);
    const reservations = reserve ? { [reserve.po_number]: Object.fromEntries([...reserve.add].map(([k, v]) => [k, v.toString()])) } : {};
    const next: BillRecord = { ...base, state: 'ready_for_payment', approvals, approvers: [], notify_at: null, spend: spend ? spend.add.toString() : null, reservations };
    return {
      commit: {
        bill: next,
        expectedVersion: bill.version,
        audit: audit('ready_for_payment', 'override', `override by ${p.p}: ${text}; ${bill.exceptions.map((e) => e.code).join(', ')} set aside${reserve ? `; reserves ${[...reserve.add].map(([l, q]) => `${q} on ${reserve.po_number} line ${l}`).join(', ')}` : ''}`),
        nonce,
        spend,
        releases: [],
        duplicateClaim: null,
        reservations: reserve ? [reserve] : [],
      },
      message: `Override recorded: the ${who} is ready for payment.`,
      supplier: null,
    };
  }

  // The approval-time gate: the deny checks again, now, in the same transaction as the move.
  const denied = await gate(bill, vendor, total, ytd?.ytd ?? Decimal.ZERO, policy, deps);
  if (denied.exceptions.length > 0) {
    const { releases } = await giveBack(bill, deps);
    const exceptions = sortExceptions([...bill.exceptions, ...denied.exceptions]);
    const approvers = requiredApprovers('blocked', vendor, total, policy, [bill.source.submitter, bill.reviewer ?? null]);
    const next: BillRecord = { ...base, state: 'blocked', approvals, exceptions, approvers, notify_at: notifyAt(nowMs, policy), reservations: {} };
    return {
      commit: {
        bill: next,
        expectedVersion: bill.version,
        audit: audit('blocked', 'gate_blocked', `approved by ${p.p}, but the approval-time gate blocked it: ${denied.exceptions.map((e) => e.message).join('; ')}`, denied.exceptions.map((e) => e.code)),
        nonce,
        spend: null,
        releases,
        duplicateClaim: denied.claim,
      },
      message: `Not paid: at approval time ${denied.exceptions.map((e) => e.message).join('; ')}. The bill is blocked and goes to ${approvers.join(' and ') || 'the admin'}.`,
      supplier: null,
    };
  }
  const next: BillRecord = { ...base, state: 'ready_for_payment', approvals, approvers: [], notify_at: null, spend: spend ? spend.add.toString() : null };
  const by = approvals.map((a) => a.approver).join(' and ');
  return {
    commit: {
      bill: next,
      expectedVersion: bill.version,
      audit: audit('ready_for_payment', 'approved', `approved by ${by}${text ? ` (${text})` : ''}; the approval-time gate passed: ready for payment`),
      nonce,
      spend,
      releases: [],
      duplicateClaim: denied.claim,
    },
    message: `Approved: the ${who} is ready for payment.`,
    supplier: null,
  };
}

async function vendorOf(bill: BillRecord, deps: ApprovalDeps): Promise<Vendor | null> {
  return bill.vendor_id ? deps.store.vendor(bill.vendor_id) : null;
}

/**
 * Where a notice to the supplier (query, rejection, reminder) goes: the vendor master's email,
 * else the admin approver, who passes it on. Never an address written in the bill: anyone can
 * write any address there (spec/domain.md §8).
 */
export function supplierAddress(vendor: Vendor | null, policy: Policy): string {
  return vendor?.email || policy.admin_approver;
}

/** Deny-class checks on the current data (spec/domain.md §7). */
async function gate(
  bill: BillRecord,
  vendor: Vendor | null,
  total: Decimal,
  /** Year-to-date spend now (fiscal year, master figure and the pipeline's entries). */
  ytd: Decimal,
  policy: Policy,
  deps: ApprovalDeps,
): Promise<{ exceptions: BillException[]; claim: TransitionCommit['duplicateClaim'] }> {
  const found: BillException[] = [];
  const money = (d: Decimal) => formatAmount(d, bill.currency ?? 'EUR');
  if (vendor) {
    if (vendor.blocked) found.push(exception('VENDOR_BLOCKED', `vendor ${vendor.vendor_id} (${vendor.name}) is on the blocklist`));
    if (bill.document_type === 'invoice' && vendor.authorization_cap) {
      if (ytd.add(total).gt(vendor.authorization_cap)) {
        found.push(exception('CAP_EXCEEDED', `year-to-date spend ${money(ytd)} + this bill ${money(total)} = ${money(ytd.add(total))} > cap ${money(vendor.authorization_cap)}`));
      }
    }
    const billIban = normalizeId(bill.canonical?.supplier?.iban);
    const masterIban = normalizeId(vendor.iban);
    if (billIban && masterIban && billIban !== masterIban) found.push(exception('BANK_DETAILS_CHANGED', `payee account ${bill.canonical?.supplier?.iban} ≠ vendor master ${vendor.iban}`));
  }
  let claim: TransitionCommit['duplicateClaim'] = null;
  if (bill.duplicate_key && bill.issue_date) {
    const c = await deps.store.duplicateClaim(bill.duplicate_key);
    claim = { key: bill.duplicate_key, version: c.version, entries: null };
    const mine = c.value.findIndex((e) => e.bill_id === bill.bill_id);
    const earlier = earlierDuplicate(c.value.slice(0, mine < 0 ? c.value.length : mine), { issue_date: bill.issue_date, total, currency: bill.currency ?? '' }, policy.duplicate_window_days);
    if (earlier) found.push(exception('DUPLICATE', `same vendor, type and invoice number as bill ${earlier.entry.bill_id}`));
  }
  // Only deny codes that are new since routing count as the gate's finding.
  const had = new Set(bill.exceptions.map((e) => e.code));
  return { exceptions: found.filter((e) => !had.has(e.code)), claim };
}

/**
 * What an override reserves: the bill's lines matched again against its PO as it is now
 * (negative lines match nothing). Refused, with the reason, when they bill more than is still
 * available: an override sets aside deny checks, never the quantities.
 */
async function overrideReservation(bill: BillRecord, vendor: Vendor | null, policy: Policy, deps: ApprovalDeps): Promise<Reservation | null> {
  if (!bill.po_number || bill.document_type === 'credit_note' || !bill.canonical) return null;
  const typed = validateBill(bill.canonical).bill;
  const po = typed ? await deps.store.purchaseOrder(normalizePoRef(bill.po_number)) : null;
  if (!typed || !po) return null;
  const billed = await deps.store.billedQuantities(po.po_number);
  const lines = typed.lines.filter((l) => !l.quantity.isNegative() && !l.net_amount.isNegative());
  const r = matchLines({ ...typed, lines }, po, billed.value, tolerancesFor(policy, vendor?.vendor_id ?? null));
  const over = r.exceptions.filter((e) => e.code === 'QUANTITY_VARIANCE');
  if (over.length > 0) {
    throw new OverrideRefusedError(`The override is refused: the quantities are no longer available — ${over.map((e) => e.message).join('; ')}. Nothing was changed.`);
  }
  return r.reservations.size > 0 ? { po_number: po.po_number, version: billed.version, previous: billed.value, add: r.reservations } : null;
}

/** A bill leaving the ledger (rejected, blocked) gives back its PO quantities and, rejected, its claims. */
async function giveBack(
  bill: BillRecord,
  deps: ApprovalDeps,
): Promise<{ releases: TransitionCommit['releases']; claim: TransitionCommit['duplicateClaim']; similar: TransitionCommit['similarClaim'] }> {
  const releases: TransitionCommit['releases'][number][] = [];
  for (const [po, lines] of Object.entries(bill.reservations)) {
    const billed = await deps.store.billedQuantities(po);
    releases.push({ po_number: po, version: billed.version, previous: billed.value, subtract: new Map(Object.entries(lines).map(([l, q]) => [l, Decimal.parse(q)])) });
  }
  let claim: TransitionCommit['duplicateClaim'] = null;
  if (bill.duplicate_key) {
    const c = await deps.store.duplicateClaim(bill.duplicate_key);
    if (c.value.some((e) => e.bill_id === bill.bill_id)) claim = { key: bill.duplicate_key, version: c.version, entries: c.value.filter((e) => e.bill_id !== bill.bill_id) };
  }
  let similar: TransitionCommit['similarClaim'] = null;
  if (bill.similar_key) {
    const c = await deps.store.duplicateClaim(bill.similar_key);
    if (c.value.some((e) => e.bill_id === bill.bill_id)) similar = { key: bill.similar_key, version: c.version, entries: c.value.filter((e) => e.bill_id !== bill.bill_id) };
  }
  return { releases, claim, similar };
}
