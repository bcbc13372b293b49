/** A local table kept from an older version (`bm start` keeps its database) gets the indexes it lacks when opened, and its items their keys. */
import { randomUUID } from 'node:crypto';
import { CreateTableCommand, DescribeTableCommand } from '@aws-sdk/client-dynamodb';
import { DynamoDBDocumentClient, PutCommand } from '@aws-sdk/lib-dynamodb';
import { describe, expect, it, inject } from 'vitest';
import { billItem } from '../../lambdas/adapters/aws/dynamo-store.ts';
import { BILLS_TABLE, createBillsTableInput } from '../../lambdas/adapters/aws/table.ts';
import { localClient, openLocalStore } from '../../lambdas/adapters/local/local-stack.ts';
import { generatedBill } from '../support/worklist-bills.ts';

describe('opening a local table of an older version', () => {
  it('adds the month index it lacks, and the month query works', async () => {
    const name = `old-${randomUUID()}`;
    const input = createBillsTableInput(name);
    const client = localClient(inject('dynamoEndpoint'));
    try {
      await client.send(
        new CreateTableCommand({
          ...input,
          AttributeDefinitions: input.AttributeDefinitions!.filter((a) => !a.AttributeName!.startsWith('gsi2') && !a.AttributeName!.startsWith('gsi3')),
          GlobalSecondaryIndexes: input.GlobalSecondaryIndexes!.filter((g) => g.IndexName === 'gsi1'),
        }),
      );
      const { store, client: c2 } = await openLocalStore(inject('dynamoEndpoint'), name);
      const indexes = (await client.send(new DescribeTableCommand({ TableName: name }))).Table!.GlobalSecondaryIndexes!.map((g) => g.IndexName).sort();
      expect(indexes).toEqual(['gsi1', 'gsi2', 'gsi3']);
      expect(await store.monthItems('2026-03-01T00:00:00.000Z', '2026-04-01T00:00:00.000Z')).toEqual({ bills: [], events: [] });
      c2.destroy();
    } finally {
      client.destroy();
    }
  });

  it('adds the worklist index and gives the bills written before it their worklist keys', async () => {
    const name = `old-${randomUUID()}`;
    const input = createBillsTableInput(name);
    const client = localClient(inject('dynamoEndpoint'));
    try {
      await client.send(
        new CreateTableCommand({
          ...input,
          AttributeDefinitions: input.AttributeDefinitions!.filter((a) => !a.AttributeName!.startsWith('gsi3')),
          GlobalSecondaryIndexes: input.GlobalSecondaryIndexes!.filter((g) => g.IndexName !== 'gsi3'),
        }),
      );
      // Bills as the older version wrote them: no worklist attributes, no search items.
      const doc = DynamoDBDocumentClient.from(client);
      const old = [generatedBill(1), generatedBill(2), generatedBill(3)];
      for (const b of old) {
        const item = billItem(b);
        for (const k of Object.keys(item)) if (k.startsWith('wl') || k.startsWith('gsi3')) delete item[k];
        item[BILLS_TABLE.gsi1.sortKey] = `${b.updated_at}#${b.bill_id}`;
        await doc.send(new PutCommand({ TableName: name, Item: item }));
      }
      const { store, client: c2 } = await openLocalStore(inject('dynamoEndpoint'), name);
      const page = await store.findBills({ sort: 'oldest' });
      expect(page.rows.map((r) => r.bill_id)).toEqual(old.map((b) => b.bill_id));
      expect((await store.findBills({ search: old[1]!.invoice_number! })).rows.map((r) => r.bill_id)).toEqual([old[1]!.bill_id]);
      c2.destroy();
    } finally {
      client.destroy();
    }
  });
});
