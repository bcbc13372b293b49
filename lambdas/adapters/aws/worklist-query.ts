/**
 * The worklist's query plan and key pagination on DynamoDB (docs/data-model.md, "The worklist").
 *
 * A query reads one or more partitions of an index, each already in the order asked for: the
 * bills of a state by arrival (gsi3 `WL#<state>`) or by amount (gsi1 `STATE#<state>`), or the
 * bills found under an invoice number, PO or vendor (gsi3 `FIND#…`). A page merges them
 * (k-way, by the index sort key) and the cursor remembers, per partition, the key it stopped at:
 * the next page starts after it with `ExclusiveStartKey`, the previous page reads backwards from
 * the page's first keys. Filters the key cannot carry (exception code, amount or date range, my
 * work) are `FilterExpression`s on those partitions. No `Scan`, ever.
 */
import { createHash } from 'node:crypto';
import { QueryCommand, type QueryCommandInput, type QueryCommandOutput } from '@aws-sdk/lib-dynamodb';
import * as z from 'zod';
import { normalizeInvoiceNumber, normalizeName, normalizePoRef } from '../../core/normalize.ts';
import { BILL_SORTS, CursorError, type BillPage, type BillQuery, type BillSort, type StateCounts } from '../../core/ports/store.ts';
import { BILL_STATES, type BillState } from '../../core/route.ts';
import { APPROVAL_STATES, type BillRow } from '../../core/worklist.ts';
import { BILLS_TABLE } from './table.ts';
import { amountKey } from './worklist-keys.ts';

const T = BILLS_TABLE;
type Item = Record<string, unknown>;
export type Send = (input: QueryCommandInput) => Promise<QueryCommandOutput>;

export const MAX_PAGE = 200;
export const DEFAULT_PAGE = 50;

interface Expr {
  readonly expr: string;
  readonly names: Record<string, string>;
  readonly values: Record<string, unknown>;
}

interface Partition {
  readonly pk: string;
  readonly filter: Expr | null;
}

export interface Plan {
  readonly index: 'gsi1' | 'gsi3';
  readonly partitions: readonly Partition[];
  /** Ascending sort key in the user's order (oldest first, smallest first). */
  readonly ascending: boolean;
  /** Key condition bounds on the index sort key, both inclusive. */
  readonly lo: string | null;
  readonly hi: string | null;
  readonly filter: Expr | null;
  readonly sortUsed: BillSort;
}

const and = (...parts: (Expr | null)[]): Expr | null => {
  const ps = parts.filter((p): p is Expr => p !== null);
  if (ps.length === 0) return null;
  return { expr: ps.map((p) => (ps.length > 1 ? `(${p.expr})` : p.expr)).join(' AND '), names: Object.assign({}, ...ps.map((p) => p.names)), values: Object.assign({}, ...ps.map((p) => p.values)) };
};

const instant = (field: string, v: string | null | undefined): string | null => {
  if (v === null || v === undefined || v === '') return null;
  const ms = Date.parse(v);
  if (Number.isNaN(ms)) throw new CursorError(`${field} is not a date-time: ${JSON.stringify(v).slice(0, 40)}`);
  return new Date(ms).toISOString();
};

/**
 * Which partitions a query reads, with what key bounds and filters. `vendorIdsNamed` are the
 * vendors whose name (or alias) starts with the search text, from the master data lists.
 */
export function planQuery(q: BillQuery, vendorIdsNamed: readonly string[]): Plan {
  let sort: BillSort = q.sort ?? 'newest';
  if (!(BILL_SORTS as readonly string[]).includes(sort)) throw new CursorError(`there is no sort "${sort}"`);
  const from = instant('receivedFrom', q.receivedFrom);
  const before = instant('receivedBefore', q.receivedBefore);
  const min = q.amountMin ? amountKey(q.amountMin) : null;
  const max = q.amountMax ? amountKey(q.amountMax) : null;
  if ((q.amountMin && min === '0') || (q.amountMax && max === '0')) throw new CursorError('an amount bound is not a number');
  const search = q.search?.trim() ?? '';
  const mine = q.mine ? { user: q.mine.user.toLowerCase(), reviews: q.mine.reviews } : null;

  const code = q.code ? { expr: 'contains(wl_codes, :code)', names: {}, values: { ':code': `|${q.code}|` } } : null;
  const stateIn = (states: readonly BillState[]): Expr => ({
    expr: `#st IN (${states.map((_, i) => `:st${i}`).join(', ')})`,
    names: { '#st': 'state' },
    values: Object.fromEntries(states.map((s, i) => [`:st${i}`, s])),
  });
  const waitsOnMe: Expr | null = mine ? { expr: 'contains(wl_wait, :me)', names: {}, values: { ':me': `|${mine.user}|` } } : null;

  // Searches and a vendor read the FIND partitions, which are in arrival order only.
  const findPks: string[] = [];
  if (search) {
    const inv = normalizeInvoiceNumber(search);
    const po = normalizePoRef(search);
    const name = normalizeName(search);
    if (inv) findPks.push(`FIND#INV#${inv}`);
    if (po) findPks.push(`FIND#PO#${po}`);
    for (const id of vendorIdsNamed) findPks.push(`FIND#VEND#${id}`);
    if (name) findPks.push(`FIND#VEND#?${name}`);
  } else if (q.vendorId && (sort === 'newest' || sort === 'oldest')) findPks.push(`FIND#VEND#${q.vendorId}`);
  if (search && (sort === 'amount_asc' || sort === 'amount_desc')) sort = 'newest';
  const byDate = sort === 'newest' || sort === 'oldest';

  let states: readonly BillState[] = q.state ? [q.state] : BILL_STATES;
  if (mine) states = states.filter((s) => APPROVAL_STATES.includes(s) || (mine.reviews && s === 'needs_review'));

  const dateFilter = !byDate && (from || before) ? and(from ? { expr: 'wl_at >= :from', names: {}, values: { ':from': from } } : null, before ? { expr: 'wl_at < :before', names: {}, values: { ':before': before } } : null) : null;
  const amountFilter = byDate && (min || max) ? and(min ? { expr: 'wl_amt >= :amin', names: {}, values: { ':amin': min } } : null, max ? { expr: 'wl_amt <= :amax', names: {}, values: { ':amax': max } } : null) : null;
  const lo = byDate ? from : min;
  // Keys are `<bound>#<id>`: `#` sorts below `$`, so `<max>$` takes every id of the top amount.
  const hi = byDate ? (before ? before : null) : max ? `${max}$` : null;

  if (findPks.length > 0) {
    const vendor = search && q.vendorId ? { expr: 'wl_vendor = :vendor', names: {}, values: { ':vendor': q.vendorId } } : null;
    const stateF = states.length < BILL_STATES.length && states.length > 0 ? stateIn(states) : null;
    const mineF = mine ? (mine.reviews ? { expr: '#st = :nr OR contains(wl_wait, :me)', names: { '#st': 'state' }, values: { ':nr': 'needs_review', ':me': `|${mine.user}|` } } : waitsOnMe) : null;
    return {
      index: 'gsi3',
      // A state outside "my work" leaves nothing to read.
      partitions: states.length === 0 ? [] : [...new Set(findPks)].map((pk) => ({ pk, filter: null })),
      ascending: sort === 'oldest',
      lo,
      hi,
      filter: and(stateF, mineF, code, vendor, amountFilter),
      sortUsed: sort,
    };
  }
  const vendor = q.vendorId ? { expr: 'wl_vendor = :vendor', names: {}, values: { ':vendor': q.vendorId } } : null;
  return {
    index: byDate ? 'gsi3' : 'gsi1',
    partitions: states.map((s) => ({ pk: byDate ? `WL#${s}` : `STATE#${s}`, filter: mine && APPROVAL_STATES.includes(s) ? waitsOnMe : null })),
    ascending: sort === 'oldest' || sort === 'amount_asc',
    lo,
    hi,
    filter: and(code, vendor, amountFilter, dateFilter),
    sortUsed: sort,
  };
}

// --- the cursor ------------------------------------------------------------------------------

/** Where a partition stopped: its index sort key and the item's table sort key; null = from the edge. */
type Position = readonly [string, string] | null;

const CURSOR = z
  .object({
    v: z.literal(1),
    f: z.string().regex(/^[0-9a-f]{16}$/),
    d: z.enum(['n', 'p']),
    p: z.array(z.union([z.null(), z.tuple([z.string().min(1).max(400), z.enum(['BILL', 'FIND#INV', 'FIND#PO', 'FIND#VEND'])])])).max(64),
  })
  .strict();

function fingerprint(plan: Plan): string {
  const { sortUsed: _sort, ...rest } = plan;
  return createHash('sha256').update(JSON.stringify(rest)).digest('hex').slice(0, 16);
}

export function encodeCursor(plan: Plan, d: 'n' | 'p', p: readonly Position[]): string {
  return Buffer.from(JSON.stringify({ v: 1, f: fingerprint(plan), d, p })).toString('base64url');
}

export function decodeCursor(plan: Plan, text: string): { d: 'n' | 'p'; p: Position[] } {
  if (text.length > 8192 || !/^[A-Za-z0-9_-]+$/.test(text)) throw new CursorError('the page cursor is not one this list gave out');
  let json: unknown;
  try {
    json = JSON.parse(Buffer.from(text, 'base64url').toString('utf8'));
  } catch {
    throw new CursorError('the page cursor is not one this list gave out');
  }
  const r = CURSOR.safeParse(json);
  if (!r.success) throw new CursorError('the page cursor is not one this list gave out');
  if (r.data.f !== fingerprint(plan) || r.data.p.length !== plan.partitions.length) throw new CursorError('the page cursor belongs to another search or filter: start from the first page');
  for (const pos of r.data.p) if (pos && !/#[A-Za-z0-9_.-]{1,128}$/.test(pos[0])) throw new CursorError('the page cursor is not one this list gave out');
  return { d: r.data.d, p: r.data.p };
}

// --- reading a page --------------------------------------------------------------------------

function keyNames(index: 'gsi1' | 'gsi3') {
  return index === 'gsi1' ? T.gsi1 : T.gsi3;
}

function startKey(plan: Plan, part: Partition, pos: Position): Item | undefined {
  if (!pos) return undefined;
  const k = keyNames(plan.index);
  const id = pos[0].slice(pos[0].lastIndexOf('#') + 1);
  return { [T.partitionKey]: `BILL#${id}`, [T.sortKey]: pos[1], [k.partitionKey]: part.pk, [k.sortKey]: pos[0] };
}

/** What a partition gave so far: its items in order, and whether it may hold more after them. */
interface PartitionRead {
  readonly items: Item[];
  more: boolean;
}

/** Up to `need` more items of a partition, after `pos` (null: from its edge). */
async function readPartition(send: Send, tableName: string, plan: Plan, part: Partition, ascending: boolean, pos: Position, need: number): Promise<PartitionRead> {
  const k = keyNames(plan.index);
  const range = plan.lo && plan.hi ? ' AND #isk BETWEEN :lo AND :hi' : plan.lo ? ' AND #isk >= :lo' : plan.hi ? ' AND #isk <= :hi' : '';
  const filter = and(plan.filter, part.filter);
  const names: Record<string, string> = { '#ipk': k.partitionKey, ...(range ? { '#isk': k.sortKey } : {}), ...(filter?.names ?? {}) };
  const values: Record<string, unknown> = { ':pk': part.pk, ...(plan.lo ? { ':lo': plan.lo } : {}), ...(plan.hi ? { ':hi': plan.hi } : {}), ...(filter?.values ?? {}) };
  const out: Item[] = [];
  let start = startKey(plan, part, pos);
  do {
    const r = await send({
      TableName: tableName,
      IndexName: k.indexName,
      KeyConditionExpression: `#ipk = :pk${range}`,
      ...(filter ? { FilterExpression: filter.expr } : {}),
      ExpressionAttributeNames: names,
      ExpressionAttributeValues: values,
      ScanIndexForward: ascending,
      // Unfiltered, exactly what is needed; filtered, larger steps (the filter drops some).
      Limit: filter ? Math.max(need * 2, 100) : need,
      ExclusiveStartKey: start,
    });
    for (const item of r.Items ?? []) {
      out.push(item);
      if (out.length >= need) return { items: out, more: true };
    }
    start = r.LastEvaluatedKey;
  } while (start);
  return { items: out, more: false };
}

/**
 * One page of `plan`: `limit` rows, with cursors to the next and previous pages. `toRow` makes a
 * row of an index item.
 *
 * Each partition is read for its share of the page first (the page and one more, divided among
 * the partitions), not for a whole page each: a page of 200 over the seven states reads some 400
 * items, not 1,400. A partition whose every item read so far made the page, and that may hold
 * more, is read further (twice as many each time) until none is left short: then the page is the
 * first `limit` of the merged order, as if every partition had been read for a whole page.
 */
export async function readPage(send: Send, tableName: string, plan: Plan, limit: number, cursor: string | null | undefined, toRow: (item: Item) => BillRow): Promise<BillPage> {
  const k = keyNames(plan.index);
  const c = cursor ? decodeCursor(plan, cursor) : { d: 'n' as const, p: plan.partitions.map(() => null) };
  const backwards = c.d === 'p';
  const ascending = backwards ? !plan.ascending : plan.ascending;
  const sortKey = (it: Item) => it[k.sortKey] as string;
  const pos = (it: Item): Position => [sortKey(it), it[T.sortKey] as string];
  const share = Math.min(limit + 1, Math.ceil((limit + 1) / Math.max(1, plan.partitions.length)) + 1);
  const fetched = await Promise.all(plan.partitions.map((part, i) => readPartition(send, tableName, plan, part, ascending, c.p[i] ?? null, share)));

  for (;;) {
    const all = fetched.flatMap((read, part) => read.items.map((item) => ({ item, part, key: sortKey(item) })));
    all.sort((a, b) => (a.key === b.key ? 0 : (a.key < b.key) === ascending ? -1 : 1));

    const page: Item[] = [];
    const taken = plan.partitions.map(() => 0);
    const firstTaken: Position[] = plan.partitions.map(() => null);
    const lastTaken: Position[] = plan.partitions.map(() => null);
    let more = false;
    for (let i = 0; i < all.length; ) {
      // The same bill found twice (its invoice number is also a PO reference): one row.
      let j = i;
      while (j < all.length && all[j]!.key === all[i]!.key) j++;
      if (page.length === limit) {
        more = true;
        break;
      }
      page.push(all[i]!.item);
      for (const x of all.slice(i, j)) {
        firstTaken[x.part] ??= pos(x.item);
        lastTaken[x.part] = pos(x.item);
        taken[x.part]!++;
      }
      i = j;
    }

    // A partition all of whose items made the page may hold more that belong on it.
    const short = fetched.flatMap((read, i) => (read.more && taken[i] === read.items.length ? [i] : []));
    if (short.length > 0) {
      await Promise.all(
        short.map(async (i) => {
          const read = fetched[i]!;
          const last = read.items.at(-1);
          const next = await readPartition(send, tableName, plan, plan.partitions[i]!, ascending, last ? pos(last) : (c.p[i] ?? null), Math.min(limit + 1, Math.max(share, read.items.length)));
          read.items.push(...next.items);
          read.more = next.more;
        }),
      );
      continue;
    }

    const onward = plan.partitions.map((_, i) => lastTaken[i] ?? c.p[i] ?? null);
    const back = plan.partitions.map((_, i) => firstTaken[i] ?? (fetched[i]!.items[0] ? pos(fetched[i]!.items[0]) : null));
    const rows = page.map(toRow);
    if (!backwards) {
      return { rows, next: more ? encodeCursor(plan, 'n', onward) : null, prev: cursor ? encodeCursor(plan, 'p', back) : null, sortUsed: plan.sortUsed };
    }
    return { rows: rows.reverse(), next: encodeCursor(plan, 'n', back), prev: more ? encodeCursor(plan, 'p', onward) : null, sortUsed: plan.sortUsed };
  }
}

/** Bills per state: a `Select: COUNT` query of each state's worklist partition, stopping at `upTo`. */
export async function countByState(send: Send, tableName: string, upTo = Infinity): Promise<StateCounts> {
  const capped: BillState[] = [];
  const counts = await Promise.all(
    BILL_STATES.map(async (s) => {
      let n = 0;
      let start: Item | undefined;
      do {
        if (n >= upTo) {
          capped.push(s);
          return [s, upTo] as const;
        }
        const r = await send({
          TableName: tableName,
          IndexName: T.gsi3.indexName,
          KeyConditionExpression: '#ipk = :pk',
          ExpressionAttributeNames: { '#ipk': T.gsi3.partitionKey },
          ExpressionAttributeValues: { ':pk': `WL#${s}` },
          Select: 'COUNT',
          ...(Number.isFinite(upTo) ? { Limit: upTo - n + 1 } : {}),
          ExclusiveStartKey: start,
        });
        n += r.Count ?? 0;
        start = r.LastEvaluatedKey;
      } while (start);
      if (n > upTo) {
        capped.push(s);
        return [s, upTo] as const;
      }
      return [s, n] as const;
    }),
  );
  return { counts: Object.fromEntries(counts) as Record<BillState, number>, capped };
}

export { QueryCommand };
