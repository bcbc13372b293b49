/**
 * The one place where the re-match of open bills plugs into the lanes. After a master-data import
 * that changed records, the drop lane calls this hook with the vendors and purchase orders that
 * changed (lambdas/lanes/master-drop.ts, `RematchHook`). Until re-matching exists it is absent,
 * and an import changes no bill; then set it here (for the cloud functions and the local stack).
 */
import type { RematchHook } from './master-drop.ts';

export const rematchHook: RematchHook | undefined = undefined;
