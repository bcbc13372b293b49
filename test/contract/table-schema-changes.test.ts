/**
 * DynamoDB Local parses each table's stored schema once per version (the launcher's TableSchemas):
 * a table whose schema changes is read with its new schema at once. A cache keyed by the table's
 * name, or one that handed out the object it keeps, would fail these: an index added to a table
 * in use, a table deleted and created again under the same name with other keys, time to live
 * switched on, and an index taken away.
 */
import { randomUUID } from 'node:crypto';
import {
  CreateTableCommand,
  DeleteTableCommand,
  DescribeTableCommand,
  DescribeTimeToLiveCommand,
  GetItemCommand,
  PutItemCommand,
  QueryCommand,
  UpdateTableCommand,
  UpdateTimeToLiveCommand,
  type DynamoDBClient,
} from '@aws-sdk/client-dynamodb';
import { afterAll, describe, expect, inject, it } from 'vitest';
import { localClient } from '../../lambdas/adapters/local/local-stack.ts';

const S = (s: string) => ({ S: s });

async function untilActive(client: DynamoDBClient, name: string): Promise<void> {
  for (let i = 0; i < 200; i++) {
    const t = (await client.send(new DescribeTableCommand({ TableName: name }))).Table!;
    if (t.TableStatus === 'ACTIVE' && (t.GlobalSecondaryIndexes ?? []).every((g) => g.IndexStatus === 'ACTIVE')) return;
    await new Promise((r) => setTimeout(r, 50));
  }
  throw new Error(`table ${name} did not become active within 10 s`);
}

async function byColour(client: DynamoDBClient, name: string, colour: string): Promise<string[]> {
  const out = await client.send(new QueryCommand({ TableName: name, IndexName: 'colour', KeyConditionExpression: 'colour = :c', ExpressionAttributeValues: { ':c': S(colour) } }));
  return (out.Items ?? []).map((i) => i.pk!.S!).sort();
}

describe('a table whose schema changes while DynamoDB Local runs', () => {
  const client = localClient(inject('dynamoEndpoint'));
  afterAll(() => client.destroy());

  it('is read with its new schema at once: an index added and taken away, time to live, the table created again with other keys', async () => {
    const name = `schema-${randomUUID()}`;
    await client.send(
      new CreateTableCommand({
        TableName: name,
        BillingMode: 'PAY_PER_REQUEST',
        AttributeDefinitions: [{ AttributeName: 'pk', AttributeType: 'S' }],
        KeySchema: [{ AttributeName: 'pk', KeyType: 'HASH' }],
      }),
    );
    // Read and written many times under the first schema.
    for (const pk of ['a', 'b', 'c']) await client.send(new PutItemCommand({ TableName: name, Item: { pk: S(pk), colour: S(pk === 'c' ? 'blue' : 'red') } }));
    expect((await client.send(new GetItemCommand({ TableName: name, Key: { pk: S('a') }, ConsistentRead: true }))).Item?.colour).toEqual(S('red'));

    // An index added to the table in use: the items before it and after it are in it.
    await client.send(
      new UpdateTableCommand({
        TableName: name,
        AttributeDefinitions: [{ AttributeName: 'colour', AttributeType: 'S' }],
        GlobalSecondaryIndexUpdates: [{ Create: { IndexName: 'colour', KeySchema: [{ AttributeName: 'colour', KeyType: 'HASH' }], Projection: { ProjectionType: 'KEYS_ONLY' } } }],
      }),
    );
    await untilActive(client, name);
    await client.send(new PutItemCommand({ TableName: name, Item: { pk: S('d'), colour: S('red') } }));
    expect(await byColour(client, name, 'red')).toEqual(['a', 'b', 'd']);
    expect(await byColour(client, name, 'blue')).toEqual(['c']);
    // Its key attribute now has a type: a number where the index wants a string is refused.
    await expect(client.send(new PutItemCommand({ TableName: name, Item: { pk: S('e'), colour: { N: '1' } } }))).rejects.toThrow(/colour|type|mismatch/i);

    // Time to live switched on is kept and described.
    await client.send(new UpdateTimeToLiveCommand({ TableName: name, TimeToLiveSpecification: { Enabled: true, AttributeName: 'expires' } }));
    expect((await client.send(new DescribeTimeToLiveCommand({ TableName: name }))).TimeToLiveDescription?.AttributeName).toBe('expires');
    await client.send(new PutItemCommand({ TableName: name, Item: { pk: S('f'), colour: S('red'), expires: { N: '4102444800' } } }));
    expect(await byColour(client, name, 'red')).toEqual(['a', 'b', 'd', 'f']);

    // The index taken away: querying it is refused, the table still answers.
    await client.send(new UpdateTableCommand({ TableName: name, GlobalSecondaryIndexUpdates: [{ Delete: { IndexName: 'colour' } }] }));
    await untilActive(client, name);
    await expect(byColour(client, name, 'red')).rejects.toThrow(/index/i);
    expect((await client.send(new GetItemCommand({ TableName: name, Key: { pk: S('d') }, ConsistentRead: true }))).Item?.colour).toEqual(S('red'));

    // Deleted and created again under the same name, with a number key and a sort key.
    await client.send(new DeleteTableCommand({ TableName: name }));
    await client.send(
      new CreateTableCommand({
        TableName: name,
        BillingMode: 'PAY_PER_REQUEST',
        AttributeDefinitions: [
          { AttributeName: 'pk', AttributeType: 'N' },
          { AttributeName: 'sk', AttributeType: 'S' },
        ],
        KeySchema: [
          { AttributeName: 'pk', KeyType: 'HASH' },
          { AttributeName: 'sk', KeyType: 'RANGE' },
        ],
      }),
    );
    await client.send(new PutItemCommand({ TableName: name, Item: { pk: { N: '7' }, sk: S('x'), v: S('new') } }));
    expect((await client.send(new GetItemCommand({ TableName: name, Key: { pk: { N: '7' }, sk: S('x') }, ConsistentRead: true }))).Item?.v).toEqual(S('new'));
    // The old key shape is refused: a string key, and a key without its sort key.
    await expect(client.send(new PutItemCommand({ TableName: name, Item: { pk: S('a'), sk: S('x') } }))).rejects.toThrow(/type|mismatch|key/i);
    await expect(client.send(new GetItemCommand({ TableName: name, Key: { pk: { N: '7' } } }))).rejects.toThrow(/key/i);
    await client.send(new DeleteTableCommand({ TableName: name }));
  });
});
