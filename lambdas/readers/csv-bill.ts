/**
 * The CSV bill: one row per bill line, RFC 4180, UTF-8 (a BOM is tolerated), one header
 * row, columns in any order (case-insensitive), unknown columns ignored, empty cell = absent.
 *
 * Bill-level columns (`invoice_number`, `currency`, `total`, …) may be repeated on every row
 * or given only on a bill's first row: a row with an empty `invoice_number` continues the
 * bill above it. Rows of one file with different invoice numbers are different bills
 * (parts, in order of first appearance). A bill-level value that differs between two rows
 * of one bill is refused, naming the column and the line. The format is documented in
 * docs/formats-mapping.md.
 */
import { CsvSyntaxError, parseCsv, type CsvRecord } from '../core/csv.ts';
import { emptyBill, emptyLine, toCanonical, unreadable, type DraftBill, type DraftLine, type DraftTaxRow } from './canonical.ts';
import { sha256Hex } from './hash.ts';
import type { ReadInput, ReadResult } from './types.ts';

export const CSV_FORMAT = 'csv';

/** Bill-level columns and where each goes in the canonical bill. */
const BILL_COLUMNS = {
  document_type: (b: DraftBill, v: string) => (b.document_type = v.toLowerCase().replace(/[\s-]/g, '_') === 'credit_note' ? 'credit_note' : 'invoice'),
  invoice_number: (b: DraftBill, v: string) => (b.invoice_number = v),
  issue_date: (b: DraftBill, v: string) => (b.issue_date = v),
  due_date: (b: DraftBill, v: string) => (b.due_date = v),
  currency: (b: DraftBill, v: string) => (b.currency = v),
  supplier_name: (b: DraftBill, v: string) => (b.supplier.name = v),
  supplier_tax_id: (b: DraftBill, v: string) => (b.supplier.tax_id = v),
  supplier_iban: (b: DraftBill, v: string) => (b.supplier.iban = v),
  supplier_email: (b: DraftBill, v: string) => (b.supplier.email = v),
  buyer_name: (b: DraftBill, v: string) => (b.buyer.name = v),
  po_reference: (b: DraftBill, v: string) => (b.po_reference = v),
  allowance_total: (b: DraftBill, v: string) => (b.allowance_total = v),
  charge_total: (b: DraftBill, v: string) => (b.charge_total = v),
  net_total: (b: DraftBill, v: string) => (b.net_total = v),
  tax_total: (b: DraftBill, v: string) => (b.tax_total = v),
  total: (b: DraftBill, v: string) => (b.total = v),
  prepaid: (b: DraftBill, v: string) => (b.prepaid = v),
  rounding: (b: DraftBill, v: string) => (b.rounding = v),
  payable: (b: DraftBill, v: string) => (b.payable = v),
  notes: (b: DraftBill, v: string) => (b.notes = v),
} satisfies Record<string, (b: DraftBill, v: string) => unknown>;

/** Line-level columns (`line_allowance_total`/`line_charge_total` are the line's own allowances and charges). */
const LINE_COLUMNS = {
  line_id: 'line_id',
  item_code: 'item_code',
  po_line: 'po_line',
  description: 'description',
  quantity: 'quantity',
  unit_code: 'unit_code',
  unit_price: 'unit_price',
  price_base_quantity: 'price_base_quantity',
  net_amount: 'net_amount',
  line_allowance_total: 'allowance_total',
  line_charge_total: 'charge_total',
} satisfies Record<string, keyof DraftLine>;

/**
 * Optional VAT breakdown columns (BG-23): a row with any of them adds one breakdown row to its
 * bill (the row may carry a line as well). `breakdown_taxable_amount` and `breakdown_tax_amount`
 * are BT-116/BT-117, `breakdown_rate` BT-119 (percent), `breakdown_category` BT-118.
 */
const BREAKDOWN_COLUMNS = {
  breakdown_category: 'category',
  breakdown_rate: 'rate',
  breakdown_taxable_amount: 'taxable_amount',
  breakdown_tax_amount: 'tax_amount',
} satisfies Record<string, keyof DraftTaxRow>;

/** Columns whose presence in the header makes a CSV file a bill (with `invoice_number`). */
const LINE_MARKERS = ['quantity', 'unit_price', 'net_amount'];

/** True when the first non-empty line is a CSV bill header. */
export function looksLikeCsvBill(bytes: Uint8Array): boolean {
  const head = new TextDecoder('utf-8').decode(bytes.subarray(0, 4096)).replace(/^\uFEFF/, '');
  const firstLine = head.split(/\r?\n/).find((l) => l.trim() !== '') ?? '';
  const columns = firstLine.split(',').map((c) => c.trim().replace(/^"|"$/g, '').toLowerCase());
  return columns.includes('invoice_number') && LINE_MARKERS.some((m) => columns.includes(m));
}

/** Reads a CSV bill file: one result per invoice number. Never throws. */
export function readCsvBill(input: ReadInput): ReadResult[] {
  let text: string;
  try {
    text = new TextDecoder('utf-8', { fatal: true }).decode(input.bytes);
  } catch {
    return [unreadable(CSV_FORMAT, input.filename, 'CSV bill is not valid UTF-8', input.bytes)];
  }
  let records: readonly CsvRecord[];
  try {
    records = parseCsv(text).records;
  } catch (err) {
    const where = err instanceof CsvSyntaxError ? ` (line ${err.line})` : '';
    return [unreadable(CSV_FORMAT, input.filename, `CSV bill is not valid RFC 4180${where}: ${err instanceof Error ? err.message : String(err)}`, input.bytes)];
  }
  const grouped = groupRows(records);
  if (!grouped.ok) return [unreadable(CSV_FORMAT, input.filename, grouped.reason, input.bytes)];
  if (grouped.bills.length === 0) return [unreadable(CSV_FORMAT, input.filename, 'CSV bill has a header but no rows', input.bytes)];
  const documentHash = sha256Hex(input.bytes);
  return grouped.bills.map((bill, part) => ({
    part,
    format: CSV_FORMAT,
    bill: toCanonical(bill),
    exceptions: [],
    documentHash,
    origin: `invoice ${bill.invoice_number ?? '(no number)'}`,
  }));
}

type Grouped = { ok: true; bills: DraftBill[] } | { ok: false; reason: string };

function groupRows(records: readonly CsvRecord[]): Grouped {
  const bills = new Map<string, { bill: DraftBill; seen: Map<string, string> }>();
  let current: { bill: DraftBill; seen: Map<string, string> } | undefined;
  for (const record of records) {
    const number = record.values.get('invoice_number');
    if (number !== undefined || !current) {
      const key = number ?? '';
      current = bills.get(key) ?? { bill: emptyBill(), seen: new Map() };
      bills.set(key, current);
    }
    const conflict = applyBillColumns(current, record);
    if (conflict) return { ok: false, reason: conflict };
    const line = readLine(record);
    if (line) current.bill.lines.push(line);
    const row = readBreakdownRow(record);
    if (row) (current.bill.tax_breakdown ??= []).push(row);
  }
  return { ok: true, bills: [...bills.values()].map((b) => b.bill) };
}

/** Applies the row's bill-level cells; returns a refusal when one contradicts an earlier row. */
function applyBillColumns(target: { bill: DraftBill; seen: Map<string, string> }, record: CsvRecord): string | null {
  for (const [column, apply] of Object.entries(BILL_COLUMNS)) {
    const value = record.values.get(column);
    if (value === undefined) continue;
    const earlier = target.seen.get(column);
    if (earlier !== undefined && earlier !== value) {
      return `CSV line ${record.line}: column ${column} is "${value}" but "${earlier}" on an earlier row of the same bill`;
    }
    target.seen.set(column, value);
    apply(target.bill, value);
  }
  return null;
}

/** The row's VAT breakdown row, or null when it has no breakdown cells. */
function readBreakdownRow(record: CsvRecord): DraftTaxRow | null {
  const row: DraftTaxRow = { category: null, rate: null, taxable_amount: null, tax_amount: null };
  let any = false;
  for (const [column, field] of Object.entries(BREAKDOWN_COLUMNS)) {
    const value = record.values.get(column);
    if (value === undefined) continue;
    row[field] = value;
    any = true;
  }
  return any ? row : null;
}

/** The row's line, or null when the row has no line cells (a bill-level row). */
function readLine(record: CsvRecord): DraftLine | null {
  const line = emptyLine();
  let any = false;
  for (const [column, field] of Object.entries(LINE_COLUMNS)) {
    const value = record.values.get(column);
    if (value === undefined) continue;
    line[field] = value;
    any = true;
  }
  return any ? line : null;
}
