/**
 * Master data: vendors, purchase orders, goods receipts and the policy (spec/formats.md).
 * Parsing is all or nothing: every bad row is reported as `file:line: reason`, and a
 * folder with any bad row imports nothing.
 */
import * as z from 'zod';
import { CsvSyntaxError, parseCsv, type CsvRecord } from './csv.ts';
import { isRealDate, isTimeZone } from './dates.ts';
import { Decimal, isCurrencyCode } from './money.ts';
import { problemInWords, zodWords } from './issues.ts';
import { normalizePoRef } from './normalize.ts';
import { DEFAULT_TAX_RATES } from './tax.ts';

export interface Vendor {
  readonly vendor_id: string;
  readonly name: string;
  readonly aliases: readonly string[];
  readonly tax_id: string | null;
  readonly iban: string | null;
  readonly email: string | null;
  readonly currency: string | null;
  readonly authorization_cap: Decimal | null;
  /** Year-to-date spend as the master holds it, as of `ytd_as_of` (or the import moment). */
  readonly ytd_spend: Decimal;
  /** The day `ytd_spend` holds as of (that whole day, policy time zone); null = the import moment. */
  readonly ytd_as_of?: string | null;
  /** When the master was imported (ISO instant): what an empty `ytd_as_of` covers up to. */
  readonly imported_at?: string | null;
  readonly blocked: boolean;
  readonly approver: string | null;
  readonly category: string | null;
}

export type PoStatus = 'open' | 'closed' | 'cancelled';

export interface PoLine {
  readonly line_no: string;
  readonly item_code: string | null;
  readonly description: string | null;
  readonly quantity: Decimal;
  readonly unit_price: Decimal;
  readonly receipt_required: boolean;
  /** Sum of received quantities over the goods receipts of this line. */
  readonly received: Decimal;
}

export interface PurchaseOrder {
  readonly po_number: string;
  readonly vendor_id: string;
  readonly po_date: string;
  readonly currency: string;
  readonly status: PoStatus;
  readonly lines: readonly PoLine[];
}

export interface GoodsReceipt {
  readonly grn_number: string;
  readonly po_number: string;
  readonly line_no: string;
  readonly received_quantity: Decimal;
  readonly received_date: string | null;
}

export interface Tolerances {
  readonly price_tolerance_pct: Decimal;
  readonly quantity_tolerance_pct: Decimal;
}

/** What the policy may override per supplier under `suppliers`. */
export interface SupplierOverrides extends Partial<Tolerances> {
  readonly tax_rates?: readonly Decimal[];
  readonly max_charge?: Decimal;
}

export interface QuietHours {
  /** `HH:MM` local time */
  readonly start: string;
  readonly end: string;
  readonly weekends: boolean;
}

export interface Policy extends Tolerances {
  readonly timezone: string;
  readonly duplicate_window_days: number;
  readonly auto_approve_max: Decimal;
  readonly dual_approval_threshold: Decimal | null;
  readonly quiet_hours: QuietHours | null;
  readonly admin_approver: string;
  readonly second_approver: string | null;
  readonly category_approvers: Readonly<Record<string, string>>;
  readonly supplier_reminder_days: number;
  readonly confidence_threshold: Decimal;
  readonly suppliers: Readonly<Record<string, SupplierOverrides>>;
  /** `MM-DD`: the first day of the fiscal year, in the policy time zone. */
  readonly fiscal_year_start: string;
  /** Accepted VAT rates in percent (domain.md §4a). */
  readonly tax_rates: readonly Decimal[];
  /** Document-level charges above this are `UNEXPECTED_CHARGE`. */
  readonly max_charge: Decimal;
  /** Who fills in, in order, where segregation of duties leaves too few approvers (§8). */
  readonly backup_approvers: readonly string[];
  /** Domains (lower case) whose trusted senders are the bill's submitter, a clerk forwarding it (§9). */
  readonly internal_domains: readonly string[];
  /** `strict`: only a DMARC-passing sender is trusted; `off`: From taken at its word; null: the channel's default (§9). */
  readonly sender_check: SenderCheck | null;
  /** The most bills one document may give (§10). */
  readonly max_bills_per_document: number;
  /** Days an approval may stay undecided before the sweep adds the next approver in line. @default 3 */
  readonly escalate_after_days?: number;
  /** Absences: new approval requests for `approver` go to `delegate` from `from` to `to` (dates inclusive, policy time zone). */
  readonly delegates?: readonly Delegation[];
}

export interface Delegation {
  readonly approver: string;
  readonly delegate: string;
  /** YYYY-MM-DD, inclusive */
  readonly from: string;
  /** YYYY-MM-DD, inclusive */
  readonly to: string;
}

export const SENDER_CHECKS = ['strict', 'off'] as const;
export type SenderCheck = (typeof SENDER_CHECKS)[number];

export interface MasterData {
  readonly vendors: readonly Vendor[];
  readonly purchaseOrders: readonly PurchaseOrder[];
  readonly goodsReceipts: readonly GoodsReceipt[];
  readonly policy: Policy;
  /**
   * The import moment (ISO instant): what a vendor's `ytd_spend` without `ytd_as_of` covers up
   * to. Absent: the store's clock when it writes the master.
   */
  readonly imported_at?: string;
}

export interface MasterProblem {
  readonly file: string;
  readonly line: number | null;
  readonly reason: string;
}

export class MasterDataError extends Error {
  override readonly name = 'MasterDataError';
  constructor(readonly problems: readonly MasterProblem[]) {
    super(problems.map(formatProblem).join('\n'));
  }
}

export function formatProblem(p: MasterProblem): string {
  return `${p.file}${p.line !== null ? `:${p.line}` : ''}: ${p.reason}`;
}

/** The raw texts of a master-data folder; absent files are undefined. */
export interface MasterFiles {
  readonly 'vendors.csv'?: string;
  readonly 'purchase_orders.csv'?: string;
  readonly 'goods_receipts.csv'?: string;
  readonly 'policy.json'?: string;
}

const EMAIL = /^[^\s@]+@[^\s@]+\.[^\s@]+$/;
const DOMAIN = /^(?=.{1,253}$)([A-Za-z0-9](?:[A-Za-z0-9-]{0,61}[A-Za-z0-9])?\.)+[A-Za-z]{2,63}$/;
const HHMM = /^([01]\d|2[0-3]):[0-5]\d$/;

class RowReader {
  constructor(
    readonly file: string,
    readonly rec: CsvRecord,
    readonly problems: MasterProblem[],
  ) {}
  private fail(reason: string): void {
    this.problems.push({ file: this.file, line: this.rec.line, reason });
  }
  text(col: string, required = false): string | null {
    const v = this.rec.values.get(col) ?? null;
    if (required && v === null) this.fail(`${col} is required`);
    return v;
  }
  decimal(col: string, required = false, nonNegative = true): Decimal | null {
    const v = this.text(col, required);
    if (v === null) return null;
    const d = Decimal.tryParse(v);
    if (!d) this.fail(`${col} "${v}" is not a decimal number`);
    else if (nonNegative && d.isNegative()) this.fail(`${col} ${v} must not be negative`);
    return d;
  }
  bool(col: string, dflt: boolean): boolean {
    const v = this.text(col);
    if (v === null) return dflt;
    const l = v.toLowerCase();
    if (l === 'true') return true;
    if (l === 'false') return false;
    this.fail(`${col} "${v}" must be true or false`);
    return dflt;
  }
  currency(col: string, required: boolean): string | null {
    const v = this.text(col, required);
    if (v !== null && !isCurrencyCode(v)) this.fail(`${col} "${v}" is not an ISO 4217 currency code`);
    return v;
  }
  date(col: string, required: boolean): string | null {
    const v = this.text(col, required);
    if (v !== null && !isRealDate(v)) this.fail(`${col} "${v}" is not a real date (YYYY-MM-DD)`);
    return v;
  }
  email(col: string): string | null {
    const v = this.text(col);
    if (v !== null && !EMAIL.test(v)) this.fail(`${col} "${v}" is not an email address`);
    return v;
  }
  problem(reason: string): void {
    this.fail(reason);
  }
}

function readTable(file: string, text: string | undefined, required: readonly string[], problems: MasterProblem[]): CsvRecord[] {
  if (text === undefined) return [];
  try {
    const t = parseCsv(text);
    const missing = required.filter((c) => !t.headers.includes(c));
    if (missing.length > 0) {
      problems.push({ file, line: 1, reason: `missing column${missing.length > 1 ? 's' : ''} ${missing.join(', ')}` });
      return [];
    }
    return [...t.records];
  } catch (err) {
    if (err instanceof CsvSyntaxError) problems.push({ file, line: err.line, reason: err.message });
    else throw err;
    return [];
  }
}

function parseVendors(text: string | undefined, problems: MasterProblem[]): Vendor[] {
  const file = 'vendors.csv';
  const out: Vendor[] = [];
  const ids = new Set<string>();
  for (const rec of readTable(file, text, ['vendor_id', 'name'], problems)) {
    const r = new RowReader(file, rec, problems);
    const id = r.text('vendor_id', true);
    const name = r.text('name', true);
    if (id && ids.has(id)) r.problem(`vendor_id ${id} appears twice`);
    if (id) ids.add(id);
    const v: Vendor = {
      vendor_id: id ?? '',
      name: name ?? '',
      aliases: (r.text('aliases') ?? '').split('|').map((a) => a.trim()).filter(Boolean),
      tax_id: r.text('tax_id'),
      iban: r.text('iban'),
      email: r.email('email'),
      currency: r.currency('currency', false),
      authorization_cap: r.decimal('authorization_cap'),
      ytd_spend: r.decimal('ytd_spend', false, false) ?? Decimal.ZERO,
      ytd_as_of: r.date('ytd_as_of', false),
      blocked: r.bool('blocked', false),
      approver: r.email('approver'),
      category: r.text('category'),
    };
    out.push(v);
  }
  return out;
}

interface PoRow {
  readonly line: number;
  readonly po: Omit<PurchaseOrder, 'lines'>;
  readonly poLine: Omit<PoLine, 'received'>;
}

function parsePoRows(text: string | undefined, vendorIds: ReadonlySet<string> | null, problems: MasterProblem[]): PoRow[] {
  const file = 'purchase_orders.csv';
  const out: PoRow[] = [];
  const cols = ['po_number', 'vendor_id', 'po_date', 'currency', 'status', 'line_no', 'quantity', 'unit_price'];
  for (const rec of readTable(file, text, cols, problems)) {
    const r = new RowReader(file, rec, problems);
    const status = (r.text('status', true) ?? 'open').toLowerCase();
    if (!['open', 'closed', 'cancelled'].includes(status)) r.problem(`status "${status}" must be open, closed or cancelled`);
    const vendorId = r.text('vendor_id', true) ?? '';
    if (vendorId && vendorIds && !vendorIds.has(vendorId)) r.problem(`vendor_id ${vendorId} is not in vendors.csv`);
    const itemCode = r.text('item_code');
    const description = r.text('description');
    if (!itemCode && !description) r.problem('a PO line needs an item_code or a description');
    out.push({
      line: rec.line,
      po: {
        po_number: r.text('po_number', true) ?? '',
        vendor_id: vendorId,
        po_date: r.date('po_date', true) ?? '',
        currency: r.currency('currency', true) ?? '',
        status: status as PoStatus,
      },
      poLine: {
        line_no: r.text('line_no', true) ?? '',
        item_code: itemCode,
        description,
        quantity: r.decimal('quantity', true) ?? Decimal.ZERO,
        unit_price: r.decimal('unit_price', true) ?? Decimal.ZERO,
        receipt_required: r.bool('receipt_required', true),
      },
    });
  }
  return out;
}

function parseReceipts(text: string | undefined, problems: MasterProblem[]): { rec: CsvRecord; grn: GoodsReceipt }[] {
  const file = 'goods_receipts.csv';
  const out: { rec: CsvRecord; grn: GoodsReceipt }[] = [];
  for (const rec of readTable(file, text, ['grn_number', 'po_number', 'line_no', 'received_quantity'], problems)) {
    const r = new RowReader(file, rec, problems);
    out.push({
      rec,
      grn: {
        grn_number: r.text('grn_number', true) ?? '',
        po_number: r.text('po_number', true) ?? '',
        line_no: r.text('line_no', true) ?? '',
        received_quantity: r.decimal('received_quantity', true) ?? Decimal.ZERO,
        received_date: r.date('received_date', false),
      },
    });
  }
  return out;
}

const decimalText = z
  .union([z.string(), z.number()])
  .transform((v, ctx) => {
    const d = Decimal.tryParse(String(v));
    if (!d || d.isNegative()) {
      ctx.addIssue({ code: 'custom', message: `"${String(v)}" is not a non-negative decimal number` });
      return z.NEVER;
    }
    return d;
  });

/** Percentages as decimal strings (`["0", "7", "19"]`), at most 100 each, no repeats needed. */
const taxRatesSchema = z
  .array(decimalText)
  .min(1, 'needs at least one rate (use ["0"] to accept only untaxed bills)')
  .refine((rs) => rs.every((r) => r.lte(Decimal.HUNDRED)), 'a rate is a percentage between 0 and 100');

const tolerancesSchema = z.object({
  price_tolerance_pct: decimalText.optional(),
  quantity_tolerance_pct: decimalText.optional(),
  tax_rates: taxRatesSchema.optional(),
  max_charge: decimalText.optional(),
});

const MMDD = /^(0[1-9]|1[0-2])-(0[1-9]|[12]\d|3[01])$/;

const email = z.string().regex(EMAIL, 'not an email address');

const policySchema = z
  .object({
    timezone: z.string().refine(isTimeZone, 'not an IANA time zone').default('UTC'),
    price_tolerance_pct: decimalText.default(Decimal.from('2')),
    quantity_tolerance_pct: decimalText.default(Decimal.from('0')),
    duplicate_window_days: z.coerce.number().int().min(0).default(90),
    auto_approve_max: decimalText.default(Decimal.ZERO),
    dual_approval_threshold: decimalText.nullable().default(null),
    quiet_hours: z
      .object({
        start: z.string().regex(HHMM, 'must be HH:MM'),
        end: z.string().regex(HHMM, 'must be HH:MM'),
        weekends: z.boolean().default(false),
      })
      .nullable()
      .default(null),
    admin_approver: email,
    second_approver: email.nullable().default(null),
    category_approvers: z.record(z.string(), email).default({}),
    supplier_reminder_days: z.coerce.number().int().min(0).default(5),
    confidence_threshold: decimalText.default(Decimal.from('0.8')),
    suppliers: z.record(z.string(), tolerancesSchema).default({}),
    fiscal_year_start: z
      .string()
      .regex(MMDD, 'must be MM-DD')
      .refine((v) => isRealDate(`2024-${v}`) && v !== '02-29', 'must be a day every year has (MM-DD, not 02-29)')
      .default('01-01'),
    tax_rates: taxRatesSchema.default(DEFAULT_TAX_RATES.map((r) => Decimal.from(r))),
    max_charge: decimalText.default(Decimal.ZERO),
    backup_approvers: z.array(email).default([]),
    internal_domains: z
      .array(z.string().regex(DOMAIN, 'not a domain name (like example.com)').transform((d) => d.toLowerCase()))
      .default([]),
    sender_check: z.enum(SENDER_CHECKS).nullable().default(null),
    // At most 5,000: the document workflow's Map returns each bill's id (about 29 bytes a bill), and
    // its output must stay under Step Functions' 256 KiB payload limit (docs/benchmarks.md).
    max_bills_per_document: z.coerce.number().int().min(1).max(5_000).default(100),
    escalate_after_days: z.coerce.number().int().min(1).default(3),
    delegates: z
      .array(
        z
          .object({
            approver: email,
            delegate: email,
            from: z.string().regex(/^\d{4}-\d{2}-\d{2}$/, 'must be YYYY-MM-DD'),
            to: z.string().regex(/^\d{4}-\d{2}-\d{2}$/, 'must be YYYY-MM-DD'),
          })
          .refine((d) => d.from <= d.to, { message: 'from must not be after to', path: ['to'] })
          .refine((d) => d.approver.toLowerCase() !== d.delegate.toLowerCase(), { message: 'an approver cannot delegate to themselves', path: ['delegate'] }),
      )
      .default([]),
  })
  .refine((p) => !p.second_approver || p.second_approver.toLowerCase() !== p.admin_approver.toLowerCase(), {
    message: 'second_approver must not be the admin_approver (dual sign-off needs two different people)',
    path: ['second_approver'],
  })
  .refine((p) => p.dual_approval_threshold === null || distinctPeople([p.admin_approver, p.second_approver, ...p.backup_approvers]) >= 3, {
    message:
      'dual_approval_threshold needs at least three different people among admin_approver, second_approver and backup_approvers, so that two can still sign when the submitter or reviewer is one of them (segregation of duties)',
    path: ['backup_approvers'],
  });

function distinctPeople(addresses: readonly (string | null)[]): number {
  return new Set(addresses.filter((a): a is string => !!a).map((a) => a.toLowerCase())).size;
}

/** Parses `policy.json`; problems name the key (`policy.json: quiet_hours.start: must be HH:MM`). */
export function parsePolicy(text: string | undefined, problems: MasterProblem[]): Policy | null {
  const file = 'policy.json';
  if (text === undefined) {
    problems.push({ file, line: null, reason: 'missing (admin_approver is required)' });
    return null;
  }
  let json: unknown;
  try {
    json = JSON.parse(text.replace(/^\uFEFF/, ''));
  } catch (err) {
    problems.push({ file, line: null, reason: `not valid JSON: ${(err as Error).message}` });
    return null;
  }
  const r = policySchema.safeParse(json, { error: zodWords });
  if (!r.success) {
    for (const i of r.error.issues) problems.push({ file, line: null, reason: i.code === 'custom' ? `${i.path.join('.') || '(document)'}: ${i.message}` : problemInWords(i.path, i.message) });
    return null;
  }
  return r.data as Policy;
}

/** Parses a whole master-data folder; throws `MasterDataError` listing every bad row. */
export function parseMasterData(files: MasterFiles): MasterData {
  const problems: MasterProblem[] = [];
  if (files['vendors.csv'] === undefined) problems.push({ file: 'vendors.csv', line: null, reason: 'missing' });
  const vendors = parseVendors(files['vendors.csv'], problems);
  const vendorIds = files['vendors.csv'] !== undefined ? new Set(vendors.map((v) => v.vendor_id)) : null;
  const rows = parsePoRows(files['purchase_orders.csv'], vendorIds, problems);
  const receipts = parseReceipts(files['goods_receipts.csv'], problems);
  const policy = parsePolicy(files['policy.json'], problems);

  // Assemble POs; one header per PO number, one row per line.
  const pos = new Map<string, { po: PoRow['po']; lines: Map<string, PoRow['poLine']> }>();
  for (const row of rows) {
    const key = normalizePoRef(row.po.po_number);
    const existing = pos.get(key);
    const bad = (reason: string) => problems.push({ file: 'purchase_orders.csv', line: row.line, reason });
    if (!existing) {
      pos.set(key, { po: row.po, lines: new Map([[row.poLine.line_no, row.poLine]]) });
      continue;
    }
    for (const f of ['vendor_id', 'po_date', 'currency', 'status'] as const) {
      if (existing.po[f] !== row.po[f]) bad(`${f} ${row.po[f]} differs from an earlier line of ${row.po.po_number} (${existing.po[f]})`);
    }
    if (existing.lines.has(row.poLine.line_no)) bad(`line_no ${row.poLine.line_no} of ${row.po.po_number} appears twice`);
    existing.lines.set(row.poLine.line_no, row.poLine);
  }
  const received = new Map<string, Decimal>();
  for (const { rec, grn } of receipts) {
    const po = pos.get(normalizePoRef(grn.po_number));
    if (files['purchase_orders.csv'] !== undefined && (!po || !po.lines.has(grn.line_no))) {
      problems.push({ file: 'goods_receipts.csv', line: rec.line, reason: `${grn.po_number} line ${grn.line_no} is not in purchase_orders.csv` });
      continue;
    }
    const key = `${normalizePoRef(grn.po_number)}#${grn.line_no}`;
    received.set(key, (received.get(key) ?? Decimal.ZERO).add(grn.received_quantity));
  }
  if (problems.length > 0 || !policy) throw new MasterDataError(problems);

  const purchaseOrders: PurchaseOrder[] = [...pos.entries()].map(([key, { po, lines }]) => ({
    ...po,
    lines: [...lines.values()].map((l) => ({ ...l, received: received.get(`${key}#${l.line_no}`) ?? Decimal.ZERO })),
  }));
  return { vendors, purchaseOrders, goodsReceipts: receipts.map((r) => r.grn), policy };
}

/** The accepted tax rates and the charge limit for a vendor: its `suppliers` override, else the policy's. */
export function taxPolicyFor(policy: Policy, vendorId: string | null): { readonly tax_rates: readonly Decimal[]; readonly max_charge: Decimal } {
  const o = vendorId ? policy.suppliers[vendorId] : undefined;
  return { tax_rates: o?.tax_rates ?? policy.tax_rates, max_charge: o?.max_charge ?? policy.max_charge };
}

/** The tolerances that apply to a vendor: its `suppliers` override, else the policy's. */
export function tolerancesFor(policy: Policy, vendorId: string | null): Tolerances {
  const o = vendorId ? policy.suppliers[vendorId] : undefined;
  return {
    price_tolerance_pct: o?.price_tolerance_pct ?? policy.price_tolerance_pct,
    quantity_tolerance_pct: o?.quantity_tolerance_pct ?? policy.quantity_tolerance_pct,
  };
}
