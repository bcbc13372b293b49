/** Task ReadDocument: the stored document → its parts (canonical bills or reasons), stored; the state machine gets their key. */
import * as z from 'zod';
import type { DocumentStore } from '../core/ports/documents.ts';
import { partsPrefix, storeParts, type PartsRef } from '../core/parts.ts';
import { readSubmission } from '../core/read-submission.ts';
import { submissionSchema } from '../core/submission.ts';
import { awsDeps } from '../adapters/aws/deps.ts';
import { task } from '../shared/errors.ts';
import { lambdaEntry, workflowKeys } from '../shared/powertools.ts';

export const readDocumentEvent = z.object({ submission: submissionSchema });

export function makeHandler(deps: { documents: DocumentStore }) {
  return task(async (event: unknown): Promise<PartsRef> => {
    const { submission } = readDocumentEvent.parse(event);
    return storeParts(partsPrefix(submission, 'read'), await readSubmission(submission, deps), deps.documents);
  });
}

let real: ReturnType<typeof makeHandler> | undefined;
export const handler = lambdaEntry('read-document', (event: unknown) => (real ??= makeHandler(awsDeps()))(event), {
  keys: workflowKeys,
  resultKeys: (r) => ({ parts: r.parts.length, needsExtraction: String(r.needs_extraction) }),
});
