/**
 * The one place where the re-match of open bills plugs into the lanes. After a master-data import
 * that changed records, the drop lane calls its hook (lambdas/lanes/master-drop.ts,
 * `RematchHook`) and the flagged bills master data can settle are decided again
 * (lambdas/core/rematch.ts `rematchBills`), with the drop's source as the reason in each bill's
 * audit row. Who runs the pass is the caller's: the running local stack (`bm start` in process,
 * `bm sync` through its `/api/rematch`, as `bm import` does), which holds the waiting executions
 * and the outbox; in AWS the lane function itself (lambdas/lanes/aws.ts).
 */
import type { RematchHook } from './master-drop.ts';
import { plainLine } from '../core/safe-text.ts';

/** The audit reason of a re-match after a drop: where the drop came from. */
export function rematchReason(source: string): string {
  return `master data from ${plainLine(source, 160)}`;
}

/** A hook that runs one re-match pass with the drop's source as its reason. */
export function rematchHook(run: (reason: string) => Promise<unknown>): RematchHook {
  return async (changed) => void (await run(rematchReason(changed.source)));
}
