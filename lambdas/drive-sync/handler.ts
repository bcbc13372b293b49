/**
 * Drive sync, run every 15 minutes by EventBridge Scheduler (lib/lanes.ts): the sheet into the
 * drop lane when its version changed (lambdas/lanes/drive-sync.ts). A Google API error fails the
 * invocation (the function's error alarm) before anything is imported.
 */
import { lambdaEntry, METRIC } from '../shared/powertools.ts';
import type { MasterDropDeps } from '../lanes/master-drop.ts';
import { syncSheet, type SheetSource, type SyncOutcome } from '../lanes/drive-sync.ts';
import { GoogleSheetSource, parseServiceAccountKey } from '../lanes/google.ts';

/** The sheet as Google's clients read it, signing with the key (JSON text); `rootUrl` for another endpoint. */
export function sheetSource(keyText: string, where: string, rootUrl?: string): SheetSource {
  return new GoogleSheetSource({ key: parseServiceAccountKey(keyText, where), ...(rootUrl ? { rootUrl } : {}) });
}

export function makeHandler(fileId: string, source: () => Promise<SheetSource>, deps: MasterDropDeps) {
  return async (_event: unknown): Promise<SyncOutcome> => syncSheet(fileId, await source(), deps);
}

let real: ReturnType<typeof makeHandler> | undefined;
export const handler = lambdaEntry(
  'drive-sync',
  async (event: unknown) => {
    if (!real) {
      const { config } = await import('../config.ts');
      const { masterDropDeps, secretText } = await import('../lanes/aws.ts');
      const secret = config.driveSecret;
      // The key is read on every run: a rotated key is used at once.
      real = makeHandler(config.driveFileId, async () => sheetSource(await secretText(secret), `secret ${secret}`), masterDropDeps());
    }
    return real(event);
  },
  {
    resultKeys: (r) => ({ status: r.status, version: r.version }),
    metrics: (r, sink) => {
      if (r.status === 'refused') sink.count(METRIC.masterImportsRefused);
    },
  },
);
