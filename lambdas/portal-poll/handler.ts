/**
 * Portal poll, run at 08:00, 12:00 and 16:00 in the configured time zone by EventBridge Scheduler
 * (lib/lanes.ts): every configured portal in turn (lambdas/lanes/portals/poll.ts). A portal that
 * fails is counted in the `PortalPollFailures` metric (alarmed), with its id as a dimension; the
 * others run on. The invocation itself succeeds, so the scheduler does not poll all portals again.
 */
import { lambdaEntry, METRIC } from '../shared/powertools.ts';
import { pollPortals, type PollDeps, type PortalResult } from '../lanes/portals/poll.ts';
import { configuredPortals, portalsConfigSchema } from '../lanes/portals/registry.ts';

export interface PortalPollResult {
  readonly portals: readonly PortalResult[];
}

export function makeHandler(portalsJson: string, secret: (name: string) => Promise<unknown>, deps: PollDeps) {
  const portals = configuredPortals(portalsConfigSchema.parse(JSON.parse(portalsJson)), secret);
  return async (_event: unknown): Promise<PortalPollResult> => ({ portals: await pollPortals(portals, deps) });
}

let real: ReturnType<typeof makeHandler> | undefined;
export const handler = lambdaEntry(
  'portal-poll',
  async (event: unknown) => {
    if (!real) {
      const { config } = await import('../config.ts');
      const { laneState, S3Uploads, s3, secretJson } = await import('../lanes/aws.ts');
      real = makeHandler(config.portalsJson, secretJson, { state: laneState(), uploads: new S3Uploads(config.documentBucket, s3()), now: Date.now });
    }
    return real(event);
  },
  {
    resultKeys: (r) => ({ portals: r.portals.length, failed: r.portals.filter((p) => p.status === 'failed').map((p) => p.portal).join(',') || undefined, landed: r.portals.reduce((n, p) => n + p.landed.length, 0) }),
    metrics: (r, sink) => {
      for (const p of r.portals) {
        if (p.status === 'failed') {
          sink.count(METRIC.portalPollFailures);
          sink.count(METRIC.portalPollFailures, { portal: p.portal });
        }
        for (let i = 0; i < p.landed.length; i++) sink.count(METRIC.portalBillsLanded);
      }
    },
  },
);
