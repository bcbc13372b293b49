/**
 * Master data of one version is read once per store: the policy, a vendor (by id, tax id or
 * name) and a PO are not asked of DynamoDB again for the next bill; a new import is seen at once
 * through the same store, and by another store once it reads the current version again.
 */
import { randomUUID } from 'node:crypto';
import { describe, expect, inject, it } from 'vitest';
import { openLocalStore } from '../../lambdas/adapters/local/local-stack.ts';
import { normalizeId } from '../../lambdas/core/normalize.ts';
import { master, VENDORS_CSV } from '../support/builders.ts';

async function countedStore(table: string) {
  const { store, client } = await openLocalStore(inject('dynamoEndpoint'), table);
  const sent: string[] = [];
  client.middlewareStack.add(
    (next, context) => async (args) => {
      sent.push(String((context as { commandName?: string }).commandName));
      return next(args);
    },
    { step: 'initialize', name: 'countRequests' },
  );
  return { store, sent };
}

describe('master data reads (DynamoDB store)', () => {
  it('reads each item of the current version once, and sees a new import at once', async () => {
    const table = `t-${randomUUID()}`;
    const { store, sent } = await countedStore(table);
    await store.importMaster(master());
    const readAll = async () => ({
      policy: await store.policy(),
      vendor: await store.vendor('V001'),
      byTax: await store.vendorsByTaxId(normalizeId('DE123456789')),
      po: await store.purchaseOrder('PO-7001'),
    });
    const first = await readAll();
    expect(first.vendor?.name).toBe('Acme GmbH');
    expect(first.byTax.map((v) => v.vendor_id)).toEqual(['V001']);
    expect(first.po?.po_number).toBe('PO-7001');
    const afterFirst = sent.length;
    const second = await readAll();
    expect(sent.length).toBe(afterFirst);
    expect(second).toEqual(first);
    // Callers get their own objects: changing one does not change what the next caller reads.
    expect(second.vendor).not.toBe(first.vendor);

    await store.importMaster(master({ 'vendors.csv': VENDORS_CSV.replace('Acme GmbH', 'Acme Widgets GmbH') }));
    expect((await store.vendor('V001'))?.name).toBe('Acme Widgets GmbH');
    expect((await store.vendorsByTaxId(normalizeId('DE123456789')))[0]?.name).toBe('Acme Widgets GmbH');

    // Another process's store (the running stack after `bm import`) sees it once it reads the pointer again.
    const other = await countedStore(table);
    expect((await other.store.vendor('V001'))?.name).toBe('Acme Widgets GmbH');
    await store.importMaster(master({ 'vendors.csv': VENDORS_CSV.replace('Acme GmbH', 'Acme Third GmbH') }));
    other.store.forgetMasterVersion();
    expect((await other.store.vendor('V001'))?.name).toBe('Acme Third GmbH');
  });
});
