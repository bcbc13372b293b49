/** Task ReadDocument: the stored document → its parts (canonical bills or reasons), stored; the state machine gets their key. */
import * as z from 'zod';
import { partsPrefix, storeParts, type PartsRef } from '../core/parts.ts';
import { readSubmission, type ReadDeps } from '../core/read-submission.ts';
import { submissionSchema } from '../core/submission-schema.ts';
import { DynamoDBClient } from '@aws-sdk/client-dynamodb';
import { config } from '../config.ts';
import { S3Client } from '@aws-sdk/client-s3';
import { S3DocumentStore } from '../adapters/aws/s3-documents.ts';
import { DynamoPolicyReader } from '../adapters/aws/policy-reader.ts';
import { task } from '../shared/errors.ts';
import { lambdaEntry, traced, workflowKeys } from '../shared/powertools.ts';

export const readDocumentEvent = z.object({ submission: submissionSchema });

export function makeHandler(deps: ReadDeps) {
  return task(async (event: unknown): Promise<PartsRef> => {
    const { submission } = readDocumentEvent.parse(event);
    return storeParts(partsPrefix(submission, 'read'), await readSubmission(submission, deps), deps.documents);
  });
}

let real: ReturnType<typeof makeHandler> | undefined;
/** The documents, and the table for the policy's limits (it reads the POLICY item only). */
let policy: DynamoPolicyReader | undefined;
let documents: S3DocumentStore | undefined;
// The documents, and of the table the policy only (its limits): not the whole store (adapters/aws/deps.ts).
const readDeps = (): ReadDeps => ({ get documents() { return (documents ??= new S3DocumentStore(config.documentBucket, traced(new S3Client({})))); }, get store() { return (policy ??= new DynamoPolicyReader({ tableName: config.tableName, client: traced(new DynamoDBClient({})) })); } });
export const handler = lambdaEntry('read-document', (event: unknown) => (real ??= makeHandler(readDeps()))(event), {
  keys: workflowKeys,
  resultKeys: (r) => ({ parts: r.parts.length, needsExtraction: String(r.needs_extraction) }),
});
