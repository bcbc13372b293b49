/**
 * The real dependencies of the Lambda handlers, built once per container from the environment.
 * Each is built on first use, so that a function reads only the variables it is given (the
 * decision functions have no document bucket, the document reader no table).
 */
import { DynamoDBClient } from '@aws-sdk/client-dynamodb';
import { S3Client } from '@aws-sdk/client-s3';
import { config } from '../../config.ts';
import { traced } from '../../shared/powertools.ts';
import { DynamoBillStore } from './dynamo-store.ts';
import { S3DocumentStore } from './s3-documents.ts';

export interface AwsDeps {
  readonly store: DynamoBillStore;
  readonly documents: S3DocumentStore;
  readonly now: () => number;
}

let store: DynamoBillStore | undefined;
let documents: S3DocumentStore | undefined;

// SDK clients are traced by X-Ray in Lambda only (`traced` is the identity elsewhere).
const deps: AwsDeps = {
  get store() {
    return (store ??= new DynamoBillStore({ tableName: config.tableName, client: traced(new DynamoDBClient({})) }));
  },
  get documents() {
    return (documents ??= new S3DocumentStore(config.documentBucket, traced(new S3Client({}))));
  },
  now: () => Date.now(),
};

export function awsDeps(): AwsDeps {
  return deps;
}
