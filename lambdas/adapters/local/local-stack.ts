/**
 * The local stack's database: DynamoDB Local with the bills table created from the one
 * table definition, and the same DynamoDB store the cloud uses.
 */
import { CreateTableCommand, DynamoDBClient } from '@aws-sdk/client-dynamodb';
import { DynamoBillStore, type CapacityMeter } from '../aws/dynamo-store.ts';
import { createBillsTableInput } from '../aws/table.ts';
import { LOCAL_CREDENTIALS, LOCAL_REGION, startDynamoDbLocal, type DynamoDbLocal } from './dynamodb-local.ts';

export interface LocalDatabase {
  readonly store: DynamoBillStore;
  readonly client: DynamoDBClient;
  readonly endpoint: string;
  stop(): Promise<void>;
}

export function localClient(endpoint: string): DynamoDBClient {
  return new DynamoDBClient({ endpoint, region: LOCAL_REGION, credentials: LOCAL_CREDENTIALS });
}

/** Creates the bills table (if absent) at a DynamoDB endpoint and returns a store on it. */
export async function openLocalStore(endpoint: string, tableName: string, capacity?: CapacityMeter): Promise<{ store: DynamoBillStore; client: DynamoDBClient }> {
  const client = localClient(endpoint);
  try {
    await client.send(new CreateTableCommand(createBillsTableInput(tableName)));
  } catch (err) {
    if ((err as Error).name !== 'ResourceInUseException') throw err;
  }
  return { store: new DynamoBillStore({ tableName, client, ...(capacity ? { capacity } : {}) }), client };
}

/** Starts a fresh DynamoDB Local (in memory unless `dbPath`) with the bills table. */
export async function startLocalDatabase(options: { dbPath?: string; capacity?: CapacityMeter } = {}): Promise<LocalDatabase> {
  const db: DynamoDbLocal = await startDynamoDbLocal(options.dbPath ? { dbPath: options.dbPath } : {});
  try {
    const { store, client } = await openLocalStore(db.endpoint, 'bills', options.capacity);
    return {
      store,
      client,
      endpoint: db.endpoint,
      async stop() {
        client.destroy();
        await db.stop();
      },
    };
  } catch (err) {
    await db.stop();
    throw err;
  }
}
