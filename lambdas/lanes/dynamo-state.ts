/** The lanes' state in the bills table (DynamoDB in AWS, DynamoDB Local on a laptop and in tests). */
import { ConditionalCheckFailedException, DynamoDBClient } from '@aws-sdk/client-dynamodb';
import { DynamoDBDocumentClient, GetCommand, PutCommand, QueryCommand } from '@aws-sdk/lib-dynamodb';
import { LaneConflictError, type LaneState, type Stored } from './state.ts';

export class DynamoLaneState implements LaneState {
  private readonly doc: DynamoDBDocumentClient;
  private readonly tableName: string;

  constructor(options: { tableName: string; client?: DynamoDBClient }) {
    this.tableName = options.tableName;
    this.doc = DynamoDBDocumentClient.from(options.client ?? new DynamoDBClient({}), { marshallOptions: { removeUndefinedValues: true } });
  }

  async get<T>(pk: string, sk: string): Promise<Stored<T> | null> {
    const r = await this.doc.send(new GetCommand({ TableName: this.tableName, Key: { pk, sk }, ConsistentRead: true }));
    if (!r.Item) return null;
    return { value: JSON.parse(r.Item.data as string) as T, version: r.Item.version as number };
  }

  async put<T>(pk: string, sk: string, value: T, expectedVersion: number): Promise<void> {
    try {
      await this.doc.send(
        new PutCommand({
          TableName: this.tableName,
          Item: { pk, sk, data: JSON.stringify(value), version: expectedVersion + 1 },
          ConditionExpression: expectedVersion === 0 ? 'attribute_not_exists(pk)' : '#v = :v',
          ...(expectedVersion === 0 ? {} : { ExpressionAttributeNames: { '#v': 'version' }, ExpressionAttributeValues: { ':v': expectedVersion } }),
        }),
      );
    } catch (err) {
      if (err instanceof ConditionalCheckFailedException || (err as Error).name === 'ConditionalCheckFailedException') {
        throw new LaneConflictError(`${pk} ${sk} changed meanwhile (expected version ${expectedVersion})`);
      }
      throw err;
    }
  }

  async record<T>(pk: string, sk: string, value: T): Promise<void> {
    await this.doc.send(new PutCommand({ TableName: this.tableName, Item: { pk, sk, data: JSON.stringify(value), version: 1 } }));
  }

  async list<T>(pk: string, skPrefix = ''): Promise<{ sk: string; value: T }[]> {
    const out: { sk: string; value: T }[] = [];
    let start: Record<string, unknown> | undefined;
    do {
      const r = await this.doc.send(
        new QueryCommand({
          TableName: this.tableName,
          KeyConditionExpression: skPrefix ? 'pk = :pk AND begins_with(sk, :p)' : 'pk = :pk',
          ExpressionAttributeValues: skPrefix ? { ':pk': pk, ':p': skPrefix } : { ':pk': pk },
          ConsistentRead: true,
          ExclusiveStartKey: start,
        }),
      );
      for (const i of r.Items ?? []) out.push({ sk: i.sk as string, value: JSON.parse(i.data as string) as T });
      start = r.LastEvaluatedKey;
    } while (start);
    return out;
  }
}
