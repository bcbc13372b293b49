/**
 * The store's reads on DynamoDB Local: items asked for together go out as one BatchGetItem (at
 * most 100 keys each, the same key once), each answered as its own GetItem would be; and the
 * bill record, now deflated with its preset dictionary, still reads when written with Brotli at
 * quality 11 or 10 (every record stored before).
 */
import { createHash, randomUUID } from 'node:crypto';
import { brotliCompressSync, constants, deflateSync, inflateSync } from 'node:zlib';
import { DynamoDBDocumentClient, PutCommand } from '@aws-sdk/lib-dynamodb';
import { describe, expect, inject, it } from 'vitest';
import { billItem, RECORD_DICTIONARY_ID } from '../../lambdas/adapters/aws/dynamo-store.ts';
import { RECORD_DICTIONARY } from '../../lambdas/adapters/aws/record-dictionary.ts';
import { openLocalStore } from '../../lambdas/adapters/local/local-stack.ts';
import type { BillRecord } from '../../lambdas/core/ports/store.ts';
import { generatedBill } from '../support/worklist-bills.ts';

async function countedStore() {
  const tableName = `t-${randomUUID()}`;
  const { store, client } = await openLocalStore(inject('dynamoEndpoint'), tableName);
  const sent: { command: string; keys: number }[] = [];
  client.middlewareStack.add(
    (next, context) => async (args) => {
      const input = args.input as { RequestItems?: Record<string, { Keys?: unknown[] }> };
      const keys = input.RequestItems ? Object.values(input.RequestItems).reduce((n, r) => n + (r.Keys?.length ?? 0), 0) : 1;
      sent.push({ command: String((context as { commandName?: string }).commandName), keys });
      return next(args);
    },
    { step: 'initialize', name: 'countRequests' },
  );
  return { store, client, tableName, sent };
}

describe('store reads (DynamoDB Local)', () => {
  it('sends reads asked for together as one BatchGetItem of at most 100 keys, each answered as a GetItem would be', async () => {
    const { store, client, tableName, sent } = await countedStore();
    const doc = DynamoDBDocumentClient.from(client);
    const stored = [generatedBill(1), generatedBill(2), generatedBill(3)];
    for (const b of stored) await doc.send(new PutCommand({ TableName: tableName, Item: billItem(b) }));
    sent.length = 0;

    // 150 bills asked for at once, three of them stored, one of those asked for twice.
    const ids = [...Array.from({ length: 147 }, (_, i) => `b-missing-${i}`), ...stored.map((b) => b.bill_id)];
    const read = await Promise.all([...ids, stored[0]!.bill_id].map((id) => store.getBill(id)));
    expect(read.slice(0, 147).every((b) => b === null)).toBe(true);
    expect(read.slice(147).map((b) => b?.bill_id)).toEqual([...stored.map((b) => b.bill_id), stored[0]!.bill_id]);
    expect(read[147]).toEqual(stored[0]);
    expect(sent).toEqual([
      { command: 'BatchGetItemCommand', keys: 100 },
      { command: 'BatchGetItemCommand', keys: 50 },
    ]);

    // One read alone is a GetItem; reads one after another are not held back for each other.
    sent.length = 0;
    expect((await store.getBill(stored[1]!.bill_id))?.invoice_number).toBe(stored[1]!.invoice_number);
    expect(await store.getBill('b-missing-x')).toBeNull();
    expect(sent.map((s) => s.command)).toEqual(['GetItemCommand', 'GetItemCommand']);
    client.destroy();
  });

  it('a failed batch fails every read in it', async () => {
    const { store, client } = await countedStore();
    client.middlewareStack.add(
      (next, context) => async (args) => {
        if ((context as { commandName?: string }).commandName === 'BatchGetItemCommand') throw new Error('ECONNRESET (injected)');
        return next(args);
      },
      { step: 'initialize', name: 'failBatches' },
    );
    const reads = await Promise.allSettled([store.getBill('b-1'), store.getBill('b-2')]);
    expect(reads.map((r) => (r.status === 'rejected' ? String(r.reason) : 'fulfilled'))).toEqual(['Error: ECONNRESET (injected)', 'Error: ECONNRESET (injected)']);
    // The next read goes out on its own, unharmed.
    expect(await store.getBill('b-3')).toBeNull();
    client.destroy();
  });

  it('writes the bill record deflated with its pinned dictionary, and reads records written with Brotli as before', async () => {
    const { store, client, tableName } = await countedStore();
    const doc = DynamoDBDocumentClient.from(client);
    const b: BillRecord = generatedBill(7);
    const json = Buffer.from(JSON.stringify(b));
    const item = billItem(b);
    // The dictionary never changes: records written with it are read with it.
    expect(createHash('sha256').update(RECORD_DICTIONARY).digest('hex')).toBe('ed85a1654e83cea9ea5ca30aec2a8d654a55cf288e47c56fbd0c0e50b10589eb');
    const detail = Buffer.from(item.detail as Uint8Array);
    expect(detail.readUInt32BE(2)).toBe(RECORD_DICTIONARY_ID);
    expect(JSON.parse(inflateSync(detail, { dictionary: Buffer.from(RECORD_DICTIONARY) }).toString('utf8'))).toEqual(b);
    expect(detail.length).toBeLessThan(brotliCompressSync(json, { params: { [constants.BROTLI_PARAM_QUALITY]: 10 } }).length);
    await doc.send(new PutCommand({ TableName: tableName, Item: item }));
    expect(await store.getBill(b.bill_id)).toEqual(b);

    // Records stored before: the same items, their detail compressed with Brotli at quality 11 (its default) and 10.
    for (const quality of [11, 10]) {
      const old: BillRecord = { ...generatedBill(8), bill_id: `b-written-at-${quality}` };
      const brotli = brotliCompressSync(Buffer.from(JSON.stringify(old)), { params: { [constants.BROTLI_PARAM_QUALITY]: quality } });
      await doc.send(new PutCommand({ TableName: tableName, Item: { ...billItem(old), detail: brotli } }));
      expect(await store.getBill(old.bill_id)).toEqual(old);
    }

    // A record written with another dictionary is refused by name, not misread.
    const other: BillRecord = { ...generatedBill(9), bill_id: 'b-other-dictionary' };
    const foreign = deflateSync(Buffer.from(JSON.stringify(other)), { dictionary: Buffer.from('{"bill_id":"","state":""}') });
    await doc.send(new PutCommand({ TableName: tableName, Item: { ...billItem(other), detail: foreign } }));
    await expect(store.getBill(other.bill_id)).rejects.toThrow(/BILL#b-other-dictionary: the bill record was written with an unknown dictionary/);
    client.destroy();
  });
});
