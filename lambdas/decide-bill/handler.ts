/** Task DecideBill: validate, resolve, match, gate and route one bill; one transaction. */
import { z } from 'zod';
import type { OutcomeRow } from '../core/output.ts';
import { decideSubmittedBill, partSchema, submissionSchema, type DecideDeps } from '../core/submission.ts';
import { awsDeps } from '../adapters/aws/deps.ts';
import { task } from '../shared/errors.ts';

export const decideBillEvent = z.object({ submission: submissionSchema, part: partSchema });

export function makeHandler(deps: DecideDeps) {
  return task(async (event: unknown): Promise<OutcomeRow> => decideSubmittedBill(decideBillEvent.parse(event), deps));
}

let real: ReturnType<typeof makeHandler> | undefined;
export const handler = (event: unknown) => (real ??= makeHandler(awsDeps()))(event);
