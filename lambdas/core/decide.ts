/**
 * The decision: what happens to one bill, given what the store holds now.
 *
 * 1. Resolve the vendor (tax id, then name or alias).
 * 2. Check for duplicates (same number, or the same document bytes).
 * 3. Resolve the PO (referenced or inferred) and run the PO-level checks.
 * 4. Match the lines against the PO and its receipts (unless a duplicate or a credit note).
 * 5. Policy gate: blocklist, cap, bank details; then route and name the approvers.
 *
 * It returns everything the decision writes, with the versions it read, so that the store
 * can commit it in one conditional transaction or refuse it when anything changed.
 */
import type { CanonicalBill } from './bill.ts';
import { daysBetween } from './dates.ts';
import { exception, sortExceptions, type BillException } from './exceptions.ts';
import { matchLines, type LineMatch } from './match.ts';
import { tolerancesFor, type Policy, type PurchaseOrder, type Vendor } from './master.ts';
import { Decimal, formatAmount } from './money.ts';
import { normalizeId, normalizeInvoiceNumber, normalizeName, normalizePoRef } from './normalize.ts';
import type { BillRecord, BillSource, DecisionCommit, DecisionReads, DuplicateEntry, Versioned } from './ports/store.ts';
import { applyDelegates } from './delegates.ts';
import { inferPoCandidates, resolveVendor } from './resolve.ts';
import { notifyAt, requiredApprovers, route, type BillState } from './route.ts';
import type { Bill } from './validate.ts';

export interface DecideContext {
  readonly billId: string;
  readonly nowMs: number;
  readonly policy: Policy;
  /** Who corrected the bill in review: like its submitter, never its approver. */
  readonly reviewer?: string | null;
}

export interface Decided {
  readonly commit: DecisionCommit;
  readonly touchless: boolean;
}

/** Key of the duplicate claim: vendor (or, unknown, the supplier's tax id or name), type, number. */
export function duplicateKey(bill: Bill, vendor: Vendor | null): string | null {
  const who = vendor
    ? `V:${vendor.vendor_id}`
    : normalizeId(bill.supplier.tax_id)
      ? `T:${normalizeId(bill.supplier.tax_id)}`
      : normalizeName(bill.supplier.name)
        ? `N:${normalizeName(bill.supplier.name)}`
        : null;
  const number = normalizeInvoiceNumber(bill.invoice_number);
  return who && number ? `${who}#${bill.document_type}#${number}` : null;
}

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
  const at = new Date(ctx.nowMs).toISOString();
  const record = baseRecord(ctx.billId, at, source, canonical, {
    state: 'needs_review',
    exceptions: sortExceptions(exceptions),
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
      documentClaim: documentClaimed ? null : documentKey(source),
      reservations: [],
      spend: null,
    },
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
  const found: BillException[] = [];
  const isCredit = bill.document_type === 'credit_note';
  const money = (d: Decimal) => formatAmount(d, bill.currency);

  // 1. Vendor
  const taxId = normalizeId(bill.supplier.tax_id);
  const name = normalizeName(bill.supplier.name);
  const [byTax, byName] = await Promise.all([
    taxId ? reads.vendorsByTaxId(taxId) : Promise.resolve([]),
    name ? reads.vendorsByName(name) : Promise.resolve([]),
  ]);
  const vm = resolveVendor(bill, byTax, byName);
  const vendor = vm?.vendor ?? null;
  if (!vendor) {
    found.push(
      exception('VENDOR_UNKNOWN', `no vendor matches ${[bill.supplier.name && `name "${bill.supplier.name}"`, bill.supplier.tax_id && `tax id ${bill.supplier.tax_id}`].filter(Boolean).join(' or ') || 'a bill with no supplier name or tax id'}`),
    );
  }

  // 2. Duplicates
  const dupKey = duplicateKey(bill, vendor);
  const docKey = documentKey(source);
  const [dupClaim, docOwner] = await Promise.all([
    dupKey ? reads.duplicateClaim(dupKey) : Promise.resolve(null),
    reads.documentClaim(docKey),
  ]);
  const earlier = dupClaim?.value.find(
    (e) => e.bill_id !== ctx.billId && Math.abs(daysBetween(e.issue_date, bill.issue_date)) <= policy.duplicate_window_days,
  );
  let duplicate = false;
  if (earlier) {
    duplicate = true;
    found.push(exception('DUPLICATE', `same vendor, type and invoice number ${bill.invoice_number} as bill ${earlier.bill_id} (issued ${earlier.issue_date}, within ${policy.duplicate_window_days} days)`));
  } else if (docOwner && docOwner !== ctx.billId) {
    duplicate = true;
    found.push(exception('DUPLICATE', `the same document (byte-identical, part ${source.part}) as bill ${docOwner}`));
  }

  // 3. Purchase order (credit notes skip it)
  let po: PurchaseOrder | null = null;
  let poInferred = false;
  if (!isCredit) {
    if (bill.po_reference) {
      po = await reads.purchaseOrder(normalizePoRef(bill.po_reference));
      if (!po) found.push(exception('NO_PO', `purchase order ${bill.po_reference} does not exist`));
    } else if (vendor) {
      const candidates = inferPoCandidates(bill.lines, await reads.openPurchaseOrders(vendor.vendor_id));
      if (candidates.length === 1) {
        po = candidates[0]!;
        poInferred = true;
      } else if (candidates.length === 0) {
        found.push(exception('NO_PO', `no PO reference, and no open PO of ${vendor.vendor_id} has a line for every bill line`));
      } else {
        found.push(exception('NO_PO', `no PO reference, and ${candidates.length} open POs fit (${candidates.map((p) => p.po_number).join(', ')})`));
      }
    } else {
      found.push(exception('NO_PO', 'no PO reference, and no PO can be inferred without a known vendor'));
    }
  }
  if (po) {
    if (vendor && po.vendor_id !== vendor.vendor_id) {
      found.push(exception('PO_VENDOR_MISMATCH', `${po.po_number} belongs to vendor ${po.vendor_id}, not ${vendor.vendor_id}`));
    }
    if (po.status !== 'open') found.push(exception('PO_CLOSED', `${po.po_number} is ${po.status}`));
    if (po.currency !== bill.currency) found.push(exception('CURRENCY_MISMATCH', `bill currency ${bill.currency} ≠ ${po.po_number} currency ${po.currency}`));
    if (bill.issue_date < po.po_date) found.push(exception('BILL_PREDATES_PO', `bill issued ${bill.issue_date}, before ${po.po_number} was placed on ${po.po_date}`));
  } else if (vendor?.currency && vendor.currency !== bill.currency) {
    found.push(exception('CURRENCY_MISMATCH', `bill currency ${bill.currency} ≠ vendor ${vendor.vendor_id} currency ${vendor.currency}`));
  }

  // 4. Lines (a duplicate only repeats the original's lines; credit notes have none to match)
  let match: LineMatch[] = [];
  let billed: Versioned<ReadonlyMap<string, Decimal>> = { value: new Map(), version: 0 };
  let reservations: ReadonlyMap<string, Decimal> = new Map();
  if (po && !duplicate && !isCredit) {
    billed = await reads.billedQuantities(po.po_number);
    const r = matchLines(bill, po, billed.value, tolerancesFor(policy, vendor?.vendor_id ?? null));
    match = [...r.lines];
    found.push(...r.exceptions);
    reservations = r.reservations;
  }

  // 5. Policy gate
  let spend: Versioned<Decimal> = { value: Decimal.ZERO, version: 0 };
  if (vendor) {
    if (vendor.blocked) found.push(exception('VENDOR_BLOCKED', `vendor ${vendor.vendor_id} (${vendor.name}) is on the blocklist`));
    spend = await reads.vendorSpend(vendor.vendor_id);
    if (!isCredit && vendor.authorization_cap) {
      const ytd = vendor.ytd_spend.add(spend.value);
      if (ytd.add(bill.total).gt(vendor.authorization_cap)) {
        found.push(exception('CAP_EXCEEDED', `year-to-date spend ${money(ytd)} + this bill ${money(bill.total)} = ${money(ytd.add(bill.total))} > cap ${money(vendor.authorization_cap)}`));
      }
    }
    const billIban = normalizeId(bill.supplier.iban);
    const masterIban = normalizeId(vendor.iban);
    if (billIban && masterIban && billIban !== masterIban) {
      found.push(exception('BANK_DETAILS_CHANGED', `payee account ${bill.supplier.iban} ≠ vendor master ${vendor.iban}`));
    }
  }

  const exceptions = sortExceptions(found);
  const { state, touchless } = route({ exceptions, total: bill.total, documentType: bill.document_type, autoApproveMax: policy.auto_approve_max });
  // Absences: a delegate stands in for an absent approver (policy `delegates`).
  const delegated = applyDelegates(requiredApprovers(state, vendor, bill.total, policy, ctx.reviewer ? [source.submitter, ctx.reviewer] : source.submitter), policy, ctx.nowMs, [source.submitter, ctx.reviewer]);
  const approvers = delegated.approvers;
  const reservedPo = state !== 'blocked' && reservations.size > 0 ? po : null;
  const at = new Date(ctx.nowMs).toISOString();
  const record = baseRecord(ctx.billId, at, source, canonical, {
    state,
    exceptions,
    vendor_id: vendor?.vendor_id ?? null,
    po_number: po?.po_number ?? null,
    po_inferred: poInferred,
    approvers,
    ...(Object.keys(delegated.standingIn).length ? { standing_in: delegated.standingIn } : {}),
    notify_at: approvers.length > 0 ? notifyAt(ctx.nowMs, policy) : null,
    reservations: reservedPo ? { [reservedPo.po_number]: Object.fromEntries([...reservations].map(([k, v]) => [k, v.toString()])) } : {},
    spend: state === 'ready_for_payment' ? bill.total.toString() : null,
    duplicate_key: dupKey,
    document_key: docOwner ? null : docKey,
    match,
    invoice_number: bill.invoice_number,
    issue_date: bill.issue_date,
    currency: bill.currency,
    total: money(bill.total),
    document_type: bill.document_type,
  });

  const entry: DuplicateEntry = { bill_id: ctx.billId, issue_date: bill.issue_date };
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
          message: `${describeSource(source)} — ${decisionMessage(state, touchless, exceptions, bill, vendor, po, poInferred, policy, approvers)}`,
          codes: exceptions.map((e) => e.code),
        },
      ],
      duplicateClaim: dupKey && dupClaim ? { key: dupKey, version: dupClaim.version, entry } : null,
      documentClaim: docOwner ? null : docKey,
      reservations: reservedPo ? [{ po_number: reservedPo.po_number, version: billed.version, previous: billed.value, add: reservations }] : [],
      spend:
        vendor && state === 'ready_for_payment'
          ? { vendor_id: vendor.vendor_id, version: spend.version, previous: spend.value, add: bill.total }
          : null,
    },
  };
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
): string {
  const who = vendor ? `vendor ${vendor.vendor_id}` : 'unknown vendor';
  const poText = po ? `${po.po_number}${poInferred ? ' (inferred)' : ''}` : 'no PO';
  const head = `${who}, ${poText}, total ${formatAmount(bill.total, bill.currency)} ${bill.currency}`;
  if (touchless) return `${head}: touchless — no exception and total ≤ auto-approve limit ${policy.auto_approve_max}; ready for payment`;
  if (exceptions.length === 0) return `${head}: no exception; awaiting approval by ${approvers.join(' and ')}`;
  const list = exceptions.map((e) => `${e.code}: ${e.message}`).join('; ');
  return `${head}: ${state}${approvers.length ? ` (to ${approvers.join(' and ')})` : ''} — ${list}`;
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
