/**
 * An in-process BillStore with the same versioned, all-or-nothing commit semantics as the
 * DynamoDB store. For measuring the decision core alone (`npm run bench`) and for fast unit
 * tests; the product itself always runs on DynamoDB (DynamoDB Local on a laptop).
 */
import type { MasterData, Policy, PurchaseOrder, Vendor } from '../../core/master.ts';
import { Decimal } from '../../core/money.ts';
import { normalizeId, normalizeInvoiceNumber, normalizeName, normalizePoRef } from '../../core/normalize.ts';
import { billRow } from '../../core/worklist.ts';
import {
  ConflictError,
  type AuditRecord,
  type BillRecord,
  type BillStore,
  type DecisionCommit,
  type DuplicateEntry,
  type SpendChange,
  type TransitionCommit,
  type Versioned,
  NoMasterDataError,
  type BillPage,
  type BillQuery,
  type StateCounts,
  type WorklistReads,
  CursorError,
  NonceSpentError,
} from '../../core/ports/store.ts';
import { vendorNameKeys } from '../../core/resolve.ts';
import { BILL_STATES, type BillState } from '../../core/route.ts';

const versionOf = (m: ReadonlyMap<string, { readonly version: number }>, k: string): number => m.get(k)?.version ?? 0;

/** A vendor's spend ledger: its version, its dated entries, and the last sum asked for. */
interface SpendLedger {
  readonly entries: { readonly at: string; readonly amount: Decimal }[];
  version: number;
  /** The last `vendorSpend` window's start, the sum from it, and how many entries that sum has seen. */
  from: string;
  sum: Decimal;
  counted: number;
}

export class MemoryBillStore implements BillStore, WorklistReads {
  private pol: Policy | null = null;
  private readonly byTax = new Map<string, Vendor[]>();
  private readonly byName = new Map<string, Vendor[]>();
  private readonly pos = new Map<string, PurchaseOrder>();
  private readonly openByVendor = new Map<string, PurchaseOrder[]>();
  private readonly billed = new Map<string, Versioned<ReadonlyMap<string, Decimal>>>();
  /** Per vendor: the ledger's version and its dated entries. */
  private readonly spend = new Map<string, SpendLedger>();
  private readonly dups = new Map<string, Versioned<readonly DuplicateEntry[]>>();
  private readonly docs = new Map<string, string>();
  private readonly bills = new Map<string, BillRecord>();
  private readonly audits = new Map<string, AuditRecord[]>();

  /** Like the DynamoDB import: items with the same key are replaced (a re-import), others stay. */
  async importMaster(m: MasterData): Promise<void> {
    this.pol = m.policy;
    const put = <T>(map: Map<string, T[]>, k: string, v: T, same: (x: T) => boolean) => map.set(k, [...(map.get(k) ?? []).filter((x) => !same(x)), v]);
    const importedAt = m.imported_at ?? new Date().toISOString();
    for (const vendor of m.vendors) {
      // What an empty ytd_as_of covers: everything before this import.
      const v = { ...vendor, imported_at: importedAt };
      this.vendors.set(v.vendor_id, v);
      const sameVendor = (x: Vendor) => x.vendor_id === v.vendor_id;
      if (normalizeId(v.tax_id)) put(this.byTax, normalizeId(v.tax_id), v, sameVendor);
      for (const n of vendorNameKeys(v)) put(this.byName, n, v, sameVendor);
    }
    for (const po of m.purchaseOrders) {
      this.pos.set(normalizePoRef(po.po_number), po);
      if (po.status === 'open') put(this.openByVendor, po.vendor_id, po, (x) => x.po_number === po.po_number);
    }
  }

  async policy(): Promise<Policy> {
    if (!this.pol) throw new NoMasterDataError();
    return this.pol;
  }
  async vendorsByTaxId(t: string): Promise<Vendor[]> {
    return this.byTax.get(t) ?? [];
  }
  async vendorsByName(n: string): Promise<Vendor[]> {
    return this.byName.get(n) ?? [];
  }
  async purchaseOrder(ref: string): Promise<PurchaseOrder | null> {
    return this.pos.get(ref) ?? null;
  }
  async openPurchaseOrders(vendorId: string): Promise<PurchaseOrder[]> {
    return this.openByVendor.get(vendorId) ?? [];
  }
  async billedQuantities(po: string): Promise<Versioned<ReadonlyMap<string, Decimal>>> {
    return this.billed.get(normalizePoRef(po)) ?? { value: new Map(), version: 0 };
  }
  async vendorSpendVersion(vendorId: string): Promise<number> {
    return this.spend.get(vendorId)?.version ?? 0;
  }
  async vendorSpend(vendorId: string, fromIso: string): Promise<Versioned<Decimal>> {
    const l = this.spend.get(vendorId);
    if (!l) return { value: Decimal.ZERO, version: 0 };
    // The sum from the same instant as last time, plus the entries added since (each entry is
    // compared with `fromIso` once, whatever their order): a ledger only grows.
    const cached = l.from === fromIso ? l : { from: fromIso, sum: Decimal.ZERO, counted: 0 };
    let sum = cached.sum;
    for (let i = cached.counted; i < l.entries.length; i++) {
      const e = l.entries[i]!;
      if (e.at >= fromIso) sum = sum.add(e.amount);
    }
    l.from = fromIso;
    l.sum = sum;
    l.counted = l.entries.length;
    return { value: sum, version: l.version };
  }
  private addSpend(s: SpendChange): void {
    const l = this.spend.get(s.vendor_id);
    if (l) {
      l.entries.push({ at: s.at, amount: s.add });
      l.version = s.version + 1;
    } else this.spend.set(s.vendor_id, { entries: [{ at: s.at, amount: s.add }], version: s.version + 1, from: '', sum: Decimal.ZERO, counted: 0 });
  }
  async duplicateClaim(key: string): Promise<Versioned<readonly DuplicateEntry[]>> {
    return this.dups.get(key) ?? { value: [], version: 0 };
  }
  async documentClaim(key: string): Promise<string | null> {
    return this.docs.get(key) ?? null;
  }

  async commitDecision(c: DecisionCommit): Promise<void> {
    const version = versionOf;
    // Check every condition first, then apply: all or nothing.
    if (c.replaces === undefined ? this.bills.has(c.bill.bill_id) : this.bills.get(c.bill.bill_id)?.version !== c.replaces) throw new ConflictError('bill exists or changed');
    if (c.duplicateClaim && version(this.dups, c.duplicateClaim.key) !== c.duplicateClaim.version) throw new ConflictError('duplicate claim changed');
    if (c.documentClaim && this.docs.has(c.documentClaim)) throw new ConflictError('document claimed');
    for (const r of c.reservations) if (version(this.billed, normalizePoRef(r.po_number)) !== r.version) throw new ConflictError('reservations changed');
    if (c.spend && version(this.spend, c.spend.vendor_id) !== c.spend.version) throw new ConflictError('spend changed');
    if (c.similarClaim && version(this.dups, c.similarClaim.key) !== c.similarClaim.version) throw new ConflictError('similar claim changed');
    for (const r of c.readVersions ?? []) {
      const have = r.of === 'claim' ? version(this.dups, r.key) : r.of === 'billed' ? version(this.billed, normalizePoRef(r.key)) : version(this.spend, r.key);
      if (have !== r.version) throw new ConflictError(`${r.of} ${r.key} changed since the decision read it`);
    }

    this.bills.set(c.bill.bill_id, c.bill);
    if (c.similarClaim) {
      const d = c.similarClaim;
      this.dups.set(d.key, { value: [...(this.dups.get(d.key)?.value ?? []), d.entry], version: d.version + 1 });
    }
    const trail = c.replaces === undefined ? [] : [...(this.audits.get(c.bill.bill_id) ?? [])];
    const first = trail.length + 1;
    for (let i = 0; i < c.audit.length; i++) trail.push({ ...c.audit[i]!, bill_id: c.bill.bill_id, seq: first + i });
    this.audits.set(c.bill.bill_id, trail);
    if (c.duplicateClaim) {
      const d = c.duplicateClaim;
      // A bill decided again keeps one entry: its latest.
      this.dups.set(d.key, { value: [...(this.dups.get(d.key)?.value ?? []).filter((e) => e.bill_id !== d.entry.bill_id), d.entry], version: d.version + 1 });
    }
    if (c.documentClaim) this.docs.set(c.documentClaim, c.bill.bill_id);
    for (const r of c.reservations) {
      const next = new Map(r.previous);
      r.add.forEach((q, line) => next.set(line, (next.get(line) ?? Decimal.ZERO).add(q)));
      this.billed.set(normalizePoRef(r.po_number), { value: next, version: r.version + 1 });
    }
    if (c.spend) this.addSpend(c.spend);
  }

  private readonly vendors = new Map<string, Vendor>();
  private readonly nonces = new Set<string>();

  async vendor(vendorId: string): Promise<Vendor | null> {
    return this.vendors.get(vendorId) ?? null;
  }

  async nonceSpent(nonce: string): Promise<boolean> {
    return this.nonces.has(nonce);
  }

  async spendNonce(nonce: string): Promise<void> {
    if (this.nonces.has(nonce)) throw new NonceSpentError('this link was used already');
    this.nonces.add(nonce);
  }

  async commitTransition(c: TransitionCommit): Promise<void> {
    const version = versionOf;
    if (c.nonce && this.nonces.has(c.nonce.value)) throw new NonceSpentError('this link was used already');
    if (this.bills.get(c.bill.bill_id)?.version !== c.expectedVersion) throw new ConflictError('bill changed');
    if (c.spend && version(this.spend, c.spend.vendor_id) !== c.spend.version) throw new ConflictError('spend changed');
    for (const r of c.releases) if (version(this.billed, normalizePoRef(r.po_number)) !== r.version) throw new ConflictError('reservations changed');
    if (c.duplicateClaim && version(this.dups, c.duplicateClaim.key) !== c.duplicateClaim.version) throw new ConflictError('duplicate claim changed');
    for (const r of c.reservations ?? []) if (version(this.billed, normalizePoRef(r.po_number)) !== r.version) throw new ConflictError('reservations changed');
    if (c.similarClaim && version(this.dups, c.similarClaim.key) !== c.similarClaim.version) throw new ConflictError('similar claim changed');
    if (c.releaseDocumentClaim && this.docs.get(c.releaseDocumentClaim) !== c.bill.bill_id) throw new ConflictError('document claim changed');

    this.bills.set(c.bill.bill_id, c.bill);
    for (const r of c.reservations ?? []) {
      const next = new Map(r.previous);
      for (const [line, q] of r.add) next.set(line, (next.get(line) ?? Decimal.ZERO).add(q));
      this.billed.set(normalizePoRef(r.po_number), { value: next, version: r.version + 1 });
    }
    if (c.similarClaim) this.dups.set(c.similarClaim.key, { value: c.similarClaim.entries, version: c.similarClaim.version + 1 });
    if (c.releaseDocumentClaim) this.docs.delete(c.releaseDocumentClaim);
    const trail = this.audits.get(c.bill.bill_id) ?? [];
    this.audits.set(c.bill.bill_id, [...trail, ...c.audit.map((a, i) => ({ ...a, bill_id: c.bill.bill_id, seq: trail.length + i + 1 }))]);
    if (c.nonce) this.nonces.add(c.nonce.value);
    if (c.spend) this.addSpend(c.spend);
    for (const r of c.releases) {
      const next = new Map(r.previous);
      for (const [line, q] of r.subtract) next.set(line, (next.get(line) ?? Decimal.ZERO).sub(q));
      this.billed.set(normalizePoRef(r.po_number), { value: next, version: r.version + 1 });
    }
    if (c.duplicateClaim?.entries) this.dups.set(c.duplicateClaim.key, { value: c.duplicateClaim.entries, version: c.duplicateClaim.version + 1 });
  }

  private readonly executions = new Map<string, { status: 'RUNNING' | 'SUCCEEDED' | 'FAILED'; input: unknown; at: string }>();
  async claimExecutionName(name: string, at = new Date().toISOString(), input?: unknown): Promise<boolean> {
    if (this.executions.has(name)) return false;
    this.executions.set(name, { status: 'RUNNING', input: input ?? null, at });
    return true;
  }
  async unfinishedExecutions(): Promise<{ name: string; input: unknown; at: string }[]> {
    return [...this.executions].filter(([, e]) => e.status === 'RUNNING').map(([name, e]) => ({ name, input: e.input, at: e.at }));
  }
  async executionRecord(name: string): Promise<{ status: 'RUNNING' | 'SUCCEEDED' | 'FAILED'; input: unknown } | null> {
    return this.executions.get(name) ?? null;
  }
  async finishExecution(name: string, status: 'SUCCEEDED' | 'FAILED'): Promise<void> {
    const e = this.executions.get(name);
    this.executions.set(name, { status, input: e?.input ?? null, at: e?.at ?? new Date().toISOString() });
  }

  async getBill(id: string): Promise<BillRecord | null> {
    return this.bills.get(id) ?? null;
  }
  async listBills(options: { state?: BillState; limit?: number } = {}): Promise<BillRecord[]> {
    const all = [...this.bills.values()].filter((b) => !options.state || b.state === options.state);
    return options.limit ? all.slice(-options.limit) : all;
  }
  async audit(id: string): Promise<AuditRecord[]> {
    return this.audits.get(id) ?? [];
  }

  /** The worklist's semantics (ports/store.ts) over the bills in memory; the cursor is an offset. */
  async findBills(q: BillQuery): Promise<BillPage> {
    const limit = Math.min(200, Math.max(1, Math.floor(q.limit ?? 50)));
    const search = q.search?.trim() ?? '';
    let sort = q.sort ?? 'newest';
    if (search && sort.startsWith('amount')) sort = 'newest';
    const inv = normalizeInvoiceNumber(search);
    const po = normalizePoRef(search);
    const name = normalizeName(search);
    const amount = (b: BillRecord) => (b.total ? Decimal.tryParse(b.total) : null);
    const rows = [...this.bills.values()].filter((b) => {
      const r = billRow(b);
      if (q.state && b.state !== q.state) return false;
      if (q.code && !r.codes.includes(q.code)) return false;
      if (q.vendorId && b.vendor_id !== q.vendorId) return false;
      if (q.receivedFrom && Date.parse(b.created_at) < Date.parse(q.receivedFrom)) return false;
      if (q.receivedBefore && Date.parse(b.created_at) >= Date.parse(q.receivedBefore)) return false;
      const a = amount(b);
      if (q.amountMin && (!a || a.cmp(Decimal.parse(q.amountMin)) < 0)) return false;
      if (q.amountMax && (!a || a.cmp(Decimal.parse(q.amountMax)) > 0)) return false;
      if (q.mine && !((q.mine.reviews && b.state === 'needs_review') || (r.waiting.kind === 'approval' && r.waiting.who.includes(q.mine.user.toLowerCase())))) return false;
      if (search) {
        const vendorName = b.vendor_id ? normalizeName(this.vendors.get(b.vendor_id)?.name) : '';
        const hit = (inv && normalizeInvoiceNumber(b.invoice_number) === inv) || (po && normalizePoRef(b.po_number) === po) || (name && (vendorName.startsWith(name) || normalizeName(b.supplier_name) === name));
        if (!hit) return false;
      }
      return true;
    });
    const byDate = (a: BillRecord, b: BillRecord) => (a.created_at + a.bill_id).localeCompare(b.created_at + b.bill_id);
    const byAmount = (a: BillRecord, b: BillRecord) => (amount(a) ?? Decimal.ZERO).cmp(amount(b) ?? Decimal.ZERO) || a.bill_id.localeCompare(b.bill_id);
    rows.sort(sort === 'newest' ? (a, b) => byDate(b, a) : sort === 'oldest' ? byDate : sort === 'amount_desc' ? (a, b) => byAmount(b, a) : byAmount);
    let offset = 0;
    if (q.cursor) {
      const m = /^o(\d{1,9})$/.exec(q.cursor);
      if (!m) throw new CursorError('the page cursor is not one this list gave out');
      offset = Number(m[1]);
    }
    return {
      rows: rows.slice(offset, offset + limit).map(billRow),
      next: offset + limit < rows.length ? `o${offset + limit}` : null,
      prev: offset > 0 ? `o${Math.max(0, offset - limit)}` : null,
      sortUsed: sort,
    };
  }

  async countBills(options: { readonly upTo?: number } = {}): Promise<StateCounts> {
    const counts = Object.fromEntries(BILL_STATES.map((s) => [s, 0])) as Record<BillState, number>;
    for (const b of this.bills.values()) counts[b.state]++;
    const upTo = options.upTo ?? Infinity;
    const capped = BILL_STATES.filter((s) => counts[s] > upTo);
    for (const s of capped) counts[s] = upTo;
    return { counts, capped };
  }
}
