/**
 * Intake: S3 ObjectCreated events → one submission each on the SQS queue in front of the
 * workflow. Raw mail that SES wrote under `raw/` is copied unchanged into the documents bucket
 * (the workflow reads only there) and named by its Subject; an upload under `uploads/` is read
 * where it is. The same event delivered twice sends the same submission (same id), and the
 * starter turns that into one execution.
 */
import { arrivalsOf, HEADER_BYTES, s3EventSchema, subjectOf, withSubject, type Arrival, type QueueMessage } from '../shared/intake.ts';
import { intakeDeps } from '../adapters/aws/intake-deps.ts';
import { lambdaEntry, METRIC } from '../shared/powertools.ts';
import { task } from '../shared/errors.ts';

/** What intake needs from S3 and SQS. */
export interface IntakeDeps {
  /** The first `bytes` bytes of an object (the header block of a raw email). */
  readHead(object: { bucket: string; key: string; versionId: string | undefined }, bytes: number): Promise<Uint8Array>;
  /** Copies an object, unchanged, to `documentKey` in the documents bucket. */
  copyToDocuments(object: { bucket: string; key: string; versionId: string | undefined }, documentKey: string): Promise<void>;
  /** Sends one message to the submissions queue. */
  enqueue(message: QueueMessage): Promise<void>;
}

export interface IntakeResult {
  readonly submitted: string[];
  readonly ignored: { key: string; reason: string }[];
}

export function makeHandler(deps: IntakeDeps) {
  return task(async (event: unknown): Promise<IntakeResult> => {
    const { arrivals, ignored } = arrivalsOf(s3EventSchema.parse(event));
    const submitted: string[] = [];
    for (const a of arrivals) {
      await deps.enqueue({ submission: await stored(a, deps) });
      submitted.push(a.submission.id);
    }
    return { submitted, ignored };
  });
}

/** The submission once its document is where the workflow reads it. */
async function stored(a: Arrival, deps: IntakeDeps) {
  if (a.kind === 'upload') return a.submission;
  const object = { bucket: a.bucket, key: a.key, versionId: a.versionId };
  const subject = subjectOf(await deps.readHead(object, HEADER_BYTES));
  await deps.copyToDocuments(object, a.documentKey);
  return withSubject(a.submission, subject);
}

let real: ReturnType<typeof makeHandler> | undefined;
export const handler = lambdaEntry('intake', (event: unknown) => (real ??= makeHandler(intakeDeps()))(event), {
  resultKeys: (r) => ({ submissionIds: r.submitted.join(','), ignored: r.ignored.length }),
  metrics: (r, m) => r.submitted.forEach(() => m.count(METRIC.submissionsReceived)),
});
