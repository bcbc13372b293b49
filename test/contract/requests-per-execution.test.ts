/**
 * What one execution asks of DynamoDB, pinned per operation: the local pipeline's throughput is
 * bounded by CPU per request (the SDK in Node, DynamoDB Local's Java), so a read added to the
 * decision path shows here, not only as a slower benchmark (docs/benchmarks.md).
 *
 * A straight-through bill: the execution's name claimed (PutItem), the decision's state — the
 * duplicate claim (which the re-send check reads too), the similar and document claims, the
 * PO's billed quantities, the vendor's spend ledger — in one BatchGetItem, the ledger's entries
 * (Query, for a vendor with a cap), the decision (one TransactWriteItems),
 * the bill read once for NotifyPeople, the outcome recorded (UpdateItem). The bill is not read
 * before deciding, nor back after (DecideBill's own row is the outcome). The ledger's entries are
 * summed only for a vendor with a spending cap (the only check that judges them).
 */
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { randomUUID } from 'node:crypto';
import { afterAll, beforeAll, describe, expect, inject, it, vi } from 'vitest';
import { FolderDocumentStore } from '../../lambdas/adapters/local/folder-documents.ts';
import { openLocalStore } from '../../lambdas/adapters/local/local-stack.ts';
import { LocalWorkflow } from '../../lambdas/adapters/local/local-workflow.ts';
import { MemoryOutbox } from '../../lambdas/adapters/local/memory-outbox.ts';
import type { CanonicalBill } from '../../lambdas/core/bill.ts';
import { bill, master, POS_CSV } from '../support/builders.ts';

const NOW = Date.parse('2026-03-03T10:00:00+01:00');

/** `quantity` widgets at 12.50 + 19 % against PO-7100 (room for 1,000, no receipt needed): each its own total. */
function widgets(invoice: string, quantity: number): CanonicalBill {
  return priced(invoice, quantity, 1250n, { po_reference: 'PO-7100', item_code: 'A-100', description: 'Widget' });
}

/** `quantity` cables at 5.00 + 19 % from Other Corp. (V002, a vendor without a spending cap) against PO-7200. */
function cables(invoice: string, quantity: number): CanonicalBill {
  return { ...priced(invoice, quantity, 500n, { po_reference: 'PO-7200', item_code: 'C-2', description: 'Cable' }), supplier: { name: 'Other Corp.', tax_id: 'DE999999999', iban: null, email: null } };
}

function priced(invoice: string, quantity: number, unitCents: bigint, item: { po_reference: string; item_code: string; description: string }): CanonicalBill {
  const cents = (c: bigint) => `${c / 100n}.${String(c % 100n).padStart(2, '0')}`;
  const net = BigInt(quantity) * unitCents;
  return bill({
    invoice_number: invoice,
    po_reference: item.po_reference,
    lines: [{ line_id: '1', item_code: item.item_code, po_line: null, description: item.description, quantity: String(quantity), unit_code: 'C62', unit_price: cents(unitCents), price_base_quantity: '1', net_amount: cents(net) }],
    net_total: cents(net),
    tax_total: cents((net * 19n) / 100n),
    total: cents((net * 119n) / 100n),
  });
}

interface Sent {
  readonly command: string;
  readonly keys: readonly string[];
}

describe('DynamoDB requests per execution (local workflow on DynamoDB Local)', () => {
  let dir: string;
  let workflow: LocalWorkflow;
  let documents: FolderDocumentStore;
  let outbox: MemoryOutbox;
  const sent: Sent[] = [];
  let destroy: () => void;

  beforeAll(async () => {
    dir = await mkdtemp(join(tmpdir(), 'bm-requests-'));
    const { store, client } = await openLocalStore(inject('dynamoEndpoint'), `t-${randomUUID()}`);
    destroy = () => client.destroy();
    await store.importMaster(master({ 'purchase_orders.csv': `${POS_CSV}PO-7100,V001,2026-02-01,EUR,open,1,A-100,Widget,1000,12.50,false\nPO-7200,V002,2026-02-01,EUR,open,1,C-2,Cable,1000,5.00,false\n` }));
    client.middlewareStack.add(
      (next, context) => async (args) => {
        const input = args.input as { Key?: Record<string, unknown>; RequestItems?: Record<string, { Keys: Record<string, unknown>[] }> };
        const pk = (k: Record<string, unknown>) => String(k.pk);
        const keys = input.Key ? [pk(input.Key)] : input.RequestItems ? Object.values(input.RequestItems).flatMap((r) => r.Keys.map(pk)) : [];
        sent.push({ command: String((context as { commandName?: string }).commandName).replace(/Command$/, ''), keys });
        return next(args);
      },
      { step: 'initialize', name: 'countRequests' },
    );
    documents = new FolderDocumentStore(dir);
    outbox = new MemoryOutbox();
    workflow = new LocalWorkflow({ store, documents, now: () => NOW, approvals: { mailer: outbox, secret: new Uint8Array(32), baseUrl: 'http://127.0.0.1:9' } });
  });
  afterAll(async () => {
    workflow?.abortAll();
    destroy?.();
    await rm(dir, { recursive: true, force: true });
  });

  /** One execution of a bill document, and what it sent (`sent` and `counts` keep counting what its approval execution sends). */
  async function run(b: CanonicalBill): Promise<{ states: string[]; counts: Record<string, number>; sent: Sent[]; live: () => { counts: Record<string, number>; sent: Sent[] } }> {
    const id = `req-${b.invoice_number}`;
    await documents.put(`uploads/${id}`, new TextEncoder().encode(JSON.stringify(b)));
    sent.length = 0;
    const r = await workflow.run({ id, document_key: `uploads/${id}`, name: `${id}.bill.json`, submitter: null, received_at: new Date(NOW).toISOString() });
    // The master data's version pointer is read again every 2 s (another process's import shows): not the execution's own.
    const live = () => {
      const own = sent.filter((s) => !(s.command === 'GetItem' && s.keys[0] === 'MASTER'));
      const counts: Record<string, number> = {};
      for (const s of own) counts[s.command] = (counts[s.command] ?? 0) + 1;
      return { counts, sent: own };
    };
    return { states: r.bills.map((b) => b.state), ...live(), live };
  }

  it('a straight-through bill of a vendor with a cap: 6 requests once master data is read', async () => {
    // The first reads the master data it needs (kept for the next bills) and starts the vendor's spend.
    expect((await run(widgets('RQ-1', 4))).states).toEqual(['ready_for_payment']);
    const second = await run(widgets('RQ-2', 5));
    expect(second.states).toEqual(['ready_for_payment']);
    expect(second.counts).toEqual({ PutItem: 1, GetItem: 1, BatchGetItem: 1, Query: 1, TransactWriteItems: 1, UpdateItem: 1 });
    // The re-send check's duplicate claim, the similar and document claims, the PO's billed quantities, the spend ledger.
    const batch = second.sent.find((s) => s.command === 'BatchGetItem')!;
    expect(batch.keys.map((k) => k.split('#')[0]).sort()).toEqual(['DOC', 'DUP', 'DUP', 'PO', 'VENDOR']);
    // The bill itself is read once (NotifyPeople), never before the decision.
    expect(second.sent.filter((s) => s.keys.some((k) => k.startsWith('BILL#')))).toEqual([{ command: 'GetItem', keys: [expect.stringMatching(/^BILL#/)] }]);
  });

  it('a straight-through bill of a vendor without a cap: 5 requests (the spend ledger’s version, not its entries)', async () => {
    expect((await run(cables('RC-1', 4))).states).toEqual(['ready_for_payment']);
    const second = await run(cables('RC-2', 5));
    expect(second.states).toEqual(['ready_for_payment']);
    expect(second.counts).toEqual({ PutItem: 1, GetItem: 1, BatchGetItem: 1, TransactWriteItems: 1, UpdateItem: 1 });
  });

  it('a bill that waits for an approver: at most 12 requests, its approval execution included', async () => {
    // Master data read already, whatever ran before.
    expect((await run(widgets('RQ-W', 1))).states).toEqual(['ready_for_payment']);
    const waits = await run(widgets('RQ-3', 40));
    expect(waits.states).toEqual(['awaiting_approval']);
    // Two claims (the execution's and its approval's), two transactions (the decision, the desk's token), two outcomes recorded:
    // the approval execution's last request may still be on its way when the execution returns.
    await vi.waitFor(() => expect(waits.live().counts).toMatchObject({ PutItem: 2, TransactWriteItems: 2, UpdateItem: 2, BatchGetItem: 1 }), { timeout: 30_000, interval: 20 });
    const { counts, sent: all } = waits.live();
    expect(outbox.forBill(all.find((s) => s.keys[0]?.startsWith('BILL#'))!.keys[0]!.slice('BILL#'.length)).map((e) => e.tag)).toContain('approval-request');
    // The desk and NotifyPeople read the bill: once each, or once for both when asked at the same time.
    expect(Object.values(counts).reduce((a, b) => a + b, 0)).toBeLessThanOrEqual(12);
  });
});
