/** Task DecideBill: validate, resolve, match, gate and route one bill; one transaction. */
import * as z from 'zod';
import type { OutcomeRow } from '../core/output.ts';
import { decideSubmittedBill, partSchema, submissionSchema, type DecideDeps } from '../core/submission.ts';
import { awsDeps } from '../adapters/aws/deps.ts';
import { task } from '../shared/errors.ts';
import { lambdaEntry, METRIC, workflowKeys } from '../shared/powertools.ts';

export const decideBillEvent = z.object({ submission: submissionSchema, part: partSchema });

export function makeHandler(deps: DecideDeps) {
  return task(async (event: unknown): Promise<OutcomeRow> => decideSubmittedBill(decideBillEvent.parse(event), deps));
}

let real: ReturnType<typeof makeHandler> | undefined;
export const handler = lambdaEntry('decide-bill', (event: unknown) => (real ??= makeHandler(awsDeps()))(event), {
  keys: workflowKeys,
  resultKeys: (row) => ({ billId: row.bill_id, vendorId: row.vendor_id ?? undefined, state: row.state }),
  metrics: (row, m) => m.count(METRIC.billsDecided, { state: row.state }),
});
