/**
 * What the decision core needs from storage. The DynamoDB adapter implements it for the
 * cloud and, pointed at DynamoDB Local, for the laptop; the core never sees a table.
 */
import type { CanonicalBill } from '../bill.ts';
import type { BillException } from '../exceptions.ts';
import type { GoodsReceipt, MasterData, Policy, PurchaseOrder, Vendor } from '../master.ts';
import type { Decimal } from '../money.ts';
import type { LineMatch } from '../match.ts';
import type { BillState } from '../route.ts';
import type { BillRow } from '../worklist.ts';
import type { ExtractionUsage } from './extractor.ts';

/** A value read together with the version it had; version 0 means "no item yet". */
export interface Versioned<T> {
  readonly value: T;
  readonly version: number;
}

/**
 * An earlier bill holding a duplicate claim on (vendor, document type, normalized number), or on
 * (vendor, document type, total, issue date) for `POSSIBLE_DUPLICATE`.
 */
export interface DuplicateEntry {
  readonly bill_id: string;
  readonly issue_date: string;
  /** Total and currency (`"148.75"`, `"EUR"`): the same number and total is a duplicate whatever the dates. */
  readonly total?: string;
  readonly currency?: string;
  /** The normalized invoice number (claims on total and date). */
  readonly number?: string;
}

/** A change to a vendor's spend: one dated entry in its ledger, conditional on the ledger's version. */
export interface SpendChange {
  readonly vendor_id: string;
  /** Version of the vendor's spend ledger the decision read. */
  readonly version: number;
  /** The pipeline spend read in the window, when the decision summed it (a vendor with a cap). */
  readonly previous?: Decimal;
  readonly add: Decimal;
  /** When the spend happened (ISO instant): which fiscal year, and whether a master import covers it. */
  readonly at: string;
  readonly bill_id: string;
}

/** Quantities a bill takes on a PO's lines, conditional on the PO ledger's version. */
export interface Reservation {
  readonly po_number: string;
  readonly version: number;
  readonly previous: ReadonlyMap<string, Decimal>;
  readonly add: ReadonlyMap<string, Decimal>;
}

/** Reads the decision needs, each cheap and keyed. */
export interface DecisionReads {
  policy(): Promise<Policy>;
  vendorsByTaxId(normalizedTaxId: string): Promise<Vendor[]>;
  vendorsByName(normalizedName: string): Promise<Vendor[]>;
  /** By normalized reference (upper case, no spaces). */
  purchaseOrder(normalizedRef: string): Promise<PurchaseOrder | null>;
  openPurchaseOrders(vendorId: string): Promise<PurchaseOrder[]>;
  /** Quantity already billed per PO line number, by earlier bills that still count. */
  billedQuantities(poNumber: string): Promise<Versioned<ReadonlyMap<string, Decimal>>>;
  /**
   * What the pipeline added to the vendor's spend at or after `fromIso` (bills moved to
   * `ready_for_payment` − approved credit notes), with the version of the vendor's spend ledger.
   */
  vendorSpend(vendorId: string, fromIso: string): Promise<Versioned<Decimal>>;
  /**
   * The version of the vendor's spend ledger alone, its entries not summed: a decision that does
   * not judge the spend (no cap, a credit note) still makes a paid bill's addition conditional on it.
   */
  vendorSpendVersion(vendorId: string): Promise<number>;
  duplicateClaim(key: string): Promise<Versioned<readonly DuplicateEntry[]>>;
  /** The bill that first came from these document bytes and part, if any. */
  documentClaim(key: string): Promise<string | null>;
}

/** One row of the audit trail. */
export interface AuditRecord {
  readonly bill_id: string;
  readonly at: string;
  readonly seq: number;
  readonly actor: string;
  readonly action: string;
  readonly from_state: BillState | null;
  readonly to_state: BillState | null;
  readonly message: string;
  readonly codes?: readonly string[];
}

/** Where a bill came from. */
export interface BillSource {
  readonly input: string;
  readonly part: number;
  readonly format: string;
  readonly document_hash: string;
  /** The part within the hashed bytes, where it differs from `part` (attachments of an email). */
  readonly document_part?: number | null;
  /** Who submitted it (email sender, uploader); never its approver. */
  readonly submitter: string | null;
  readonly origin?: string | null;
  readonly email?: Readonly<Record<string, unknown>> | null;
  /** The channel's sender check where the policy sets none: `off` for the local inbox and `bm run` (§9). */
  readonly sender_check?: 'strict' | 'off' | null;
  /** Pages and tokens spent reading it by OCR and a model (PDF and image bills), for the cost report. */
  readonly extraction?: ExtractionUsage | null;
  /** The stored submission (S3 key, or the local folder's key) the bill was read from: its original document. */
  readonly stored_as?: string | null;
  /**
   * Whether the sender may be believed (§9): false for an email whose DMARC verdict is not
   * `PASS` or that intake marked untrusted. Absent: trusted (operator input, the local inbox).
   */
  readonly sender_trusted?: boolean | null;
}

/** The stored bill: summary fields for lists and queries, detail for people. */
export interface BillRecord {
  readonly bill_id: string;
  readonly version: number;
  readonly state: BillState;
  readonly created_at: string;
  readonly updated_at: string;
  readonly source: BillSource;
  readonly document_type: 'invoice' | 'credit_note';
  readonly invoice_number: string | null;
  readonly issue_date: string | null;
  readonly currency: string | null;
  readonly total: string | null;
  readonly supplier_name: string | null;
  readonly vendor_id: string | null;
  readonly po_number: string | null;
  readonly po_inferred: boolean;
  readonly exceptions: readonly BillException[];
  readonly approvers: readonly string[];
  readonly notify_at: string | null;
  /** Quantities this bill holds on PO lines: po_number → line_no → quantity. */
  readonly reservations: Readonly<Record<string, Readonly<Record<string, string>>>>;
  /** Amount this bill added to its vendor's spend (string decimal), if any. */
  readonly spend: string | null;
  readonly duplicate_key: string | null;
  /** Its claim on (vendor, type, total, issue date), for `POSSIBLE_DUPLICATE`. */
  readonly similar_key?: string | null;
  /**
   * Set when a reviewer changed the bill's amounts or lines: such a bill is never touchless,
   * and its reviewer is never its approver.
   */
  readonly reviewed_amounts?: boolean;
  readonly document_key: string | null;
  readonly canonical: CanonicalBill | null;
  readonly match: readonly LineMatch[];
  /** Approvals given so far (dual sign-off needs all of `approvers`). */
  readonly approvals?: readonly ApprovalGiven[];
  /** The workflow's task token, while it waits for this bill's decision. */
  readonly task_token?: string | null;
  /**
   * Which version of the bill's content this is: 1 as first decided, one more each time it is
   * decided again (a review, the supplier's corrected re-send, a re-match after master data
   * changed). Record `version` counts every write; this counts decisions. Absent: 1.
   */
  readonly revision?: number;
  /** Delegates standing in for absent approvers: delegate → the approver they stand in for. */
  readonly standing_in?: Readonly<Record<string, string>>;
  /** How many distinct approvals the bill needs when escalation added approvers. Absent: all of `approvers`. */
  readonly required_approvals?: number;
  /** Approvers added by the sweep after `escalate_after_days`, with when. */
  readonly escalations?: readonly { readonly approver: string; readonly at: string }[];
  /** Who queried the supplier and when (the bill waits on the supplier). */
  readonly queried?: { readonly by: string; readonly at: string; readonly message: string; readonly admin_asked_at?: string | null } | null;
  /** A clerk marked this review bill "not a bill": it is `rejected`, with who and why. */
  readonly dismissed?: { readonly by: string; readonly at: string; readonly reason: string } | null;
  /** Who corrected it in review: like its submitter, never its approver (§8). */
  readonly reviewer?: string | null;
  /**
   * When each approver (lower case) was last sent links, epoch ms: a link issued before that is
   * revoked, so that a reminder's fresh links replace the earlier ones.
   */
  readonly links_issued?: Readonly<Record<string, number>>;
}

export interface ApprovalGiven {
  readonly approver: string;
  readonly at: string;
  readonly reason: string | null;
}

/** A later change of a bill's state (approval, query, reject, gate), with its audit row. */
export interface TransitionCommit {
  /** The bill as it becomes; written only if the stored version is `expectedVersion`. */
  readonly bill: BillRecord;
  readonly expectedVersion: number;
  readonly audit: readonly Omit<AuditRecord, 'bill_id' | 'seq'>[];
  /** Spend the link's nonce (a conditional put): a replayed link fails the whole transaction. */
  readonly nonce: { readonly value: string; readonly expiresAtSeconds: number } | null;
  readonly spend: SpendChange | null;
  /** Take PO-line quantities (an override reserves what a blocked bill never held). */
  readonly reservations?: readonly Reservation[];
  /** Give back PO-line quantities the bill held (rejected, blocked). */
  readonly releases: readonly {
    readonly po_number: string;
    readonly version: number;
    readonly previous: ReadonlyMap<string, Decimal>;
    readonly subtract: ReadonlyMap<string, Decimal>;
  }[];
  /** Rewrite a duplicate claim (a rejected bill leaves it), or only check it is unchanged. */
  readonly duplicateClaim: { readonly key: string; readonly version: number; readonly entries: readonly DuplicateEntry[] | null } | null;
  /** Rewrite the claim on (vendor, type, total, issue date) (a rejected bill leaves it). */
  readonly similarClaim?: { readonly key: string; readonly version: number; readonly entries: readonly DuplicateEntry[] } | null;
  /** Give up the claim on these document bytes (a rejected bill: the same file sent again is a new bill). */
  readonly releaseDocumentClaim?: string | null;
}

/** The link's nonce was spent already: a replay. */
export class NonceSpentError extends Error {
  override readonly name = 'NonceSpentError';
}

/** A bill added to a duplicate claim read at `version` with the entries `previous`. */
export interface ClaimAddition {
  readonly key: string;
  readonly version: number;
  readonly previous: readonly DuplicateEntry[];
  readonly entry: DuplicateEntry;
}

/** Everything one decision writes, with the versions it was decided on. */
export interface DecisionCommit {
  readonly bill: BillRecord;
  readonly audit: readonly Omit<AuditRecord, 'bill_id' | 'seq'>[];
  /**
   * Add the bill to this duplicate claim, expecting this version; `previous` is the claim's
   * entries as read at that version (the write is conditional on the version, so the store
   * writes `previous` + `entry` without reading the claim again).
   */
  readonly duplicateClaim: ClaimAddition | null;
  /** Add the bill to the claim on (vendor, type, total, issue date), expecting this version. */
  readonly similarClaim?: ClaimAddition | null;
  /** Claim these document bytes for the bill (only when unclaimed). */
  readonly documentClaim: string | null;
  /** Add quantities to PO lines, expecting these versions. */
  readonly reservations: readonly Reservation[];
  /** Add to the vendor's spend, expecting this version. */
  readonly spend: SpendChange | null;
  /**
   * The stored version of this bill the decision replaces (a reviewed `needs_review` bill is
   * decided again); absent for a new bill, which must not exist yet.
   */
  readonly replaces?: number;
  /**
   * Versions the decision read and does not write: a PO's billed quantities it reserves nothing
   * on, a vendor's spend ledger it judged a cap on but adds nothing to, a claim it looked at. The
   * commit is conditional on these too, so a decision made on something that has changed since
   * (another bill's commit in between) never commits; it is decided again.
   */
  readonly readVersions?: readonly ReadVersion[];
}

/** A versioned item a decision read: a duplicate claim, a PO's billed quantities or a vendor's spend ledger. */
export interface ReadVersion {
  readonly of: 'claim' | 'billed' | 'spend';
  /** The claim's key, the PO number or the vendor id. */
  readonly key: string;
  /** 0: the item did not exist. */
  readonly version: number;
}

/**
 * Nothing imported yet: no policy, no vendors, no POs. A bill cannot be decided before the first
 * master-data import; said in these words rather than as a bill that "could not be read".
 */
export class NoMasterDataError extends Error {
  override readonly name = 'NoMasterDataError';
  constructor(message = 'no master data imported yet: import it with `bm import DIR` (vendors.csv, purchase_orders.csv, goods_receipts.csv, policy.json)') {
    super(message);
  }
}

/** A write lost a race: something it was decided on changed. Decide again. */
export class ConflictError extends Error {
  override readonly name = 'ConflictError';
}

/** Progress of a long import: records written so far of all it writes. */
export interface ImportOptions {
  onProgress?(written: number, total: number): void;
}

export interface BillStore extends DecisionReads {
  importMaster(master: MasterData, options?: ImportOptions): Promise<void>;
  commitDecision(commit: DecisionCommit): Promise<void>;
  commitTransition(commit: TransitionCommit): Promise<void>;
  vendor(vendorId: string): Promise<Vendor | null>;
  nonceSpent(nonce: string): Promise<boolean>;
  /** Spends a single-use link's nonce on its own (a review link); throws NonceSpentError when spent. */
  spendNonce(nonce: string, billId: string, expiresAtSeconds: number): Promise<void>;
  getBill(billId: string): Promise<BillRecord | null>;
  listBills(options?: { state?: BillState; limit?: number }): Promise<BillRecord[]>;
  audit(billId: string): Promise<AuditRecord[]>;
}

// --- the worklist: bills by what people look for, one page at a time, never a scan ----------

export const BILL_SORTS = ['newest', 'oldest', 'amount_desc', 'amount_asc'] as const;
export type BillSort = (typeof BILL_SORTS)[number];

/**
 * What the worklist asks for. Every filter combines with the others; `search` is an invoice
 * number (normalized as for duplicates), a PO reference, or a vendor name (its start).
 */
export interface BillQuery {
  readonly state?: BillState | null;
  /** Bills carrying this exception code. */
  readonly code?: string | null;
  readonly vendorId?: string | null;
  /** Received at or after this instant (ISO 8601). */
  readonly receivedFrom?: string | null;
  /** Received before this instant (ISO 8601). */
  readonly receivedBefore?: string | null;
  /** Total at least / at most (decimal strings; any currency). */
  readonly amountMin?: string | null;
  readonly amountMax?: string | null;
  readonly search?: string | null;
  /**
   * "My work": bills waiting on this person (lower-case email) as approver or as a delegate
   * standing in, and, with `reviews`, the bills waiting on a reviewer (`needs_review`).
   */
  readonly mine?: { readonly user: string; readonly reviews: boolean } | null;
  /** @default 'newest' */
  readonly sort?: BillSort;
  /** Rows per page (1–200). @default 50 */
  readonly limit?: number;
  /** An opaque cursor from an earlier page's `next` or `prev` (of the same query). */
  readonly cursor?: string | null;
}

export interface BillPage {
  readonly rows: readonly BillRow[];
  /** The next page's cursor, or null on the last page. */
  readonly next: string | null;
  /** The previous page's cursor, or null on the first page. */
  readonly prev: string | null;
  /** A sort the query could not use with its filters (amount with a search), and what was used instead. */
  readonly sortUsed: BillSort;
}

/** A cursor that is not one this store gave out for this query: bad input, answered 400. */
export class CursorError extends Error {
  override readonly name = 'CursorError';
}

/** The worklist's reads: keyed queries only (docs/data-model.md, "The worklist"). */
export interface WorklistReads {
  findBills(query: BillQuery): Promise<BillPage>;
  /**
   * How many bills are in each state; with `upTo`, counting stops there (a state with more is in
   * `capped`, its count `upTo`): the closed states grow without end, a page needs "1,000+" only.
   */
  countBills(options?: { readonly upTo?: number }): Promise<StateCounts>;
}

export interface StateCounts {
  readonly counts: Readonly<Record<BillState, number>>;
  /** States with more bills than `upTo`. */
  readonly capped: readonly BillState[];
}

/** Master data as people read it (the master data pages): listed from an index, never scanned. */
export interface MasterListReads {
  /** The current version's vendors, by name. */
  listVendors(): Promise<Vendor[]>;
  /** The current version's purchase orders, by number. */
  listPurchaseOrders(): Promise<PurchaseOrder[]>;
  /** The current version's goods receipts, by PO, receipt and line; of one PO when given. */
  listReceipts(poNumber?: string): Promise<GoodsReceipt[]>;
}
