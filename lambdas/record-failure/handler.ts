/** Task RecordFailure: after retries, the bill (or document) goes to needs_review with the reason. */
import * as z from 'zod';
import type { DocumentStore } from '../core/ports/documents.ts';
import { billRef, loadPart, type BillRef } from '../core/parts.ts';
import type { Part } from '../core/submission.ts';
import { partSchema, recordFailure, submissionSchema, type DecideDeps } from '../core/submission.ts';
import { awsDeps } from '../adapters/aws/deps.ts';
import { task } from '../shared/errors.ts';
import { lambdaEntry, METRIC, workflowKeys } from '../shared/powertools.ts';

export const recordFailureEvent = z.object({
  submission: submissionSchema,
  /** Where the document's parts are (a bill's failure), with `part` its number; absent for the whole document. */
  parts_key: z.string().min(1).optional(),
  part: z.union([z.number().int().min(0), partSchema]).optional(),
  error: z.object({ Error: z.string().optional(), Cause: z.string().optional() }),
});

/**
 * EventBridge's "Step Functions Execution Status Change" for a document execution that ended
 * FAILED, TIMED_OUT or ABORTED (even its failure states could not record anything): the
 * execution's input names the submission, so its failure is recorded all the same.
 */
export const executionFailedEvent = z.object({
  source: z.literal('aws.states'),
  detail: z.object({ status: z.string(), input: z.string().nullable().optional(), error: z.string().nullable().optional(), cause: z.string().nullable().optional(), name: z.string().optional() }),
});

function fromExecutionEvent(event: z.infer<typeof executionFailedEvent>): z.infer<typeof recordFailureEvent> {
  const input = z.object({ submission: submissionSchema }).parse(JSON.parse(event.detail.input ?? 'null'));
  return { submission: input.submission, error: { Error: event.detail.error ?? `Execution${event.detail.status}`, Cause: event.detail.cause ?? `the execution ${event.detail.name ?? ''} ended ${event.detail.status}` } };
}

export function makeHandler(deps: DecideDeps & { documents: DocumentStore }) {
  return task(async (event: unknown): Promise<BillRef> => {
    const ended = executionFailedEvent.safeParse(event);
    const e = ended.success ? fromExecutionEvent(ended.data) : recordFailureEvent.parse(event);
    const row = await recordFailure({ submission: e.submission, error: e.error, ...(e.part === undefined ? {} : { part: await partOf(e.part, e.parts_key, deps.documents) }) }, deps);
    return billRef(row, e.submission, deps.now());
  });
}

/** The failed part as read; when even that cannot be loaded, a part that only has its number (the failure is recorded all the same). */
async function partOf(part: number | Part, partsKey: string | undefined, documents: DocumentStore): Promise<Part> {
  if (typeof part !== 'number') return part;
  try {
    if (partsKey) return await loadPart(partsKey, part, documents);
  } catch {
    // fall through
  }
  return { part, format: 'unknown', bill: null, exceptions: [], document_hash: `failed:${partsKey ?? 'document'}#${part}`, document_part: null, origin: null, email: null, needs_extraction: false, extraction: null };
}

let real: ReturnType<typeof makeHandler> | undefined;
export const handler = lambdaEntry('record-failure', (event: unknown) => (real ??= makeHandler(awsDeps()))(event), {
  keys: workflowKeys,
  resultKeys: (row) => ({ billId: row.bill_id, state: row.state }),
  metrics: (row, m) => {
    m.count(METRIC.processingFailures);
    m.count(METRIC.billsDecided, { state: row.state });
  },
});
