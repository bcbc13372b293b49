/** A local table kept from before the month index (`bm start` keeps its database) gets the index when opened. */
import { randomUUID } from 'node:crypto';
import { CreateTableCommand, DescribeTableCommand } from '@aws-sdk/client-dynamodb';
import { describe, expect, it, inject } from 'vitest';
import { createBillsTableInput } from '../../lambdas/adapters/aws/table.ts';
import { localClient, openLocalStore } from '../../lambdas/adapters/local/local-stack.ts';

describe('opening a local table of an older version', () => {
  it('adds the month index it lacks, and the month query works', async () => {
    const name = `old-${randomUUID()}`;
    const input = createBillsTableInput(name);
    const client = localClient(inject('dynamoEndpoint'));
    try {
      await client.send(
        new CreateTableCommand({
          ...input,
          AttributeDefinitions: input.AttributeDefinitions!.filter((a) => !a.AttributeName!.startsWith('gsi2')),
          GlobalSecondaryIndexes: input.GlobalSecondaryIndexes!.filter((g) => g.IndexName === 'gsi1'),
        }),
      );
      const { store, client: c2 } = await openLocalStore(inject('dynamoEndpoint'), name);
      const indexes = (await client.send(new DescribeTableCommand({ TableName: name }))).Table!.GlobalSecondaryIndexes!.map((g) => g.IndexName).sort();
      expect(indexes).toEqual(['gsi1', 'gsi2']);
      expect(await store.monthItems('2026-03-01T00:00:00.000Z', '2026-04-01T00:00:00.000Z')).toEqual({ bills: [], events: [] });
      c2.destroy();
    } finally {
      client.destroy();
    }
  });
});
