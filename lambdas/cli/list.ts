/**
 * `bm list`: bills by state, exception code, vendor and search, newest first, one page at a time,
 * on the local stack or a deployed one (`--stack NAME`). It asks the store what the workspace's
 * worklist asks (`findBills`: keyed queries on the worklist index, a page at a time, an opaque
 * cursor), so a table of a year's bills costs a page's reads, not the whole table's.
 */
import { resolve } from 'node:path';
import { EXCEPTION_CODES } from '../core/exceptions.ts';
import { CursorError, type BillRecord, type BillStore, type WorklistReads } from '../core/ports/store.ts';
import { BILL_STATES, type BillState } from '../core/route.ts';
import { consoleText } from '../core/safe-text.ts';
import { CliUsageError, didYouMean, parseCli } from './args.ts';
import type { CloudClients } from './cloud.ts';
import type { CliIo } from './local.ts';

/** What `bm list` asks for (the field names of the worklist's `BillQuery`). */
export interface ListQuery {
  readonly state?: BillState | null;
  /** Bills carrying this exception code. */
  readonly code?: string | null;
  readonly vendorId?: string | null;
  /** An invoice number (normalized as for duplicates), a PO reference, or the start of a vendor name. */
  readonly search?: string | null;
  /** @default 50 */
  readonly limit?: number;
  /** From a previous page's `next`: the rows after it. */
  readonly cursor?: string | null;
}

export interface ListPage {
  /** Newest first. */
  readonly rows: readonly BillRecord[];
  /** The next page's cursor, or null on the last page. */
  readonly next: string | null;
  /** How many rows match after this page; null when the store cannot say without reading them. */
  readonly more: number | null;
}

export const DEFAULT_LIST_LIMIT = 50;
export const MAX_LIST_LIMIT = 1000;

/** One page of the bills matching `query`, newest first, through the worklist's keyed queries (never a scan). */
export async function findBillsPage(store: Pick<BillStore, 'getBill'> & WorklistReads, query: ListQuery): Promise<ListPage> {
  const limit = query.limit ?? DEFAULT_LIST_LIMIT;
  let page;
  try {
    page = await store.findBills({ state: query.state ?? null, code: query.code ?? null, vendorId: query.vendorId ?? null, search: query.search ?? null, sort: 'newest', limit, cursor: query.cursor ?? null });
  } catch (err) {
    if (err instanceof CursorError) throw new CliUsageError(`--after "${query.cursor}" is not a cursor bm list printed for these filters`);
    throw err;
  }
  // The rows carry what the worklist shows; the table and --json show the whole bill.
  const rows: BillRecord[] = [];
  for (let i = 0; i < page.rows.length; i += READ_AT_ONCE) {
    const read = await Promise.all(page.rows.slice(i, i + READ_AT_ONCE).map((r) => store.getBill(r.bill_id)));
    for (const b of read) if (b) rows.push(b);
  }
  // How many more: said on the first page of a state (or of every bill), from the capped counts.
  let more: number | null = page.next ? null : 0;
  if (page.next && !query.cursor && !query.code && !query.vendorId && !query.search) {
    const { counts, capped } = await store.countBills({ upTo: COUNT_UP_TO });
    const states: readonly BillState[] = query.state ? [query.state] : BILL_STATES;
    if (!states.some((st) => capped.includes(st))) {
      let total = 0;
      for (const st of states) total += counts[st];
      more = total - rows.length;
    }
  }
  return { rows, next: page.next, more };
}

/** Bills read at once to fill a page. */
const READ_AT_ONCE = 25;
/** Counting stops at this many bills a state: a larger state says only that more match. */
const COUNT_UP_TO = 1000;

// --- formatting --------------------------------------------------------------------------------

const moneyFormats = new Map<string, Intl.NumberFormat>();

/**
 * An amount for people: `EUR 15,815.10`, `JPY 8,550`, grouped and with the currency's decimals
 * (more when the amount has more: nothing is rounded away). Intl formats the decimal string
 * itself, exactly, never a binary float.
 */
export function formatMoney(amount: string | null, currency: string | null): string {
  if (amount === null || !/^-?\d+(\.\d+)?$/.test(amount.trim())) return amount ?? '—';
  const decimals = (amount.split('.')[1] ?? '').length;
  const known = currency !== null && /^[A-Z]{3}$/.test(currency) && Intl.supportedValuesOf('currency').includes(currency);
  const key = `${known ? currency : ''}:${decimals}`;
  let f = moneyFormats.get(key);
  if (!f) {
    const digits = known ? new Intl.NumberFormat('en', { style: 'currency', currency: currency! }).resolvedOptions().minimumFractionDigits ?? 2 : 2;
    f = new Intl.NumberFormat('en', {
      ...(known ? { style: 'currency', currency: currency!, currencyDisplay: 'code' } : {}),
      minimumFractionDigits: digits,
      maximumFractionDigits: Math.max(digits, decimals),
    });
    moneyFormats.set(key, f);
  }
  // `format` takes the decimal string as it is (Intl.NumberFormat v3): exact, however long.
  const text = f.format(amount.trim() as unknown as number).replace(/\u00a0/g, ' ');
  return known ? text : `${text} ${currency ? `(currency ${currency})` : '(currency unclear)'}`;
}

/** An instant as `YYYY-MM-DD HH:mm` in the policy's time zone. */
export function formatWhen(iso: string, timeZone: string): string {
  const p = Object.fromEntries(
    new Intl.DateTimeFormat('en-CA', { timeZone, year: 'numeric', month: '2-digit', day: '2-digit', hour: '2-digit', minute: '2-digit', hourCycle: 'h23' })
      .formatToParts(new Date(iso))
      .map((x) => [x.type, x.value]),
  );
  return `${p.year}-${p.month}-${p.day} ${p.hour}:${p.minute}`;
}

/** The page as a table: received (in `timeZone`), bill, vendor, invoice, PO, total, state, exceptions. */
export function formatBillTable(rows: readonly BillRecord[], timeZone: string): string {
  const head = ['received', 'bill', 'vendor', 'invoice', 'PO', 'total', 'state', 'exceptions'];
  const c = consoleText;
  const body = rows.map((b) => [
    formatWhen(b.created_at, timeZone),
    b.bill_id,
    c(b.vendor_id ?? (b.supplier_name ? `(${b.supplier_name})` : '—')),
    c(b.invoice_number ?? '—'),
    c(b.po_number ? `${b.po_number}${b.po_inferred ? '*' : ''}` : '—'),
    formatMoney(b.total, b.currency),
    b.state,
    [...new Set(b.exceptions.map((e) => e.code))].join(', ') || '—',
  ]);
  const widths = head.map((h, i) => Math.max(h.length, ...body.map((r) => r[i]!.length)));
  // Amounts align right, so that their digits line up.
  const line = (cells: string[]) => cells.map((cell, i) => (i === 5 ? cell.padStart(widths[i]!) : cell.padEnd(widths[i]!))).join('  ').trimEnd() + '\n';
  return line(head) + line(widths.map((w) => '-'.repeat(w))) + body.map(line).join('') + (rows.some((r) => r.po_inferred) ? '* PO inferred\n' : '');
}

/** One bill as a JSON line (`bm list --json`). */
export function billJson(b: BillRecord): Record<string, unknown> {
  return {
    bill_id: b.bill_id,
    received_at: b.created_at,
    state: b.state,
    vendor_id: b.vendor_id,
    supplier_name: b.supplier_name,
    invoice_number: b.invoice_number,
    po_number: b.po_number,
    po_inferred: b.po_inferred,
    currency: b.currency,
    total: b.total,
    exceptions: b.exceptions.map((e) => ({ code: e.code, line: e.line, message: e.message })),
    approvers: b.approvers,
    input: b.source.input,
  };
}

// --- the command -------------------------------------------------------------------------------

export const LIST_OPTIONS = {
  state: { type: 'string' },
  code: { type: 'string' },
  vendor: { type: 'string' },
  search: { type: 'string' },
  limit: { type: 'string' },
  after: { type: 'string' },
  json: { type: 'boolean', default: false },
  home: { type: 'string' },
  stack: { type: 'string' },
  region: { type: 'string' },
} as const;

/** The query a command line asks for; every problem of it in one usage error. */
export function listQuery(values: Readonly<Record<string, unknown>>): ListQuery {
  const problems: string[] = [];
  const state = values.state as string | undefined;
  if (state !== undefined && !(BILL_STATES as readonly string[]).includes(state)) {
    const near = didYouMean(state, BILL_STATES);
    problems.push(`--state "${state}" is not a state${near ? ` (did you mean ${near}?)` : ''}; the states: ${BILL_STATES.join(', ')}`);
  }
  const rawCode = values.code as string | undefined;
  const code = rawCode?.trim().toUpperCase();
  if (code !== undefined && !(EXCEPTION_CODES as readonly string[]).includes(code)) {
    const near = didYouMean(code, EXCEPTION_CODES);
    problems.push(`--code "${rawCode}" is not an exception code${near ? ` (did you mean ${near}?)` : ''}`);
  }
  const limitText = values.limit as string | undefined;
  const limit = limitText === undefined ? DEFAULT_LIST_LIMIT : Number(limitText);
  if (limitText !== undefined && (!/^\d+$/.test(limitText) || limit < 1 || limit > MAX_LIST_LIMIT)) problems.push(`--limit "${limitText}" must be a whole number from 1 to ${MAX_LIST_LIMIT}`);
  const search = (values.search as string | undefined)?.trim();
  if (search === '') problems.push('--search needs some text: an invoice number, a PO reference or a vendor name');
  if (values.stack === undefined && values.region !== undefined) problems.push('--region goes with --stack (a deployed stack)');
  if (values.stack !== undefined && values.home !== undefined) problems.push('--home is the local stack; --stack NAME a deployed one: give one of them');
  if (problems.length > 0) throw new CliUsageError(problems.join('\n'));
  return {
    state: (state as BillState | undefined) ?? null,
    code: code ?? null,
    vendorId: (values.vendor as string | undefined)?.trim() || null,
    search: search ?? null,
    limit,
    cursor: (values.after as string | undefined) ?? null,
  };
}

/** `bm list [filters] [--limit N] [--after CURSOR] [--json] [--home DIR | --stack NAME [--region R]]`. */
export async function listCommand(args: string[], io: CliIo, deps: { readonly clients?: CloudClients } = {}): Promise<number> {
  const { values, positionals } = parseCli(args, LIST_OPTIONS);
  if (positionals.length > 0) throw new CliUsageError(`list takes no argument (got ${positionals[0]}); to search, --search "${positionals[0]}"`);
  const query = listQuery(values);
  if (values.stack !== undefined) {
    const { awsClients, stackTableStore } = await import('./cloud.ts');
    // Tests give their own clients (DynamoDB Local, recorded stack outputs).
    const clients = deps.clients ?? awsClients(values.region as string | undefined);
    try {
      const found = await stackTableStore(values.stack as string, io, clients);
      if (!found) return 1;
      return await printList(found.store, query, args, values.json === true, io);
    } finally {
      if (!deps.clients) clients.dynamodb.destroy();
    }
  }
  const { openLocalStore } = await import('../adapters/local/local-stack.ts');
  const { DEFAULT_HOME, runningStackFile } = await import('./local.ts');
  const stack = await runningStackFile(resolve((values.home as string | undefined) ?? DEFAULT_HOME), io);
  if (!stack) return 1;
  const { store, client } = await openLocalStore(stack.dynamodb.endpoint, stack.dynamodb.table);
  try {
    return await printList(store, query, args, values.json === true, io);
  } finally {
    client.destroy();
  }
}

/** Prints one page: the table (or JSON Lines) on stdout, and how many more there are with the command for them. */
export async function printList(store: Pick<BillStore, 'getBill' | 'policy'> & WorklistReads, query: ListQuery, args: readonly string[], json: boolean, io: CliIo): Promise<number> {
  const page = await findBillsPage(store, query);
  // Dates in the policy's time zone; before any import there is none, and UTC is said.
  const timeZone = await store.policy().then((p) => p.timezone, () => null);
  if (json) {
    for (const b of page.rows) io.stdout(JSON.stringify(billJson(b)) + '\n');
  } else if (page.rows.length === 0) {
    io.stdout(query.cursor ? 'no more bills\n' : 'no bills match\n');
  } else {
    io.stdout(formatBillTable(page.rows, timeZone ?? 'UTC'));
    io.stdout(`received in ${timeZone ?? 'UTC (no policy imported yet)'}\n`);
  }
  if (page.next) {
    const rest = stripAfter(args);
    const count = page.more === null ? 'more bills match' : `${page.more.toLocaleString('en')} more bill${page.more === 1 ? '' : 's'} match`;
    // With --json the stdout carries the bills only: the way on goes to stderr.
    (json ? io.stderr : io.stdout)(`${page.rows.length} shown; ${count}: bm list ${[...rest, '--after', page.next].map(shellWord).join(' ')}\n`);
  }
  return 0;
}

function stripAfter(args: readonly string[]): string[] {
  const out: string[] = [];
  for (let i = 0; i < args.length; i++) {
    if (args[i] === '--after') i++;
    else if (!args[i]!.startsWith('--after=')) out.push(args[i]!);
  }
  return out;
}

const shellWord = (w: string) => (/^[\w@%+=:,./-]+$/.test(w) ? w : `'${w.replace(/'/g, `'\\''`)}'`);
