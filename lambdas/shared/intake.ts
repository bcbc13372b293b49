/**
 * The pure part of the way in: an S3 notification → the submissions it announces, the SQS
 * message that carries one, and the execution name that makes its start idempotent. No SDK and
 * no environment here, so that the intake and start-execution handlers stay thin and this stays
 * unit-testable.
 *
 * Two kinds of arrival:
 * - raw mail that SES wrote under `raw/` in the raw-mail bucket: copied unchanged into the
 *   documents bucket under `mail/` (the workflow reads only the documents bucket), named by its
 *   Subject;
 * - an upload under `uploads/` in the documents bucket: read where it is, named by its file name.
 */
import { createHash } from 'node:crypto';
import * as z from 'zod';
import { submissionSchema, type Submission } from '../core/submission-schema.ts';

/** Key prefixes: where SES writes raw mail, where uploads go, where intake copies mail to. */
export const PREFIXES = { rawMail: 'raw/', uploads: 'uploads/', mail: 'mail/' } as const;

/** How many bytes of a raw email intake reads to find its Subject (the header block). */
export const HEADER_BYTES = 64 * 1024;

/** The parts of an S3 event notification record intake reads. */
const s3RecordSchema = z.object({
  eventName: z.string(),
  eventTime: z.string().datetime({ offset: true }),
  s3: z.object({
    bucket: z.object({ name: z.string().min(1) }),
    object: z.object({
      /** URL-encoded, with `+` for spaces, as S3 sends it. */
      key: z.string().min(1),
      size: z.number().int().min(0).optional(),
      eTag: z.string().optional(),
      versionId: z.string().optional(),
    }),
  }),
});
export type S3Record = z.infer<typeof s3RecordSchema>;

/** An S3 notification; the `s3:TestEvent` S3 sends when notifications are configured has no Records. */
export const s3EventSchema = z.object({ Records: z.array(s3RecordSchema).default([]) });

/** The body of one message on the submissions queue. */
export const queueMessageSchema = z.object({ submission: submissionSchema });
export type QueueMessage = z.infer<typeof queueMessageSchema>;

/** The parts of an SQS event the starter reads. */
export const sqsEventSchema = z.object({
  Records: z.array(z.object({ messageId: z.string().min(1), body: z.string() })),
});

/** One object that arrived, decoded, and what intake does with it. */
export interface Arrival {
  readonly kind: 'mail' | 'upload';
  readonly bucket: string;
  readonly key: string;
  readonly versionId: string | undefined;
  /** Where the workflow reads the document (in the documents bucket). */
  readonly documentKey: string;
  /** The submission, except its name for mail (the Subject is read from the object). */
  readonly submission: Submission;
}

/** S3 event keys are URL-encoded with `+` for a space. */
export function decodeS3Key(key: string): string {
  return decodeURIComponent(key.replace(/\+/g, ' '));
}

/** The last path segment of a key. */
export function fileNameOf(key: string): string {
  return key.slice(key.lastIndexOf('/') + 1);
}

/**
 * The submission id: SHA-256 of bucket, key and object version (the version id in a versioned
 * bucket, else the ETag). The same event delivered twice gives the same id, so one execution; a
 * second upload of the same file is a new arrival (a new version) that the decision core then
 * recognises as a duplicate document.
 */
export function submissionId(bucket: string, key: string, version: string | undefined): string {
  const h = createHash('sha256').update(`${bucket}\n${key}\n${version ?? ''}`).digest('hex');
  return `s3-${h.slice(0, 40)}`;
}

/**
 * The arrivals an S3 event announces. Objects outside the two prefixes, folder markers and empty
 * objects are ignored (they are listed in `ignored` with the reason, for the log).
 */
export function arrivalsOf(event: z.infer<typeof s3EventSchema>): { arrivals: Arrival[]; ignored: { key: string; reason: string }[] } {
  const arrivals: Arrival[] = [];
  const ignored: { key: string; reason: string }[] = [];
  for (const r of event.Records) {
    const bucket = r.s3.bucket.name;
    const key = decodeS3Key(r.s3.object.key);
    const name = fileNameOf(key);
    if (!r.eventName.startsWith('ObjectCreated:')) {
      ignored.push({ key, reason: `event ${r.eventName}` });
      continue;
    }
    if (name === '' || r.s3.object.size === 0) {
      ignored.push({ key, reason: 'a folder marker or an empty object' });
      continue;
    }
    const kind = key.startsWith(PREFIXES.rawMail) ? 'mail' : key.startsWith(PREFIXES.uploads) ? 'upload' : null;
    if (!kind) {
      ignored.push({ key, reason: `outside ${PREFIXES.rawMail} and ${PREFIXES.uploads}` });
      continue;
    }
    const version = r.s3.object.versionId ?? r.s3.object.eTag;
    const documentKey = kind === 'mail' ? `${PREFIXES.mail}${name}.eml` : key;
    arrivals.push({
      kind,
      bucket,
      key,
      versionId: r.s3.object.versionId,
      documentKey,
      submission: submissionSchema.parse({
        id: submissionId(bucket, key, version),
        document_key: documentKey,
        name: kind === 'mail' ? `${name}.eml` : name,
        // The email reader finds the sender in the message; an upload has none in AWS.
        submitter: null,
        received_at: new Date(r.eventTime).toISOString(),
      }),
    });
  }
  return { arrivals, ignored };
}

/** The name of a mail submission: its Subject when it has one, else the stored file name. */
export function withSubject(submission: Submission, subject: string | null): Submission {
  return subject ? { ...submission, name: subject } : submission;
}

/**
 * The Subject of a raw email from its first bytes: the header block unfolded, RFC 2047
 * encoded words decoded, control characters dropped, at most 200 characters. Null when there is
 * none (or it is empty).
 */
export function subjectOf(head: Uint8Array): string | null {
  const text = new TextDecoder('latin1').decode(head);
  const end = text.search(/\r?\n\r?\n/);
  const headers = (end >= 0 ? text.slice(0, end) : text).replace(/\r?\n[ \t]+/g, ' ');
  const m = /^subject:[ \t]*(.*)$/im.exec(headers);
  if (!m || m[1] === undefined) return null;
  const decoded = decodeEncodedWords(m[1])
    .replace(/[\u0000-\u001f\u007f]/g, ' ')
    .replace(/\s+/g, ' ')
    .trim();
  return decoded === '' ? null : decoded.slice(0, 200);
}

/** RFC 2047: `=?charset?B|Q?text?=`; whitespace between adjacent encoded words is dropped. */
function decodeEncodedWords(value: string): string {
  const word = /=\?([^?\s]+)\?([bBqQ])\?([^?\s]*)\?=/g;
  const joined = value.replace(/(=\?[^?\s]+\?[bBqQ]\?[^?\s]*\?=)\s+(?==\?)/g, '$1');
  return joined.replace(word, (all, charset: string, enc: string, data: string) => {
    try {
      const bytes =
        enc.toUpperCase() === 'B'
          ? Buffer.from(data, 'base64')
          : Buffer.from(
              data.replace(/_/g, ' ').replace(/=([0-9A-Fa-f]{2})/g, (_m, h: string) => String.fromCharCode(parseInt(h, 16))),
              'latin1',
            );
      return new TextDecoder(charset.replace(/\*.*$/, '')).decode(bytes);
    } catch {
      return all;
    }
  });
}

/**
 * Step Functions execution names: 1–80 characters of [A-Za-z0-9-_], unique per state machine for
 * 90 days, which makes a start idempotent. The local workflow names its executions with it too
 * (it lives here so that the starter does not bundle the local interpreter).
 */
export function executionName(submissionId: string): string {
  const clean = submissionId.replace(/[^A-Za-z0-9_-]/g, '-');
  return clean.length <= 80 ? clean : `${clean.slice(0, 47)}-${hash32(submissionId)}`;
}

function hash32(s: string): string {
  let h = 0x811c9dc5;
  for (let i = 0; i < s.length; i++) h = Math.imul(h ^ s.charCodeAt(i), 0x01000193) >>> 0;
  return h.toString(16).padStart(8, '0').repeat(4);
}
