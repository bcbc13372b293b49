/**
 * The worklist's reads on DynamoDB Local over 5,000 bills: every filter, search and sort is a
 * keyed Query (the client is watched: no Scan), and pages chain, forwards and backwards, over
 * every matching bill exactly once.
 *
 * 5,000 bills: every state spans pages at every limit used here, one state passes the count cap
 * and the others do not. Seeding them is most of this file's cost (about 0.4 ms of DynamoDB Local
 * CPU an item, four items a bill); the 10,000 bills of a real AP team are paged through in the
 * browser by test/e2e/workspace.test.ts and measured by `BENCH=w npm run bench`.
 */
import { randomUUID } from 'node:crypto';
import { afterAll, beforeAll, describe, expect, it, inject } from 'vitest';
import { localClient, openLocalStore } from '../../lambdas/adapters/local/local-stack.ts';
import type { DynamoBillStore } from '../../lambdas/adapters/aws/dynamo-store.ts';
import { Decimal } from '../../lambdas/core/money.ts';
import { CursorError, type BillQuery, type BillRecord } from '../../lambdas/core/ports/store.ts';
import { billRow } from '../../lambdas/core/worklist.ts';
import type { DynamoDBClient } from '@aws-sdk/client-dynamodb';
import { APPROVERS, BILL_STATES, generatedBill, seedBills } from '../support/worklist-bills.ts';
import { master } from '../support/builders.ts';

const N = 5_000;

describe('the worklist over 5,000 bills', () => {
  let store: DynamoBillStore;
  let client: DynamoDBClient;
  const commands: string[] = [];
  /** How many items each Query read (its ScannedCount, before any filter). */
  const scanned: number[] = [];
  const bills: BillRecord[] = Array.from({ length: N }, (_, i) => generatedBill(i));

  beforeAll(async () => {
    const opened = await openLocalStore(inject('dynamoEndpoint'), `wl-${randomUUID()}`);
    store = opened.store;
    client = opened.client;
    // Vendors V001, V002 as master data (Acme GmbH, Other Corp.): a name search resolves through them.
    await store.importMaster(master());
    const seeder = localClient(inject('dynamoEndpoint'));
    await seedBills(seeder, store.tableName, bills);
    seeder.destroy();
    // Every command the store sends from here on.
    client.middlewareStack.add((next, context) => async (args) => {
      commands.push(String(context.commandName));
      const result = await next(args);
      const count = (result.output as { ScannedCount?: number }).ScannedCount;
      if (count !== undefined) scanned.push(count);
      return result;
    }, { step: 'initialize', name: 'watchCommands' });
  }, 240_000);

  afterAll(() => client?.destroy());

  /**
   * Every page of a query, following `next`; then, with `back`, back again following `prev` from
   * the last page (only where a test compares it: each way is a query per page).
   */
  async function chain(q: BillQuery, { back = false } = {}): Promise<{ forward: string[]; pages: number; backward: string[] }> {
    const forward: string[] = [];
    const cursors: (string | null)[] = [];
    let cursor: string | null = null;
    let last: { prev: string | null } | null = null;
    let pages = 0;
    do {
      const page = await store.findBills({ ...q, cursor });
      forward.push(...page.rows.map((r) => r.bill_id));
      cursors.push(cursor);
      cursor = page.next;
      last = page;
      pages++;
      if (pages > N) throw new Error('pages do not end');
    } while (cursor);
    // Backwards from the last page: the same pages in reverse.
    const backward: string[] = [];
    let prev = back ? (last?.prev ?? null) : null;
    let guard = 0;
    while (prev && guard++ < N) {
      const page = await store.findBills({ ...q, cursor: prev });
      backward.unshift(...page.rows.map((r) => r.bill_id));
      prev = page.prev;
    }
    return { forward, pages, backward };
  }

  const expected = (pred: (b: BillRecord) => boolean, order: 'newest' | 'oldest' | 'amount_desc' | 'amount_asc' = 'newest') => {
    const xs = bills.filter(pred);
    const amt = (b: BillRecord) => Decimal.parse(b.total!);
    xs.sort((a, b) =>
      order === 'newest' ? b.created_at.localeCompare(a.created_at) : order === 'oldest' ? a.created_at.localeCompare(b.created_at) : order === 'amount_desc' ? amt(b).cmp(amt(a)) || b.bill_id.localeCompare(a.bill_id) : amt(a).cmp(amt(b)) || a.bill_id.localeCompare(b.bill_id),
    );
    return xs.map((b) => b.bill_id);
  };

  it('pages through every bill exactly once, newest first, and back, with Query only, each page reading a bounded number of items', async () => {
    commands.length = 0;
    scanned.length = 0;
    const { forward, pages, backward } = await chain({ limit: 200 }, { back: true });
    expect(pages).toBe(N / 200);
    // A Query reads at most the page and one more: never all of a state. A page reads each
    // state's share of it first, and more only of a state whose share all made the page: less than
    // twice what the pages show in all (reading a page from each of the seven states: seven times).
    expect(scanned.length).toBeGreaterThan(0);
    expect(Math.max(...scanned)).toBeLessThanOrEqual(201);
    expect(scanned.reduce((a, b) => a + b, 0)).toBeLessThan(2 * (forward.length + backward.length));
    expect(new Set(forward).size).toBe(N);
    expect(forward).toEqual(expected(() => true));
    // Back from the last page over every page before it: all but the last page, in order.
    expect(backward).toEqual(forward.slice(0, N - 200));
    expect(commands.length).toBeGreaterThan(0);
    expect(new Set(commands)).toEqual(new Set(['QueryCommand']));
  }, 240_000);

  it('filters by state, exception code, vendor, date and amount range; sorts by amount; always by Query', async () => {
    commands.length = 0;
    const flagged = await chain({ state: 'flagged', limit: 100 });
    expect(flagged.forward).toEqual(expected((b) => b.state === 'flagged'));

    const price = await chain({ code: 'PRICE_VARIANCE', limit: 200 });
    expect(price.forward).toEqual(expected((b) => b.exceptions.some((e) => e.code === 'PRICE_VARIANCE')));

    const v7 = await chain({ vendorId: 'V007', limit: 50 });
    expect(v7.forward).toEqual(expected((b) => b.vendor_id === 'V007'));

    const from = '2026-01-06T00:00:00.000Z';
    const before = '2026-01-07T00:00:00.000Z';
    const day = await chain({ receivedFrom: from, receivedBefore: before, state: 'ready_for_payment', sort: 'oldest', limit: 60 });
    expect(day.forward).toEqual(expected((b) => b.created_at >= from && b.created_at < before && b.state === 'ready_for_payment', 'oldest'));

    const big = await chain({ state: 'awaiting_approval', sort: 'amount_desc', amountMin: '5000', amountMax: '15000.50', limit: 40 }, { back: true });
    expect(big.forward).toEqual(expected((b) => b.state === 'awaiting_approval' && Decimal.parse(b.total!).cmp(Decimal.parse('5000')) >= 0 && Decimal.parse(b.total!).cmp(Decimal.parse('15000.50')) <= 0, 'amount_desc'));
    expect(big.backward).toEqual(big.forward.slice(0, big.forward.length - (big.forward.length % 40 || 40)));

    const cheapAll = await store.findBills({ sort: 'amount_asc', limit: 30 });
    expect(cheapAll.rows.map((r) => r.bill_id)).toEqual(expected(() => true, 'amount_asc').slice(0, 30));
    expect(new Set(commands)).toEqual(new Set(['QueryCommand']));
  }, 240_000);

  it('finds bills by invoice number (normalized as for duplicates), PO and vendor name, by Query', async () => {
    commands.length = 0;
    // Lower case, spaces and a letter O for the zero: the duplicate check's normalization.
    const inv = await store.findBills({ search: 'inv 0O4242' });
    expect(inv.rows.map((r) => r.bill_id)).toEqual(['b004242']);
    expect(inv.rows[0]).toEqual(billRow(bills[4242]!));

    const po = await chain({ search: 'po-4017', limit: 10 });
    expect(po.forward).toEqual(expected((b) => b.po_number === 'PO-4017'));

    // "acme" starts Acme GmbH's name (V001 in the master data).
    const byName = await chain({ search: 'acme', limit: 100 });
    expect(byName.forward).toEqual(expected((b) => b.vendor_id === 'V001'));
    // An unresolved supplier by its whole name.
    const stranger = await chain({ search: 'Stranger 3 Ltd', state: 'flagged', limit: 100 });
    expect(stranger.forward).toEqual(expected((b) => b.supplier_name === 'Stranger 3 Ltd' && b.state === 'flagged'));
    expect(stranger.forward.length).toBeGreaterThan(0);
    // Queries, and the read of which master data version is current.
    expect([...new Set(commands)].sort()).toEqual(['GetItemCommand', 'QueryCommand']);
  }, 120_000);

  it("lists one person's work: bills waiting on them as approver, and the review queue", async () => {
    const me = APPROVERS[1];
    const mine = await chain({ mine: { user: me.toUpperCase(), reviews: false }, limit: 200 });
    expect(mine.forward).toEqual(expected((b) => ['awaiting_approval', 'flagged', 'blocked'].includes(b.state) && b.approvers.includes(me)));
    const withReviews = await chain({ mine: { user: me, reviews: true }, limit: 200 });
    expect(withReviews.forward).toEqual(expected((b) => b.state === 'needs_review' || (['awaiting_approval', 'flagged', 'blocked'].includes(b.state) && b.approvers.includes(me))));
    // A state outside my work: nothing.
    expect((await store.findBills({ mine: { user: me, reviews: true }, state: 'ready_for_payment' })).rows).toEqual([]);
  }, 120_000);

  it('counts the bills in each state', async () => {
    commands.length = 0;
    const { counts, capped } = await store.countBills();
    expect(capped).toEqual([]);
    for (const s of BILL_STATES) expect(counts[s], s).toBe(bills.filter((b) => b.state === s).length);
    // Capped: exact below the cap, the cap and "more" above it.
    const upTo = await store.countBills({ upTo: 1000 });
    for (const s of BILL_STATES) {
      const n = bills.filter((b) => b.state === s).length;
      expect(upTo.counts[s], s).toBe(Math.min(n, 1000));
      expect(upTo.capped.includes(s), s).toBe(n > 1000);
    }
    expect(new Set(commands)).toEqual(new Set(['QueryCommand']));
  }, 60_000);

  it('refuses a cursor it did not give out, or one of another query', async () => {
    const page = await store.findBills({ state: 'flagged', limit: 5 });
    await expect(store.findBills({ state: 'blocked', limit: 5, cursor: page.next })).rejects.toThrow(CursorError);
    await expect(store.findBills({ cursor: 'not a cursor!' })).rejects.toThrow(CursorError);
    const forged = Buffer.from(JSON.stringify({ v: 1, f: '0'.repeat(16), d: 'n', p: [] })).toString('base64url');
    await expect(store.findBills({ cursor: forged })).rejects.toThrow(/another search or filter/);
    await expect(store.findBills({ receivedFrom: 'yesterday' })).rejects.toThrow(CursorError);
  });
});
