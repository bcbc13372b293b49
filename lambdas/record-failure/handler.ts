/** Task RecordFailure: after retries, the bill (or document) goes to needs_review with the reason. */
import * as z from 'zod';
import type { OutcomeRow } from '../core/output.ts';
import { partSchema, recordFailure, submissionSchema, type DecideDeps } from '../core/submission.ts';
import { awsDeps } from '../adapters/aws/deps.ts';
import { task } from '../shared/errors.ts';
import { lambdaEntry, METRIC, workflowKeys } from '../shared/powertools.ts';

export const recordFailureEvent = z.object({
  submission: submissionSchema,
  part: partSchema.optional(),
  error: z.object({ Error: z.string().optional(), Cause: z.string().optional() }),
});

export function makeHandler(deps: DecideDeps) {
  return task(async (event: unknown): Promise<OutcomeRow> => recordFailure(recordFailureEvent.parse(event), deps));
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
