/** Task RequestApproval (.waitForTaskToken): email the approvers, keep the token on the bill. */
import * as z from 'zod';
import { requestApproval, type DeskDeps } from '../core/approval-desk.ts';
import { notifyPeople, type NotifyDeps } from '../core/notify.ts';
import { submissionSchema } from '../core/submission-schema.ts';
import { task } from '../shared/errors.ts';
import { lambdaEntry, workflowKeys } from '../shared/powertools.ts';

export const approvalDeskEvent = z.object({ bill_id: z.string().min(1), task_token: z.string().min(1) });

/** Task NotifyPeople: the submission and its decided bills (receipt, review links). */
export const notifyEvent = z.object({ notify: z.object({ submission: submissionSchema, bills: z.array(z.union([z.string().min(1).transform((bill_id) => ({ bill_id })), z.object({ bill_id: z.string().min(1) }).passthrough()])) }) });

export function makeHandler(deps: DeskDeps & Partial<Pick<NotifyDeps, 'apInbox' | 'billUrl'>>) {
  return task(async (event: unknown): Promise<{ requested: boolean } | { receipt: string | null; reviews: number }> => {
    if (event && typeof event === 'object' && 'notify' in event) return notifyPeople(notifyEvent.parse(event).notify, deps);
    return { requested: await requestApproval(approvalDeskEvent.parse(event), deps) };
  });
}

let real: Promise<ReturnType<typeof makeHandler>> | undefined;
export const handler = lambdaEntry(
  'approval-desk',
  async (event: unknown) => {
    const { deskDeps } = await import('../adapters/aws/approval-deps.ts');
    return (await (real ??= deskDeps().then(makeHandler)))(event);
  },
  // The bill id only: the task token is a credential for resuming the workflow.
  { keys: workflowKeys, resultKeys: (r) => ('requested' in r ? { requested: String(r.requested) } : { reviews: r.reviews }) },
);
