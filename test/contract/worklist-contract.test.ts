/**
 * One contract for the worklist's reads, run against the DynamoDB store (on DynamoDB Local) and the
 * in-memory store: the same bills give the same rows for every filter, search and sort.
 */
import { randomUUID } from 'node:crypto';
import { describe, expect, inject, it } from 'vitest';
import { localClient, openLocalStore } from '../../lambdas/adapters/local/local-stack.ts';
import { MemoryBillStore } from '../../lambdas/adapters/memory/memory-store.ts';
import type { BillQuery, BillRecord, WorklistReads } from '../../lambdas/core/ports/store.ts';
import { master } from '../support/builders.ts';
import { APPROVERS, generatedBill, SEED_BROTLI_QUALITY, seedBills } from '../support/worklist-bills.ts';

const QUERIES: readonly BillQuery[] = [
  {},
  { sort: 'oldest' },
  { state: 'flagged', sort: 'amount_desc' },
  { sort: 'amount_asc', amountMin: '100', amountMax: '9000' },
  { code: 'DUPLICATE' },
  { vendorId: 'V003', receivedFrom: '2026-01-05T10:00:00.000Z', receivedBefore: '2026-01-05T13:00:00.000Z' },
  { search: 'inv-000123' },
  { search: 'Stranger 2 Ltd' },
  { mine: { user: APPROVERS[0], reviews: true } },
];

async function all(store: WorklistReads, q: BillQuery): Promise<string[]> {
  const ids: string[] = [];
  let cursor: string | null = null;
  for (let i = 0; i < 100; i++) {
    const page = await store.findBills({ ...q, limit: 37, cursor });
    ids.push(...page.rows.map((r) => r.bill_id));
    cursor = page.next;
    if (!cursor) break;
  }
  return ids;
}

describe('the worklist contract: DynamoDB and memory agree', () => {
  it('gives the same bills in the same order for every filter, search and sort, and the same counts', async () => {
    const bills: BillRecord[] = Array.from({ length: 400 }, (_, i) => generatedBill(i));
    const { store: dynamo, client } = await openLocalStore(inject('dynamoEndpoint'), `t-${randomUUID()}`);
    await dynamo.importMaster(master());
    const seeder = localClient(inject('dynamoEndpoint'));
    await seedBills(seeder, dynamo.tableName, bills, { brotliQuality: SEED_BROTLI_QUALITY });
    seeder.destroy();
    const memory = new MemoryBillStore();
    await memory.importMaster(master());
    // The memory store takes bills through its decision commit, as the pipeline writes them.
    for (const b of bills) await memory.commitDecision({ bill: b, audit: [], duplicateClaim: null, documentClaim: null, reservations: [], spend: null });
    for (const q of QUERIES) {
      const [d, m] = await Promise.all([all(dynamo, q), all(memory, q)]);
      expect(d.length, JSON.stringify(q)).toBeGreaterThan(0);
      expect(d, JSON.stringify(q)).toEqual(m);
    }
    expect((await dynamo.countBills()).counts).toEqual((await memory.countBills()).counts);
    client.destroy();
  }, 120_000);
});
