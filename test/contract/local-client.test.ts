/**
 * The local stack's DynamoDB client sends DynamoDB Local the access key and region it reads, not
 * a SigV4 signature it never checks, nor the SDK's telemetry headers: what it writes is in the
 * same database a signing client sees, and the other way round.
 */
import { randomUUID } from 'node:crypto';
import { DescribeTableCommand, DynamoDBClient, GetItemCommand, PutItemCommand } from '@aws-sdk/client-dynamodb';
import { describe, expect, inject, it } from 'vitest';
import { openLocalStore } from '../../lambdas/adapters/local/local-stack.ts';
import { LOCAL_CREDENTIALS, LOCAL_REGION } from '../../lambdas/adapters/local/dynamodb-local.ts';

describe('the local DynamoDB client', () => {
  it('sends a fixed Authorization header, and shares its database with a signing client', async () => {
    const endpoint = inject('dynamoEndpoint');
    const tableName = `t-${randomUUID()}`;
    // The table is created by the local client.
    const { client } = await openLocalStore(endpoint, tableName);
    const sent: Record<string, string>[] = [];
    client.middlewareStack.add(
      (next) => async (args) => {
        sent.push({ ...(args.request as { headers: Record<string, string> }).headers });
        return next(args);
      },
      { step: 'deserialize', name: 'seeHeaders' },
    );
    // A client that signs with SigV4 (the SDK's default), same endpoint, key and region.
    const signing = new DynamoDBClient({ endpoint, region: LOCAL_REGION, credentials: LOCAL_CREDENTIALS });
    expect((await signing.send(new DescribeTableCommand({ TableName: tableName }))).Table?.TableStatus).toBe('ACTIVE');
    const key = (pk: string) => ({ pk: { S: pk }, sk: { S: 'X' } });
    await client.send(new PutItemCommand({ TableName: tableName, Item: { ...key('from-local'), v: { S: 'a' } } }));
    await signing.send(new PutItemCommand({ TableName: tableName, Item: { ...key('from-signed'), v: { S: 'b' } } }));
    expect((await signing.send(new GetItemCommand({ TableName: tableName, Key: key('from-local'), ConsistentRead: true }))).Item?.v).toEqual({ S: 'a' });
    expect((await client.send(new GetItemCommand({ TableName: tableName, Key: key('from-signed'), ConsistentRead: true }))).Item?.v).toEqual({ S: 'b' });
    expect(sent).toHaveLength(2);
    // The SDK's steps that do nothing locally (a logger's filter, the user agent, the Lambda trace header) are not run.
    expect(client.middlewareStack.identify().join('\n')).not.toMatch(/loggerMiddleware|getUserAgentMiddleware|recursionDetectionMiddleware/);
    for (const h of sent) {
      // Nor the SDK's telemetry headers, which DynamoDB Local would only parse.
      for (const telemetry of ['user-agent', 'x-amz-user-agent', 'amz-sdk-invocation-id', 'amz-sdk-request']) expect(h).not.toHaveProperty(telemetry);
      expect(h['x-amz-target']).toMatch(/^DynamoDB_20120810\./);
      expect(h.authorization).toBe(`AWS4-HMAC-SHA256 Credential=${LOCAL_CREDENTIALS.accessKeyId}/20260101/${LOCAL_REGION}/dynamodb/aws4_request`);
      expect(h).not.toHaveProperty('x-amz-date');
    }
    signing.destroy();
    client.destroy();
  });
});
