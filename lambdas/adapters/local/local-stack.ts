/**
 * The local stack's database: DynamoDB Local with the bills table created from the one
 * table definition, and the same DynamoDB store the cloud uses.
 */
import { CreateTableCommand, DescribeTableCommand, DynamoDBClient, UpdateTableCommand } from '@aws-sdk/client-dynamodb';
import { DynamoBillStore, type CapacityMeter } from '../aws/dynamo-store.ts';
import { createBillsTableInput } from '../aws/table.ts';
import { LOCAL_CREDENTIALS, LOCAL_REGION, startDynamoDbLocal, type DynamoDbLocal } from './dynamodb-local.ts';

export interface LocalDatabase {
  readonly store: DynamoBillStore;
  readonly client: DynamoDBClient;
  readonly endpoint: string;
  stop(): Promise<void>;
}

/**
 * Steps of the SDK's client that do nothing for DynamoDB Local: the logger's (this client has no
 * logger, yet it filtered every input and output for one), the user agent's (a header DynamoDB
 * Local does not read) and the trace header's (set only inside Lambda). Without them a small
 * request costs Node 15 % less CPU (docs/benchmarks.md#b7).
 */
const UNUSED_LOCALLY = ['loggerMiddleware', 'getUserAgentMiddleware', 'recursionDetectionMiddleware'];

/**
 * A client of the local DynamoDB. DynamoDB Local never checks a request's signature: it reads the
 * access key id and region from the Authorization header, to pick its database, and nothing else.
 * So the client sends that header, fixed, instead of signing every request with SigV4 — a quarter
 * of the Node CPU of a small request (0.74 → 0.53 CPU-ms a GetItem; docs/benchmarks.md). The
 * database listens on loopback only (`dynamodb-local.ts`); no signature ever protected it.
 */
export function localClient(endpoint: string): DynamoDBClient {
  const client = new DynamoDBClient({ endpoint, region: LOCAL_REGION, credentials: LOCAL_CREDENTIALS, signer: LOCAL_SIGNER });
  for (const name of UNUSED_LOCALLY) client.middlewareStack.remove(name);
  return client;
}

/**
 * The credential scope alone: DynamoDB Local takes the access key id and region from it (they
 * name its database file) and needs nothing else of the header.
 */
const LOCAL_AUTHORIZATION = `AWS4-HMAC-SHA256 Credential=${LOCAL_CREDENTIALS.accessKeyId}/20260101/${LOCAL_REGION}/dynamodb/aws4_request`;

/**
 * Headers the SDK's retry step adds for AWS's own telemetry (an id per invocation, the attempt
 * number; the user agent's are not set at all, its step being left out). DynamoDB Local reads
 * none of them; without them and with the shorter Authorization header, a small request costs it
 * 5–9 % less CPU (docs/benchmarks.md#b7).
 */
const TELEMETRY_HEADERS = ['amz-sdk-invocation-id', 'amz-sdk-request'];

/** The header DynamoDB Local reads, without the signature (nor its date) it does not check. */
const LOCAL_SIGNER = {
  sign: async <R extends { headers: Record<string, string> }>(request: R): Promise<R> => {
    for (const h of TELEMETRY_HEADERS) delete request.headers[h];
    request.headers.authorization = LOCAL_AUTHORIZATION;
    return request;
  },
};

/** Creates the bills table (if absent) at a DynamoDB endpoint and returns a store on it. */
export async function openLocalStore(endpoint: string, tableName: string, capacity?: CapacityMeter): Promise<{ store: DynamoBillStore; client: DynamoDBClient }> {
  const client = localClient(endpoint);
  try {
    await client.send(new CreateTableCommand(createBillsTableInput(tableName)));
  } catch (err) {
    if ((err as Error).name !== 'ResourceInUseException') throw err;
    const added = await addMissingIndexes(client, tableName);
    // Items written before the worklist index carry no keys for it: give them theirs, once.
    if (added.includes('gsi3')) await new DynamoBillStore({ tableName, client }).backfillWorklist();
  }
  return { store: new DynamoBillStore({ tableName, client, ...(capacity ? { capacity } : {}) }), client };
}

/**
 * A table kept from an older version (`bm start` keeps its database) gets the indexes it lacks,
 * as a deployed table does on update. Items written before carry no keys for them.
 */
async function addMissingIndexes(client: DynamoDBClient, tableName: string): Promise<string[]> {
  const added: string[] = [];
  const want = createBillsTableInput(tableName);
  const table = (await client.send(new DescribeTableCommand({ TableName: tableName }))).Table;
  const have = new Set((table?.GlobalSecondaryIndexes ?? []).map((g) => g.IndexName));
  for (const index of want.GlobalSecondaryIndexes ?? []) {
    if (have.has(index.IndexName)) continue;
    added.push(index.IndexName!);
    const names = new Set(index.KeySchema!.map((k) => k.AttributeName));
    await client.send(
      new UpdateTableCommand({
        TableName: tableName,
        AttributeDefinitions: want.AttributeDefinitions!.filter((a) => names.has(a.AttributeName)),
        GlobalSecondaryIndexUpdates: [{ Create: { IndexName: index.IndexName, KeySchema: index.KeySchema, Projection: index.Projection } }],
      }),
    );
    // Queries on an index still being built fail: wait until it is active (bounded).
    for (let i = 0; i < 100; i++) {
      const t = (await client.send(new DescribeTableCommand({ TableName: tableName }))).Table;
      if (t?.GlobalSecondaryIndexes?.find((g) => g.IndexName === index.IndexName)?.IndexStatus === 'ACTIVE') break;
      await new Promise((r) => setTimeout(r, 100));
    }
  }
  return added;
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
