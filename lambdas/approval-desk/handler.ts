/** Task RequestApproval (.waitForTaskToken): email the approvers, keep the token on the bill. */
import * as z from 'zod';
import { requestApproval, type DeskDeps } from '../core/approval-desk.ts';
import { task } from '../shared/errors.ts';
import { lambdaEntry, workflowKeys } from '../shared/powertools.ts';

export const approvalDeskEvent = z.object({ bill_id: z.string().min(1), task_token: z.string().min(1) });

export function makeHandler(deps: DeskDeps) {
  return task(async (event: unknown): Promise<{ requested: boolean }> => ({ requested: await requestApproval(approvalDeskEvent.parse(event), deps) }));
}

let real: Promise<ReturnType<typeof makeHandler>> | undefined;
export const handler = lambdaEntry(
  'approval-desk',
  async (event: unknown) => {
    const { deskDeps } = await import('../adapters/aws/approval-deps.ts');
    return (await (real ??= deskDeps().then(makeHandler)))(event);
  },
  // The bill id only: the task token is a credential for resuming the workflow.
  { keys: workflowKeys, resultKeys: (r) => ({ requested: String(r.requested) }) },
);
