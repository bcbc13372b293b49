/**
 * The decision: what happens to one bill, given what the store holds now.
 *
 * 1. Gather the facts: vendor (tax id, then name or alias), duplicate claims, the PO
 *    (referenced or inferred), the line match against the PO and its receipts (unless a
 *    duplicate or a credit note), and the vendor's year-to-date spend.
 * 2. Check the sender against the vendor (§9): an unverified sender claims nothing.
 * 3. Run the checks: a table of small rules, each returning its exceptions (`CHECKS`).
 * 4. Route and name the approvers.
 * 5. Return everything the decision writes, with the versions it read, so that the store can
 *    commit it in one conditional transaction or refuse it when anything changed.
 */
import type { CanonicalBill } from './bill.ts';
import { duplicateKey, earlierDuplicate, earlierSimilar, similarKey, type DuplicateFinding } from './duplicates.ts';
import { exception, sortExceptions, type BillException } from './exceptions.ts';
import { matchLines, type LineMatch, type MatchResult } from './match.ts';
import { taxPolicyFor, tolerancesFor, type Policy, type PurchaseOrder, type Vendor } from './master.ts';
import { Decimal, formatAmount } from './money.ts';
import { normalizeId, normalizeInvoiceNumber, normalizeName, normalizePoRef } from './normalize.ts';
import type { BillRecord, BillSource, DecisionCommit, DecisionReads, DuplicateEntry, Versioned } from './ports/store.ts';
import { applyDelegates } from './delegates.ts';
import { inferPoCandidates, resolveVendor } from './resolve.ts';
import { checkSender } from './sender.ts';
import { notifyAt, requiredApprovers, route, type BillState } from './route.ts';
import { spendOf, spendWindow, yearToDateOf, type YearToDate } from './spend.ts';
import { checkCharges, checkTax } from './tax.ts';
import type { Bill, BillLine } from './validate.ts';

export { duplicateKey } from './duplicates.ts';

export interface DecideContext {
  readonly billId: string;
  readonly nowMs: number;
  readonly policy: Policy;
  /** Who corrected the bill in review: like its submitter, never its approver. */
  readonly reviewer?: string | null;
  /** The reviewer changed amounts or lines: never touchless (a person other than the reviewer approves). */
  readonly reviewedAmounts?: boolean;
}

export interface Decided {
  readonly commit: DecisionCommit;
  readonly touchless: boolean;
}

type Mutable<T> = { -readonly [K in keyof T]: T[K] };

export function documentKey(source: BillSource): string {
  return `${source.document_hash}#${source.document_part ?? source.part}`;
}

/** A bill that failed the reading checks: `needs_review`, nothing resolved, nothing reserved. */
export function decideUnreadable(
  canonical: CanonicalBill | null,
  exceptions: readonly BillException[],
  source: BillSource,
  ctx: Omit<DecideContext, 'policy'>,
  documentClaimed: boolean,
): Decided {
  const at = isoAt(ctx.nowMs);
  const record = baseRecord(ctx.billId, at, source, canonical, {
    state: 'needs_review',
    exceptions: sortExceptions(exceptions),
    // Its claim on the bytes, so that a rejection after review can give it back.
    document_key: documentClaimed ? null : documentKey(source),
  });
  return {
    touchless: false,
    commit: {
      bill: record,
      audit: [
        {
          at,
          actor: 'system',
          action: 'decided',
          from_state: null,
          to_state: 'needs_review',
          message: `${describeSource(source)} — needs review: ${record.exceptions.map((e) => e.message).join('; ')}`,
          codes: record.exceptions.map((e) => e.code),
        },
      ],
      duplicateClaim: null,
      documentClaim: record.document_key,
      reservations: [],
      spend: null,
    },
  };
}

/** Everything the checks judge, gathered once from the bill and the store. */
export interface Facts {
  readonly bill: Bill;
  readonly policy: Policy;
  readonly isCredit: boolean;
  readonly vendor: Vendor | null;
  /** The earlier bill this one repeats (same number), or null. */
  readonly duplicateOf: DuplicateFinding | null;
  /** The bill that first came from the same document bytes and part, when not this one. */
  readonly documentOwner: string | null;
  /** An earlier bill with the same vendor, type, total and date under another number. */
  readonly similarTo: DuplicateEntry | null;
  readonly po: PurchaseOrder | null;
  readonly poInferred: boolean;
  /** Why there is no PO (`NO_PO`), when there is none and one was needed. */
  readonly poMissing: string | null;
  /** Invoice lines with a negative quantity or net amount: matched to nothing. */
  readonly negativeLines: readonly BillLine[];
  readonly match: MatchResult | null;
  /** The vendor's year-to-date spend: read only where it is judged (a vendor with a cap; not for a credit note). */
  readonly ytd: YearToDate | null;
}

export const isDuplicate = (f: Pick<Facts, 'duplicateOf' | 'documentOwner'>) => f.duplicateOf !== null || f.documentOwner !== null;

type Check = (f: Facts) => readonly BillException[];
const none: readonly BillException[] = [];
const amount = (f: Facts, d: Decimal) => formatAmount(d, f.bill.currency);

/** The rules, each one small function of the facts; every exception they return is reported. */
export const CHECKS: readonly { readonly name: string; readonly check: Check }[] = [
  {
    name: 'vendor known',
    check: ({ vendor, bill }) =>
      vendor
        ? none
        : [exception('VENDOR_UNKNOWN', `no vendor matches ${[bill.supplier.name && `name "${bill.supplier.name}"`, bill.supplier.tax_id && `tax id ${bill.supplier.tax_id}`].filter(Boolean).join(' or ') || 'a bill with no supplier name or tax id'}`)],
  },
  {
    name: 'not a duplicate',
    check: ({ duplicateOf, documentOwner, bill, policy }) => {
      if (duplicateOf) {
        const e = duplicateOf.entry;
        const why =
          duplicateOf.why === 'window'
            ? `issued ${e.issue_date}, within ${policy.duplicate_window_days} days`
            : `issued ${e.issue_date}, with the same total ${e.total} ${e.currency}`;
        return [exception('DUPLICATE', `same vendor, type and invoice number ${bill.invoice_number} as bill ${e.bill_id} (${why})`)];
      }
      return documentOwner ? [exception('DUPLICATE', `the same document (byte-identical) as bill ${documentOwner}`)] : none;
    },
  },
  {
    name: 'not a possible duplicate',
    check: (f) =>
      f.similarTo && !isDuplicate(f)
        ? [exception('POSSIBLE_DUPLICATE', `same vendor, type, total ${amount(f, f.bill.total)} ${f.bill.currency} and issue date ${f.bill.issue_date} as bill ${f.similarTo.bill_id}, under another number (${f.bill.invoice_number})`)]
        : none,
  },
  { name: 'purchase order found', check: ({ poMissing }) => (poMissing ? [exception('NO_PO', poMissing)] : none) },
  {
    name: 'purchase order fits',
    check: ({ po, vendor, bill }) => {
      if (!po) return none;
      const out: BillException[] = [];
      if (vendor && po.vendor_id !== vendor.vendor_id) out.push(exception('PO_VENDOR_MISMATCH', `${po.po_number} belongs to vendor ${po.vendor_id}, not ${vendor.vendor_id}`));
      if (po.status !== 'open') out.push(exception('PO_CLOSED', `${po.po_number} is ${po.status}`));
      if (po.currency !== bill.currency) out.push(exception('CURRENCY_MISMATCH', `bill currency ${bill.currency} ≠ ${po.po_number} currency ${po.currency}`));
      if (bill.issue_date < po.po_date) out.push(exception('BILL_PREDATES_PO', `bill issued ${bill.issue_date}, before ${po.po_number} was placed on ${po.po_date}`));
      return out;
    },
  },
  {
    name: 'currency of the vendor',
    check: ({ po, vendor, bill }) =>
      !po && vendor?.currency && vendor.currency.toUpperCase() !== bill.currency
        ? [exception('CURRENCY_MISMATCH', `bill currency ${bill.currency} ≠ vendor ${vendor.vendor_id} currency ${vendor.currency}`)]
        : none,
  },
  { name: 'lines match the PO', check: ({ match }) => match?.exceptions ?? none },
  {
    name: 'no negative invoice line',
    check: (f) =>
      isDuplicate(f)
        ? none
        : f.negativeLines.map((l) =>
            exception(
              'NEGATIVE_LINE',
              `line ${l.line_id}${l.description ? ` ("${l.description}")` : ''}: quantity ${l.quantity}, net amount ${amount(f, l.net_amount)} — an invoice line cannot be negative (a discount belongs in the allowances); it is matched to nothing`,
              l.line_id,
            ),
          ),
  },
  { name: 'tax at an accepted rate', check: ({ bill, policy, vendor }) => checkTax(bill, taxPolicyFor(policy, vendor?.vendor_id ?? null).tax_rates) },
  { name: 'charges within the limit', check: ({ bill, policy, vendor }) => checkCharges(bill, taxPolicyFor(policy, vendor?.vendor_id ?? null).max_charge) },
  {
    name: 'vendor not blocked',
    check: ({ vendor }) => (vendor?.blocked ? [exception('VENDOR_BLOCKED', `vendor ${vendor.vendor_id} (${vendor.name}) is on the blocklist`)] : none),
  },
  {
    name: 'within the authorization cap',
    check: (f) => {
      const cap = f.vendor?.authorization_cap;
      if (f.isCredit || !cap || !f.ytd) return none;
      const after = f.ytd.ytd.add(f.bill.total);
      return after.gt(cap)
        ? [exception('CAP_EXCEEDED', `year-to-date spend ${amount(f, f.ytd.ytd)} (fiscal year from ${f.ytd.window.fiscalYear}) + this bill ${amount(f, f.bill.total)} = ${amount(f, after)} > cap ${amount(f, cap)}`)]
        : none;
    },
  },
  {
    name: 'bank details unchanged',
    check: ({ vendor, bill }) => {
      const billIban = normalizeId(bill.supplier.iban);
      const masterIban = normalizeId(vendor?.iban);
      return billIban && masterIban && billIban !== masterIban ? [exception('BANK_DETAILS_CHANGED', `payee account ${bill.supplier.iban} ≠ vendor master ${vendor!.iban}`)] : none;
    },
  },
];

/** Runs every check on the facts. */
export function runChecks(f: Facts, checks: typeof CHECKS = CHECKS): BillException[] {
  const found: BillException[] = [];
  for (const c of checks) for (const e of c.check(f)) found.push(e);
  return found.length < 2 ? found : sortExceptions(found);
}

// The decision time as ISO text: bills decided in the same millisecond share it.
let lastAtMs = Number.NaN;
let lastAt = '';
function isoAt(ms: number): string {
  if (ms !== lastAtMs) {
    lastAt = new Date(ms).toISOString();
    lastAtMs = ms;
  }
  return lastAt;
}

const NOTHING_BILLED: Versioned<ReadonlyMap<string, Decimal>> = Object.freeze({ value: new Map<string, Decimal>(), version: 0 });

const NO_VENDORS: readonly Vendor[] = Object.freeze([]);
const NO_ENTRIES: readonly DuplicateEntry[] = Object.freeze([]);

/** The entries of a claim other than this bill's own (none: the claim's own list, no copy). */
function others(c: Versioned<readonly DuplicateEntry[]> | null, billId: string): readonly DuplicateEntry[] {
  const list = c?.value ?? NO_ENTRIES;
  for (const e of list) if (e.bill_id === billId) return list.filter((x) => x.bill_id !== billId);
  return list;
}

const isNegative = (l: BillLine) => l.quantity.isNegative() || l.net_amount.isNegative();

/** Step 1: what the checks judge, read from the store. */
async function gather(bill: Bill, source: BillSource, reads: DecisionReads, ctx: DecideContext): Promise<{
  facts: Facts;
  dupKey: string | null;
  dupClaim: Versioned<readonly DuplicateEntry[]> | null;
  simKey: string | null;
  simClaim: Versioned<readonly DuplicateEntry[]> | null;
  docKey: string;
  docOwner: string | null;
  billed: Versioned<ReadonlyMap<string, Decimal>>;
  /** The vendor's spend ledger's version (null without a vendor). */
  spendVersion: number | null;
}> {
  const { policy } = ctx;
  const isCredit = bill.document_type === 'credit_note';

  // Vendor
  const taxId = normalizeId(bill.supplier.tax_id);
  const name = normalizeName(bill.supplier.name);
  const candidates = await Promise.all([taxId ? reads.vendorsByTaxId(taxId) : NO_VENDORS, name ? reads.vendorsByName(name) : NO_VENDORS]);
  const vendor = resolveVendor(bill, candidates[0], candidates[1])?.vendor ?? null;

  const dupKey = duplicateKey(bill, vendor);
  const simKey = similarKey(bill, vendor);
  const docKey = documentKey(source);

  // Negative invoice lines are matched to nothing: the rest is matched (and the PO inferred) as if they were absent.
  const negativeLines = isCredit ? [] : bill.lines.filter(isNegative);
  const matchable: Bill = negativeLines.length ? { ...bill, lines: bill.lines.filter((l) => !isNegative(l)) } : bill;

  // Purchase order (credit notes skip it): master data, before the state the decision changes.
  let po: PurchaseOrder | null = null;
  let poInferred = false;
  let poMissing: string | null = null;
  if (!isCredit) {
    if (bill.po_reference) {
      po = await reads.purchaseOrder(normalizePoRef(bill.po_reference));
      if (!po) poMissing = `purchase order ${bill.po_reference} does not exist`;
    } else if (vendor) {
      const candidates = inferPoCandidates(matchable.lines, await reads.openPurchaseOrders(vendor.vendor_id));
      if (candidates.length === 1) {
        po = candidates[0]!;
        poInferred = true;
      } else if (candidates.length === 0) poMissing = `no PO reference, and no open PO of ${vendor.vendor_id} has a line for every bill line`;
      else poMissing = `no PO reference, and ${candidates.length} open POs fit (${candidates.map((p) => p.po_number).join(', ')})`;
    } else poMissing = 'no PO reference, and no PO can be inferred without a known vendor';
  }

  // The state the decision is conditional on, asked for at once (the store may send it as one
  // request): the duplicate and document claims, the PO's billed quantities (used only when the
  // bill is no duplicate) and the vendor's spend. Each is read with its version; the commit
  // holds only if none changed, so the order of these reads does not matter.
  // The spend is judged only against a vendor's cap (never for a credit note): otherwise the
  // ledger's version alone, on which a paid bill's addition is conditional, not its entries.
  const window = vendor?.authorization_cap && !isCredit ? spendWindow(vendor, policy, ctx.nowMs) : null;
  const [dupClaim, simClaim, docOwner, billedRead, spend, spendVersion] = await Promise.all([
    dupKey ? reads.duplicateClaim(dupKey) : null,
    simKey ? reads.duplicateClaim(simKey) : null,
    reads.documentClaim(docKey),
    po && !isCredit ? reads.billedQuantities(po.po_number) : null,
    vendor && window ? reads.vendorSpend(vendor.vendor_id, window.from) : null,
    vendor && !window ? reads.vendorSpendVersion(vendor.vendor_id) : null,
  ]);
  const duplicateOf = earlierDuplicate(others(dupClaim, ctx.billId), bill, policy.duplicate_window_days);
  const documentOwner = docOwner && docOwner !== ctx.billId ? docOwner : null;
  const similarTo = earlierSimilar(others(simClaim, ctx.billId), normalizeInvoiceNumber(bill.invoice_number));

  // Lines (a duplicate only repeats the original's lines; credit notes have none to match)
  let match: MatchResult | null = null;
  let billed: Versioned<ReadonlyMap<string, Decimal>> = NOTHING_BILLED;
  if (po && billedRead && !duplicateOf && !documentOwner && !isCredit) {
    billed = billedRead;
    match = matchLines(matchable, po, billed.value, tolerancesFor(policy, vendor?.vendor_id ?? null));
  }

  const ytd: YearToDate | null = vendor && window && spend ? yearToDateOf(vendor, window, spend) : null;
  return {
    facts: { bill, policy, isCredit, vendor, duplicateOf, documentOwner, similarTo, po, poInferred, poMissing, negativeLines, match, ytd },
    spendVersion: spend?.version ?? spendVersion,
    dupKey,
    dupClaim,
    simKey,
    simClaim,
    docKey,
    docOwner,
    billed,
  };
}

export async function decide(
  bill: Bill,
  canonical: CanonicalBill | null,
  source: BillSource,
  reads: DecisionReads,
  ctx: DecideContext,
): Promise<Decided> {
  const { policy } = ctx;
  // 1. Facts
  const g = await gather(bill, source, reads, ctx);
  const { vendor, po, poInferred, match, ytd } = g.facts;

  // 2. Sender (§9): an unverified sender claims nothing until a clerk confirms it in review.
  const sender = checkSender(source, vendor, policy);
  if (sender.exception && !ctx.reviewer) return decideUnreadable(canonical, [sender.exception], source, ctx, true);
  const submitter = sender.submitter ?? source.submitter;
  if (submitter !== source.submitter) source = { ...source, submitter };

  // 3. Checks
  const exceptions = runChecks(g.facts);

  // 4. Route: a bill whose amounts a reviewer changed is never touchless.
  const autoApproveMax = ctx.reviewedAmounts ? Decimal.ZERO : policy.auto_approve_max;
  const { state, touchless } = route({ exceptions, total: bill.total, documentType: bill.document_type, autoApproveMax });
  // Absences: a delegate stands in for an absent approver (policy `delegates`).
  const delegated = applyDelegates(requiredApprovers(state, vendor, bill.total, policy, [source.submitter, ctx.reviewer ?? null]), policy, ctx.nowMs, [source.submitter, ctx.reviewer ?? null]);
  const approvers = delegated.approvers;

  // 5. What the decision writes
  const reservations = match?.reservations ?? new Map<string, Decimal>();
  const reservedPo = state !== 'blocked' && reservations.size > 0 ? po : null;
  const paid = state === 'ready_for_payment';
  const at = isoAt(ctx.nowMs);
  // The record in one object (the key order of `baseRecord` with these fields over it).
  const standingIn = Object.keys(delegated.standingIn).length > 0 ? delegated.standingIn : null;
  const record: Mutable<BillRecord> = {
    bill_id: ctx.billId,
    version: 1,
    created_at: at,
    updated_at: at,
    source,
    document_type: bill.document_type,
    invoice_number: bill.invoice_number,
    issue_date: bill.issue_date,
    currency: bill.currency,
    total: formatAmount(bill.total, bill.currency),
    supplier_name: typeof canonical?.supplier?.name === 'string' ? canonical.supplier.name : null,
    vendor_id: vendor?.vendor_id ?? null,
    po_number: po?.po_number ?? null,
    po_inferred: poInferred,
    approvers,
    notify_at: approvers.length > 0 ? notifyAt(ctx.nowMs, policy) : null,
    reservations: reservedPo ? { [reservedPo.po_number]: quantitiesText(reservations) } : {},
    spend: paid ? spendOf(bill.document_type, bill.total).toString() : null,
    duplicate_key: g.dupKey,
    // Unclaimed bytes are claimed by this bill; a reviewed bill holds its claim already.
    document_key: g.docOwner ? null : g.docKey,
    canonical,
    // The match's lines are this decision's own (matchLines builds them afresh).
    match: match ? match.lines : [],
    state,
    exceptions,
  };
  if (standingIn) record.standing_in = standingIn;
  record.similar_key = g.simKey;
  record.reviewed_amounts = ctx.reviewedAmounts ?? false;
  if (ctx.reviewer) record.reviewer = ctx.reviewer;

  const entry: DuplicateEntry = {
    bill_id: ctx.billId,
    issue_date: bill.issue_date,
    total: bill.total.toString(),
    currency: bill.currency,
    number: normalizeInvoiceNumber(bill.invoice_number),
  };
  const claimed = (c: Versioned<readonly DuplicateEntry[]> | null) => (c?.value ?? []).some((e) => e.bill_id === ctx.billId);
  return {
    touchless,
    commit: {
      bill: record,
      // One audit row per state change: how the bill came in, and what was decided.
      audit: [
        {
          at,
          actor: 'system',
          action: touchless ? 'approved_touchless' : 'decided',
          from_state: null,
          to_state: state,
          message: `${describeSource(source)} — ${decisionMessage(state, touchless, exceptions, bill, vendor, po, poInferred, policy, approvers, ctx.reviewedAmounts ?? false)}`,
          codes: exceptions.map((e) => e.code),
        },
      ],
      duplicateClaim: g.dupKey && g.dupClaim && !claimed(g.dupClaim) ? { key: g.dupKey, version: g.dupClaim.version, previous: g.dupClaim.value, entry } : null,
      similarClaim: g.simKey && g.simClaim && !claimed(g.simClaim) ? { key: g.simKey, version: g.simClaim.version, previous: g.simClaim.value, entry } : null,
      documentClaim: record.document_key,
      reservations: reservedPo ? [{ po_number: reservedPo.po_number, version: g.billed.version, previous: g.billed.value, add: reservations }] : [],
      spend:
        vendor && g.spendVersion !== null && paid
          ? { vendor_id: vendor.vendor_id, version: g.spendVersion, ...(ytd ? { previous: ytd.pipeline.value } : {}), add: spendOf(bill.document_type, bill.total), at, bill_id: ctx.billId }
          : null,
    },
  };
}

/** PO line → quantity, as the record stores it (decimal text). */
function quantitiesText(m: ReadonlyMap<string, Decimal>): Record<string, string> {
  const out: Record<string, string> = {};
  for (const [k, v] of m) {
    if (k === '__proto__') Object.defineProperty(out, k, { value: v.toString(), enumerable: true, writable: true, configurable: true });
    else out[k] = v.toString();
  }
  return out;
}

function describeSource(s: BillSource): string {
  const parts = [`read ${s.input}`];
  if (s.origin) parts.push(`(${s.origin})`);
  parts.push(`part ${s.part} as ${s.format}`);
  if (s.submitter) parts.push(`submitted by ${s.submitter}`);
  return parts.join(' ');
}

function decisionMessage(
  state: BillState,
  touchless: boolean,
  exceptions: readonly BillException[],
  bill: Bill,
  vendor: Vendor | null,
  po: PurchaseOrder | null,
  poInferred: boolean,
  policy: Policy,
  approvers: readonly string[],
  reviewedAmounts: boolean,
): string {
  const who = vendor ? `vendor ${vendor.vendor_id}` : 'unknown vendor';
  const poText = po ? `${po.po_number}${poInferred ? ' (inferred)' : ''}` : 'no PO';
  const head = `${who}, ${poText}, total ${formatAmount(bill.total, bill.currency)} ${bill.currency}`;
  if (touchless) return `${head}: touchless — no exception and total ≤ auto-approve limit ${policy.auto_approve_max}; ready for payment`;
  const reviewed = reviewedAmounts ? ' (a reviewer changed its amounts or lines: never touchless)' : '';
  if (exceptions.length === 0) return `${head}: no exception; awaiting approval by ${approvers.join(' and ')}${reviewed}`;
  const list = exceptions.map((e) => `${e.code}: ${e.message}`).join('; ');
  return `${head}: ${state}${approvers.length ? ` (to ${approvers.join(' and ')})` : ''}${reviewed} — ${list}`;
}

function baseRecord(
  billId: string,
  at: string,
  source: BillSource,
  canonical: CanonicalBill | null,
  fields: Partial<BillRecord> & Pick<BillRecord, 'state' | 'exceptions'>,
): BillRecord {
  const c = canonical;
  return {
    bill_id: billId,
    version: 1,
    created_at: at,
    updated_at: at,
    source,
    document_type: c?.document_type ?? 'invoice',
    invoice_number: typeof c?.invoice_number === 'string' ? c.invoice_number : null,
    issue_date: typeof c?.issue_date === 'string' ? c.issue_date : null,
    currency: typeof c?.currency === 'string' ? c.currency : null,
    total: c?.total === null || c?.total === undefined ? null : String(c.total),
    supplier_name: typeof c?.supplier?.name === 'string' ? c.supplier.name : null,
    vendor_id: null,
    po_number: null,
    po_inferred: false,
    approvers: [],
    notify_at: null,
    reservations: {},
    spend: null,
    duplicate_key: null,
    document_key: null,
    canonical,
    match: [],
    ...fields,
  };
}
