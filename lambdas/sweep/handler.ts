/**
 * The daily sweep, run by EventBridge Scheduler (`lib/schedules.ts`): pending approvals are
 * emailed again and suppliers who owe an answer are reminded (`core/sweep.ts`).
 */
import { dailySweep, type SweepDeps, type SweepResult } from '../core/sweep.ts';
import { lambdaEntry } from '../shared/powertools.ts';
import { task } from '../shared/errors.ts';

/** The scheduled event carries nothing the sweep needs: it reads the bills as they are now. */
export function makeHandler(deps: SweepDeps) {
  return task(async (_event: unknown): Promise<SweepResult> => dailySweep(deps));
}

let real: Promise<ReturnType<typeof makeHandler>> | undefined;
export const handler = lambdaEntry(
  'sweep',
  async (event: unknown) => {
    const { deskDeps } = await import('../adapters/aws/approval-deps.ts');
    return (await (real ??= deskDeps().then(makeHandler)))(event);
  },
  { resultKeys: (r) => ({ approvalReminders: r.approvalReminders, supplierReminders: r.supplierReminders }) },
);
