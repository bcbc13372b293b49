/**
 * The master-data drop lane in AWS: S3 notifications for objects under `master/incoming/` of the
 * documents bucket. Each object is one drop (a master file or a zip of them), imported all or
 * nothing by `importMasterDrop` (lambdas/lanes/master-drop.ts); refusals are reported there.
 */
import * as z from 'zod';
import { decodeS3Key } from '../shared/intake.ts';
import { lambdaEntry, METRIC } from '../shared/powertools.ts';
import { dropFromObject, importMasterDrop, INCOMING_PREFIX, LaneBusyError, type DropOutcome, type MasterDrop, type MasterDropDeps } from '../lanes/master-drop.ts';

const eventSchema = z.object({
  Records: z
    .array(z.object({ eventName: z.string(), s3: z.object({ bucket: z.object({ name: z.string() }), object: z.object({ key: z.string(), size: z.number().optional(), eTag: z.string().optional() }) }) }))
    .default([]),
});

/** The largest drop read (a zip of the four files). */
const MAX_DROP_BYTES = 50 * 1024 * 1024;

export interface MasterDropResult {
  readonly outcomes: { readonly key: string; readonly status: DropOutcome['status'] | 'ignored'; readonly problems?: number }[];
}

/**
 * How long a drop waits for another import to finish (several files uploaded at once, a sheet
 * revision) before the invocation fails: well inside the function's 2-minute timeout. After that
 * Lambda's asynchronous retries take it again, and an event that still fails lands in the lanes'
 * dead-letter queue (alarmed): a drop is never dropped silently.
 */
export const LANE_WAIT_MS = 80_000;

/** Imports a drop, waiting while another import holds the lane (up to `LANE_WAIT_MS`). */
async function importWaiting(drop: MasterDrop, deps: MasterDropDeps, sleep: (ms: number) => Promise<void>): Promise<DropOutcome> {
  const until = deps.now() + LANE_WAIT_MS;
  for (let attempt = 0; ; attempt++) {
    try {
      return await importMasterDrop(drop, deps);
    } catch (err) {
      if (!(err instanceof LaneBusyError) || deps.now() >= until) throw err;
      // 1 s, 2 s, 4 s, then every 5 s, with jitter: files uploaded together take turns.
      await sleep(Math.min(5_000, 1_000 * 2 ** attempt) * (0.75 + Math.random() / 2));
    }
  }
}

const realSleep = (ms: number) => new Promise<void>((resolve) => setTimeout(resolve, ms));

export function makeHandler(deps: MasterDropDeps, read: (bucket: string, key: string) => Promise<Uint8Array>, sleep: (ms: number) => Promise<void> = realSleep) {
  return async (event: unknown): Promise<MasterDropResult> => {
    const outcomes: MasterDropResult['outcomes'][number][] = [];
    for (const r of eventSchema.parse(event).Records) {
      const key = decodeS3Key(r.s3.object.key);
      if (!r.eventName.startsWith('ObjectCreated:') || !key.startsWith(INCOMING_PREFIX) || key.endsWith('/') || (r.s3.object.size ?? 1) === 0) {
        outcomes.push({ key, status: 'ignored' });
        continue;
      }
      const name = key.slice(key.lastIndexOf('/') + 1);
      const source = `s3://${r.s3.bucket.name}/${key}`;
      // Too large to read: refused (and reported) unread, once per object version (its ETag).
      const drop =
        (r.s3.object.size ?? 0) > MAX_DROP_BYTES
          ? { name, source, hash: `etag-${r.s3.object.eTag ?? key}`, files: {}, problems: [{ file: name, line: null, reason: `is larger than ${MAX_DROP_BYTES / 1024 / 1024} MB` }] }
          : dropFromObject(name, source, await read(r.s3.bucket.name, key));
      const outcome = await importWaiting(drop, deps, sleep);
      outcomes.push({ key, status: outcome.status, ...(outcome.status === 'refused' ? { problems: outcome.problems.length } : {}) });
    }
    return { outcomes };
  };
}

let real: ReturnType<typeof makeHandler> | undefined;
export const handler = lambdaEntry(
  'master-drop',
  async (event: unknown) => {
    if (!real) {
      const { masterDropDeps, s3 } = await import('../lanes/aws.ts');
      const { GetObjectCommand } = await import('@aws-sdk/client-s3');
      const client = s3();
      real = makeHandler(masterDropDeps(), async (Bucket, Key) => {
        const o = await client.send(new GetObjectCommand({ Bucket, Key }));
        return o.Body!.transformToByteArray();
      });
    }
    return real(event);
  },
  {
    resultKeys: (r) => ({ drops: r.outcomes.length, refused: r.outcomes.filter((o) => o.status === 'refused').length }),
    metrics: (r, sink) => {
      for (const o of r.outcomes) if (o.status === 'refused') sink.count(METRIC.masterImportsRefused);
    },
  },
);
