/**
 * Many bills for the worklist's tests and benchmark, written straight into a table with batch
 * writes (the items the store itself writes: the bill and its search items), and the plain truth
 * they were made from, so that a test can work out each answer on its own.
 */
import type { DynamoDBClient } from '@aws-sdk/client-dynamodb';
import { BatchWriteCommand, DynamoDBDocumentClient } from '@aws-sdk/lib-dynamodb';
import { billItem } from '../../lambdas/adapters/aws/dynamo-store.ts';
import { findItems } from '../../lambdas/adapters/aws/worklist-keys.ts';
import type { ExceptionCode } from '../../lambdas/core/exceptions.ts';
import type { BillRecord } from '../../lambdas/core/ports/store.ts';
import { BILL_STATES, type BillState } from '../../lambdas/core/route.ts';

export const APPROVERS = ['alice@example.com', 'bob@example.com', 'carol@example.com'] as const;

const CODES: Record<BillState, readonly ExceptionCode[][]> = {
  needs_review: [['LOW_CONFIDENCE'], ['TOTALS_INCONSISTENT', 'LOW_CONFIDENCE']],
  awaiting_approval: [[]],
  flagged: [['PRICE_VARIANCE'], ['QUANTITY_VARIANCE', 'PRICE_VARIANCE'], ['VENDOR_UNKNOWN', 'NO_PO']],
  blocked: [['DUPLICATE'], ['CAP_EXCEEDED']],
  waiting_on_supplier: [['PRICE_VARIANCE']],
  ready_for_payment: [[]],
  rejected: [['DUPLICATE']],
};

/** Bill `i` of a generated set: states, vendors, amounts, codes and approvers all vary with `i`. */
export function generatedBill(i: number, startMs = Date.parse('2026-01-05T08:00:00.000Z')): BillRecord {
  // Weighted like an AP inbox: most bills are paid or waiting on an approver.
  const weights: [BillState, number][] = [['ready_for_payment', 5], ['awaiting_approval', 2], ['flagged', 2], ['needs_review', 1], ['blocked', 1], ['waiting_on_supplier', 1], ['rejected', 1]];
  const wheel = weights.flatMap(([s, w]) => Array<BillState>(w).fill(s));
  const state = wheel[(i * 7) % wheel.length]!;
  const codeSets = CODES[state];
  const codes = codeSets[i % codeSets.length]!;
  const unresolved = codes.includes('VENDOR_UNKNOWN');
  const v = (i % 20) + 1;
  const currency = i % 10 === 3 ? 'JPY' : i % 10 === 7 ? 'USD' : 'EUR';
  const cents = BigInt(((i * 7919) % 2_000_000) + 100);
  const total = currency === 'JPY' ? String(cents) : `${cents / 100n}.${String(cents % 100n).padStart(2, '0')}`;
  const created = new Date(startMs + i * 60_000).toISOString();
  const approvers = ['awaiting_approval', 'flagged', 'blocked'].includes(state) ? (i % 4 === 0 ? [APPROVERS[i % 3]!, APPROVERS[(i + 1) % 3]!] : [APPROVERS[i % 3]!]) : [];
  return {
    bill_id: `b${String(i).padStart(6, '0')}`,
    version: 1,
    state,
    created_at: created,
    updated_at: created,
    source: { input: `mail-${i}.xml`, part: 1, format: 'ubl', document_hash: `h${i}`, submitter: 'clerk@example.com' },
    document_type: 'invoice',
    invoice_number: `INV-${String(i).padStart(6, '0')}`,
    issue_date: created.slice(0, 10),
    currency,
    total,
    supplier_name: unresolved ? `Stranger ${i % 5} Ltd` : `Vendor ${String(v).padStart(2, '0')} Trading`,
    vendor_id: unresolved ? null : `V${String(v).padStart(3, '0')}`,
    po_number: unresolved ? null : `PO-${4000 + (i % 300)}`,
    po_inferred: false,
    exceptions: codes.map((code) => ({ code, message: `${code} on bill ${i}`, line: null }) as BillRecord['exceptions'][number]),
    approvers,
    notify_at: null,
    reservations: {},
    spend: null,
    duplicate_key: null,
    document_key: null,
    canonical: null,
    match: [],
    ...(state === 'waiting_on_supplier' ? { queried: { by: 'alice@example.com', at: created, message: 'price?' } } : {}),
  };
}

/** Writes bills (and their search items, the store's own items) with BatchWriteItem, several batches at once. */
export async function seedBills(client: DynamoDBClient, tableName: string, bills: readonly BillRecord[]): Promise<void> {
  const doc = DynamoDBDocumentClient.from(client, { marshallOptions: { removeUndefinedValues: true } });
  const items = bills.flatMap((b) => [billItem(b), ...findItems(b).put]);
  const batches: Record<string, unknown>[][] = [];
  for (let i = 0; i < items.length; i += 25) batches.push(items.slice(i, i + 25));
  let next = 0;
  await Promise.all(
    Array.from({ length: 6 }, async () => {
      while (next < batches.length) {
        let batch = batches[next++]!;
        for (let attempt = 0; batch.length > 0; attempt++) {
          if (attempt > 20) throw new Error('DynamoDB Local kept items unprocessed');
          const r = await doc.send(new BatchWriteCommand({ RequestItems: { [tableName]: batch.map((Item) => ({ PutRequest: { Item } })) } }));
          batch = (r.UnprocessedItems?.[tableName] ?? []).map((w) => w.PutRequest!.Item as Record<string, unknown>);
          if (batch.length) await new Promise((res) => setTimeout(res, 20 * 2 ** Math.min(attempt, 5)));
        }
      }
    }),
  );
}

export { BILL_STATES };
