/** Task ReadDocument: the stored document → its parts (canonical bills or reasons). */
import * as z from 'zod';
import { readSubmission, type ReadDeps } from '../core/read-submission.ts';
import { submissionSchema, type ReadOutcome } from '../core/submission.ts';
import { awsDeps } from '../adapters/aws/deps.ts';
import { task } from '../shared/errors.ts';
import { lambdaEntry, workflowKeys } from '../shared/powertools.ts';

export const readDocumentEvent = z.object({ submission: submissionSchema });

export function makeHandler(deps: ReadDeps) {
  return task(async (event: unknown): Promise<ReadOutcome> => readSubmission(readDocumentEvent.parse(event).submission, deps));
}

let real: ReturnType<typeof makeHandler> | undefined;
/** The documents, and the table for the policy's limits (it reads the POLICY item only). */
const readDeps = (): ReadDeps => ({ get documents() { return awsDeps().documents; }, get store() { return awsDeps().store; } });
export const handler = lambdaEntry('read-document', (event: unknown) => (real ??= makeHandler(readDeps()))(event), {
  keys: workflowKeys,
  resultKeys: (r) => ({ parts: r.parts.length, needsExtraction: String(r.needs_extraction) }),
});
