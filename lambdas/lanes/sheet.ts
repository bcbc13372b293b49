/**
 * The orders-and-receipts Google Sheet's column contract (docs/deploy.md, "Drive sync"): four tabs,
 * each with one header row, turned into the master-data CSVs (spec/formats.md) so that the drop
 * lane validates them exactly like files. Problems are named in the sheet's own terms
 * (`PO lines, row 7: unit_price "1,5" is not a decimal number`).
 *
 * | tab        | columns (header row; any order; unknown columns ignored)                             |
 * |------------|--------------------------------------------------------------------------------------|
 * | `Vendors`  | as vendors.csv: vendor_id, name, aliases, tax_id, iban, email, currency, authorization_cap, ytd_spend, blocked, approver, category |
 * | `POs`      | po_number, vendor_id, po_date, currency, status                                      |
 * | `PO lines` | po_number, line_no, item_code, description, quantity, unit_price, receipt_required  |
 * | `Receipts` | grn_number, po_number, line_no, received_quantity, received_date                     |
 *
 * Header cells are compared in lower case with spaces as underscores (`PO number` = `po_number`).
 * Values are read as displayed (FORMATTED_VALUE), so a number formatted with thousands separators
 * or a currency sign is refused like in a CSV: format amount columns as plain numbers and dates as
 * `yyyy-mm-dd`. Blank rows are skipped (they keep their row numbers).
 */
import type { MasterProblem } from '../core/master.ts';
import type { MasterFileName } from './master-drop.ts';

export const SHEET_TABS = {
  vendors: 'Vendors',
  pos: 'POs',
  poLines: 'PO lines',
  receipts: 'Receipts',
} as const;

export const TAB_COLUMNS = {
  Vendors: { required: ['vendor_id', 'name'], all: ['vendor_id', 'name', 'aliases', 'tax_id', 'iban', 'email', 'currency', 'authorization_cap', 'ytd_spend', 'blocked', 'approver', 'category', 'ytd_as_of'] },
  POs: { required: ['po_number', 'vendor_id', 'po_date', 'currency', 'status'], all: ['po_number', 'vendor_id', 'po_date', 'currency', 'status'] },
  'PO lines': {
    required: ['po_number', 'line_no', 'quantity', 'unit_price'],
    all: ['po_number', 'line_no', 'item_code', 'description', 'quantity', 'unit_price', 'receipt_required'],
  },
  Receipts: { required: ['grn_number', 'po_number', 'line_no', 'received_quantity'], all: ['grn_number', 'po_number', 'line_no', 'received_quantity', 'received_date'] },
} as const;

type TabName = keyof typeof TAB_COLUMNS;

/** Rows as the Sheets API returns them (`values`): strings, ragged, trailing empties left out. */
export type SheetValues = Readonly<Partial<Record<string, readonly (readonly string[])[]>>>;

export interface SheetExport {
  readonly files: Partial<Record<MasterFileName, string>>;
  readonly problems: MasterProblem[];
  /** A CSV problem (`purchase_orders.csv:5`) in the sheet's terms. */
  locate(p: MasterProblem): string;
}

const norm = (h: string) => h.trim().toLowerCase().replace(/\s+/g, '_');

function csvCell(v: string): string {
  return /[",\r\n]/.test(v) || /^\s|\s$/.test(v) ? `"${v.replaceAll('"', '""')}"` : v;
}

interface TabRow {
  readonly row: number;
  readonly get: (col: string) => string;
}

function readTab(tab: TabName, values: SheetValues, problems: MasterProblem[]): TabRow[] | null {
  const rows = values[tab];
  const where = `${tab} tab`;
  if (!rows) {
    problems.push({ file: where, line: null, reason: `is missing (the sheet needs the tabs ${Object.keys(TAB_COLUMNS).join(', ')})` });
    return null;
  }
  const header = (rows[0] ?? []).map((h) => norm(String(h)));
  const missing = TAB_COLUMNS[tab].required.filter((c) => !header.includes(c));
  if (missing.length > 0) {
    problems.push({ file: where, line: 1, reason: `missing column${missing.length > 1 ? 's' : ''} ${missing.join(', ')}` });
    return null;
  }
  const seen = new Set<string>();
  header.forEach((h, i) => {
    if (h && seen.has(h)) problems.push({ file: where, line: 1, reason: `column ${h} appears twice (column ${i + 1})` });
    seen.add(h);
  });
  const out: TabRow[] = [];
  rows.slice(1).forEach((cells, i) => {
    if (cells.every((c) => String(c ?? '').trim() === '')) return;
    out.push({ row: i + 2, get: (col) => String(cells[header.indexOf(col)] ?? '').trim() });
  });
  return out;
}

/** The master-data CSVs from the sheet's tabs, with the map back to tabs and rows. */
export function exportSheet(values: SheetValues): SheetExport {
  const problems: MasterProblem[] = [];
  const origin: Record<string, Map<number, string>> = {};
  const files: Partial<Record<MasterFileName, string>> = {};

  const toCsv = (file: MasterFileName, columns: readonly string[], rows: { where: string; cells: string[] }[]) => {
    const map = new Map<number, string>([[1, `the header of the tab behind ${file}`]]);
    const lines = [columns.join(',')];
    rows.forEach((r, i) => {
      lines.push(r.cells.map(csvCell).join(','));
      map.set(i + 2, r.where);
    });
    origin[file] = map;
    files[file] = lines.join('\r\n') + '\r\n';
  };

  const vendors = readTab('Vendors', values, problems);
  if (vendors) {
    const cols = TAB_COLUMNS.Vendors.all;
    toCsv('vendors.csv', cols, vendors.map((r) => ({ where: `Vendors, row ${r.row}`, cells: cols.map((c) => r.get(c)) })));
  }

  const pos = readTab('POs', values, problems);
  const lines = readTab('PO lines', values, problems);
  if (pos && lines) {
    const headers = new Map<string, TabRow>();
    for (const r of pos) {
      const n = r.get('po_number');
      if (!n) problems.push({ file: 'POs tab', line: r.row, reason: 'po_number is required' });
      else if (headers.has(n.toUpperCase())) problems.push({ file: 'POs tab', line: r.row, reason: `po_number ${n} appears twice (also row ${headers.get(n.toUpperCase())!.row})` });
      else headers.set(n.toUpperCase(), r);
    }
    const used = new Set<string>();
    const out: { where: string; cells: string[] }[] = [];
    for (const l of lines) {
      const n = l.get('po_number');
      const h = headers.get(n.toUpperCase());
      if (!h) {
        problems.push({ file: 'PO lines tab', line: l.row, reason: n ? `po_number ${n} is not on the POs tab` : 'po_number is required' });
        continue;
      }
      used.add(n.toUpperCase());
      out.push({
        where: `PO lines, row ${l.row} (PO ${n}: POs, row ${h.row})`,
        cells: [
          h.get('po_number'),
          h.get('vendor_id'),
          h.get('po_date'),
          h.get('currency'),
          h.get('status'),
          l.get('line_no'),
          l.get('item_code'),
          l.get('description'),
          l.get('quantity'),
          l.get('unit_price'),
          l.get('receipt_required'),
        ],
      });
    }
    for (const [k, h] of headers) if (!used.has(k)) problems.push({ file: 'POs tab', line: h.row, reason: `${h.get('po_number')} has no line on the PO lines tab` });
    toCsv(
      'purchase_orders.csv',
      ['po_number', 'vendor_id', 'po_date', 'currency', 'status', 'line_no', 'item_code', 'description', 'quantity', 'unit_price', 'receipt_required'],
      out,
    );
  }

  const receipts = readTab('Receipts', values, problems);
  if (receipts) {
    const cols = TAB_COLUMNS.Receipts.all;
    toCsv('goods_receipts.csv', cols, receipts.map((r) => ({ where: `Receipts, row ${r.row}`, cells: cols.map((c) => r.get(c)) })));
  }

  return {
    files,
    problems,
    locate(p) {
      const m = origin[p.file];
      if (m && p.line !== null && m.has(p.line)) return `${m.get(p.line)}: ${p.reason}`;
      if (p.file.endsWith(' tab')) return `${p.file.slice(0, -4)}${p.line !== null ? `, row ${p.line}` : ' tab'}: ${p.reason}`;
      return `${p.file}${p.line !== null ? `:${p.line}` : ''}: ${p.reason}`;
    },
  };
}
