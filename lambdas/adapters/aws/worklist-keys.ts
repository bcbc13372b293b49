/**
 * The worklist's keys and attributes on bill items and their search items (gsi1, gsi3 of the
 * one table definition, table.ts). Pure functions: what a bill is listed and found under.
 */
import { Decimal } from '../../core/money.ts';
import { normalizeInvoiceNumber, normalizeName, normalizePoRef } from '../../core/normalize.ts';
import type { BillRecord } from '../../core/ports/store.ts';
import { billRow, type BillRow } from '../../core/worklist.ts';
import { BILLS_TABLE } from './table.ts';

const T = BILLS_TABLE;
const DIGITS_INT = 18;
const DIGITS_FRAC = 6;

/**
 * A sort key that orders amounts as numbers: `P` + 18 integer digits + 6 decimals for zero and
 * above, `N` + the nines' complement below zero, `0` for no amount (first ascending).
 */
export function amountKey(total: string | null | undefined): string {
  const d = total === null || total === undefined ? null : Decimal.tryParse(total);
  if (!d) return '0';
  const text = d.toString();
  const negative = text.startsWith('-');
  const [int = '0', frac = ''] = (negative ? text.slice(1) : text).split('.');
  const digits = int.replace(/^0+(?=\d)/, '').padStart(DIGITS_INT, '0').slice(-DIGITS_INT) + frac.padEnd(DIGITS_FRAC, '0').slice(0, DIGITS_FRAC);
  if (!negative) return `P${digits}`;
  return `N${[...digits].map((c) => String(9 - Number(c))).join('')}`;
}

/** An instant as UTC ISO 8601 (what the indexes sort by), or the text itself when it is not one. */
export function utcInstant(text: string): string {
  const ms = Date.parse(text);
  return Number.isNaN(ms) ? text : new Date(ms).toISOString();
}

/** What a bill is found under besides its state: exact invoice number, PO, vendor (or unresolved supplier name). */
export function findKeys(b: Pick<BillRecord, 'invoice_number' | 'po_number' | 'vendor_id' | 'supplier_name'>): Record<'INV' | 'PO' | 'VEND', string | null> {
  const inv = normalizeInvoiceNumber(b.invoice_number);
  const po = normalizePoRef(b.po_number);
  const name = normalizeName(b.supplier_name);
  return {
    INV: inv ? `FIND#INV#${inv}` : null,
    PO: po ? `FIND#PO#${po}` : null,
    VEND: b.vendor_id ? `FIND#VEND#${b.vendor_id}` : name ? `FIND#VEND#?${name}` : null,
  };
}

/** The attributes every worklist entry carries (bill item and search items): the row and what filters read. */
export function worklistAttributes(b: BillRecord): Record<string, string> {
  const row = billRow(b);
  const at = utcInstant(b.created_at);
  return {
    wl: JSON.stringify(compactRow(row)),
    wl_at: at,
    wl_amt: amountKey(b.total),
    wl_codes: `|${row.codes.join('|')}|`,
    wl_wait: row.waiting.kind === 'approval' ? `|${row.waiting.who.join('|')}|` : '||',
    wl_vendor: b.vendor_id ?? '',
  };
}

/** The bill item's own worklist keys: gsi3 by state and arrival, gsi1 by state and amount. */
export function billWorklistKeys(b: BillRecord): Record<string, string> {
  const at = utcInstant(b.created_at);
  return {
    [T.gsi1.partitionKey]: `STATE#${b.state}`,
    [T.gsi1.sortKey]: `${amountKey(b.total)}#${b.bill_id}`,
    [T.gsi3.partitionKey]: `WL#${b.state}`,
    [T.gsi3.sortKey]: `${at}#${b.bill_id}`,
  };
}

/** The search items of a bill: present keys are put, absent ones deleted (a re-decided bill may lose its PO). */
export function findItems(b: BillRecord): { put: Record<string, unknown>[]; remove: { pk: string; sk: string }[] } {
  const keys = findKeys(b);
  const attrs = worklistAttributes(b);
  const put: Record<string, unknown>[] = [];
  const remove: { pk: string; sk: string }[] = [];
  for (const [kind, pk] of Object.entries(keys)) {
    const key = { [T.partitionKey]: `BILL#${b.bill_id}`, [T.sortKey]: `FIND#${kind}` };
    if (pk) put.push({ ...key, [T.gsi3.partitionKey]: pk, [T.gsi3.sortKey]: `${attrs.wl_at}#${b.bill_id}`, state: b.state, ...attrs });
    else remove.push(key as { pk: string; sk: string });
  }
  return { put, remove };
}

/** The row in short keys (it is stored on every entry). */
function compactRow(r: BillRow): Record<string, unknown> {
  return {
    i: r.bill_id,
    c: r.created_at,
    u: r.updated_at,
    d: r.document_type === 'credit_note' ? 'c' : undefined,
    n: r.invoice_number ?? undefined,
    s: r.supplier_name ?? undefined,
    v: r.vendor_id ?? undefined,
    p: r.po_number ?? undefined,
    t: r.total ?? undefined,
    y: r.currency ?? undefined,
    x: r.codes.length ? r.codes : undefined,
    w: r.waiting.kind,
    o: r.waiting.who.length ? r.waiting.who : undefined,
    due: r.due_date ?? undefined,
    src: r.source,
  };
}

export function rowFromItem(item: Record<string, unknown>): BillRow {
  const r = JSON.parse(item.wl as string) as Record<string, unknown>;
  const s = (k: string) => (typeof r[k] === 'string' ? (r[k] as string) : null);
  return {
    bill_id: r.i as string,
    state: item.state as BillRow['state'],
    created_at: r.c as string,
    updated_at: r.u as string,
    document_type: r.d === 'c' ? 'credit_note' : 'invoice',
    invoice_number: s('n'),
    supplier_name: s('s'),
    vendor_id: s('v'),
    po_number: s('p'),
    total: s('t'),
    currency: s('y'),
    codes: (r.x as string[] | undefined) ?? [],
    waiting: { kind: r.w as BillRow['waiting']['kind'], who: (r.o as string[] | undefined) ?? [] },
    due_date: s('due'),
    source: (r.src as string) ?? '',
  };
}
