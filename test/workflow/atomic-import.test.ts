/**
 * Master data imports are atomic: a new version is written completely, then made current in one
 * step. An import cut short leaves the previous version current (the decision keeps reading it)
 * and the next start says so.
 */
import { randomUUID } from 'node:crypto';
import { readFileSync } from 'node:fs';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { BatchWriteCommand, DynamoDBDocumentClient } from '@aws-sdk/lib-dynamodb';
import { describe, expect, inject, it, vi } from 'vitest';
import { DynamoBillStore } from '../../lambdas/adapters/aws/dynamo-store.ts';
import { loadMasterFolder } from '../../lambdas/adapters/local/master-folder.ts';
import { localClient, openLocalStore } from '../../lambdas/adapters/local/local-stack.ts';
import { startLocalStack, type StackEvent } from '../../lambdas/adapters/local/stack.ts';
import { normalizePoRef } from '../../lambdas/core/normalize.ts';
import { DEMO } from '../support/local.ts';

/** The process dies during an import: BatchWrite calls fail after the first `okBatches`. */
function dieDuringImport(okBatches: number): () => void {
  let n = 0;
  const original = DynamoDBDocumentClient.prototype.send;
  const spy = vi.spyOn(DynamoDBDocumentClient.prototype, 'send').mockImplementation(function (this: DynamoDBDocumentClient, command: unknown, ...rest: unknown[]) {
    if (command instanceof BatchWriteCommand && ++n > okBatches) return Promise.reject(new Error('killed during the import'));
    return (original as (...a: unknown[]) => Promise<unknown>).call(this, command, ...rest);
  } as never);
  return () => spy.mockRestore();
}

describe('atomic master data import', () => {
  it('an interrupted import leaves the previous version current, and the next start says so', async () => {
    const endpoint = inject('dynamoEndpoint');
    const table = `t-${randomUUID()}`;
    const { store } = await openLocalStore(endpoint, table);
    const master = await loadMasterFolder(join(DEMO, 'master'));
    await store.importMaster(master);
    const before = await store.masterImportStatus();
    expect(before).toMatchObject({ current: { version: expect.stringMatching(/^M/) }, interrupted: null });

    // A second import with every vendor renamed and blocked and every PO gone, cut short after three batches.
    // (With 200 more vendors: several batches, so it dies with part of the new vendors written.)
    const extra = Array.from({ length: 200 }, (_, i) => ({ ...master.vendors[0]!, vendor_id: `VX${i}`, name: `Extra Vendor ${i}`, aliases: [], tax_id: `DE9${String(i).padStart(8, '0')}` }));
    const changed = { ...master, vendors: [...master.vendors.map((v) => ({ ...v, name: `${v.name} (new)`, blocked: true })), ...extra], purchaseOrders: [] };
    const revive = dieDuringImport(3);
    await expect(store.importMaster(changed)).rejects.toThrow(/killed during the import/);
    revive();

    // Every read still sees the previous version, whole.
    const fresh = new DynamoBillStore({ tableName: table, client: localClient(endpoint) });
    expect((await fresh.vendor('V100'))!.name).toBe('Acme Office Supplies GmbH');
    expect((await fresh.vendor('V100'))!.blocked).toBe(false);
    expect(await fresh.purchaseOrder(normalizePoRef('PO-1001'))).not.toBeNull();
    expect((await fresh.vendorsByTaxId('DE129273398')).map((v) => v.name)).toEqual(['Acme Office Supplies GmbH']);
    expect((await fresh.openPurchaseOrders('V100')).length).toBeGreaterThan(0);
    const status = await fresh.masterImportStatus();
    expect(status.current!.version).toBe(before.current!.version);
    expect(status.interrupted).toMatchObject({ version: expect.stringMatching(/^M/) });

    // A bill is decided against the previous version: Acme's office bill is clean.
    const home = await mkdtemp(join(tmpdir(), 'bm-import-'));
    const events: StackEvent[] = [];
    const stack = await startLocalStack({ home, database: { endpoint, tableName: table }, onEvent: (e) => events.push(e) });
    try {
      expect(events.find((e) => e.kind === 'notice' && /did not finish/.test(e.message))).toMatchObject({ message: expect.stringMatching(/is still current\. Run bm import again\.$/) });
      const outcome = await stack.submit({ bytes: readFileSync(join(DEMO, 'bills', '01-acme-office.xml')), name: 'acme.xml' });
      expect(outcome.kind === 'processed' && outcome.execution.bills[0]!.state).toBe('ready_for_payment');

      // A complete import then takes over at once, and the notice is gone.
      await stack.store.importMaster(changed);
      expect((await stack.store.vendor('V100'))!.blocked).toBe(true);
      expect(await stack.store.purchaseOrder(normalizePoRef('PO-1001'))).toBeNull();
      expect((await stack.store.masterImportStatus()).interrupted).toBeNull();
    } finally {
      await stack.stop();
      await rm(home, { recursive: true, force: true });
    }
  }, 60_000);
});
