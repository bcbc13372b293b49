/** Task DecideBill: validate, resolve, match, gate and route one bill (loaded by its key); one transaction. */
import * as z from 'zod';
import type { DocumentStore } from '../core/ports/documents.ts';
import type { OutcomeRow } from '../core/output.ts';
import { billRef, loadPart, type BillRef } from '../core/parts.ts';
import { decideSubmittedBill, submissionSchema, type DecideDeps, type DecideOptions } from '../core/submission.ts';
import { awsDeps } from '../adapters/aws/deps.ts';
import { task } from '../shared/errors.ts';
import { lambdaEntry, METRIC, workflowKeys } from '../shared/powertools.ts';

/** The part by reference: where the parts are and which one. */
export const decideBillEvent = z.object({ submission: submissionSchema, parts_key: z.string().min(1), part: z.number().int().min(0) });

/**
 * `onDecided`: the local workflow keeps the decided bill's row for its outcome (no read of the bill again).
 * `options.turn`: the local workflow's turn to record the bill (decided ahead, committed in turn).
 */
export function makeHandler(deps: DecideDeps & { documents: DocumentStore; onDecided?: (row: OutcomeRow, submissionId: string) => void }) {
  return task(async (event: unknown, options?: DecideOptions): Promise<BillRef> => {
    const { submission, parts_key, part } = decideBillEvent.parse(event);
    const row = await decideSubmittedBill({ submission, part: await loadPart(parts_key, part, deps.documents) }, deps, options);
    deps.onDecided?.(row, submission.id);
    return billRef(row, submission, deps.now());
  });
}

let real: ReturnType<typeof makeHandler> | undefined;
export const handler = lambdaEntry('decide-bill', (event: unknown) => (real ??= makeHandler(awsDeps()))(event), {
  keys: workflowKeys,
  resultKeys: (row) => ({ billId: row.bill_id, state: row.state }),
  metrics: (row, m) => m.count(METRIC.billsDecided, { state: row.state }),
});
