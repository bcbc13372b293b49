/** Task ReadDocument: the stored document → its parts (canonical bills or reasons), stored; the state machine gets their key. */
import * as z from 'zod';
import { partsPrefix, storeParts, type PartsRef } from '../core/parts.ts';
import { readSubmission, type ReadDeps } from '../core/read-submission.ts';
import { submissionSchema } from '../core/submission-schema.ts';
import { awsDeps } from '../adapters/aws/deps.ts';
import { task } from '../shared/errors.ts';
import { lambdaEntry, workflowKeys } from '../shared/powertools.ts';

export const readDocumentEvent = z.object({ submission: submissionSchema });

export function makeHandler(deps: ReadDeps) {
  return task(async (event: unknown): Promise<PartsRef> => {
    const { submission } = readDocumentEvent.parse(event);
    return storeParts(partsPrefix(submission, 'read'), await readSubmission(submission, deps), deps.documents);
  });
}

let real: ReturnType<typeof makeHandler> | undefined;
/** The documents, and the table for the policy's limits (it reads the POLICY item only). */
const readDeps = (): ReadDeps => ({ get documents() { return awsDeps().documents; }, get store() { return awsDeps().store; } });
export const handler = lambdaEntry('read-document', (event: unknown) => (real ??= makeHandler(readDeps()))(event), {
  keys: workflowKeys,
  resultKeys: (r) => ({ parts: r.parts.length, needsExtraction: String(r.needs_extraction) }),
});
