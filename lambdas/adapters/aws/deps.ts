/** The real dependencies of the Lambda handlers, built once per container from the environment. */
import { DynamoDBClient } from '@aws-sdk/client-dynamodb';
import { config } from '../../config.ts';
import { DynamoBillStore } from './dynamo-store.ts';
import { S3DocumentStore } from './s3-documents.ts';

let cached: { store: DynamoBillStore; documents: S3DocumentStore; now: () => number } | undefined;

export function awsDeps() {
  cached ??= {
    store: new DynamoBillStore({ tableName: config.tableName, client: new DynamoDBClient({}) }),
    documents: new S3DocumentStore(config.documentBucket),
    now: () => Date.now(),
  };
  return cached;
}
