/** The real dependencies of the intake function: S3 (raw mail, documents) and the SQS queue. */
import { CopyObjectCommand, GetObjectCommand, S3Client } from '@aws-sdk/client-s3';
import { SendMessageCommand, SQSClient } from '@aws-sdk/client-sqs';
import { config } from '../../config.ts';
import type { IntakeDeps } from '../../intake/handler.ts';
import { traced } from '../../shared/powertools.ts';

export function intakeDeps(s3 = traced(new S3Client({})), sqs = traced(new SQSClient({}))): IntakeDeps {
  return {
    async readHead(o, bytes) {
      const r = await s3.send(new GetObjectCommand({ Bucket: o.bucket, Key: o.key, VersionId: o.versionId, Range: `bytes=0-${bytes - 1}` }));
      return r.Body ? await r.Body.transformToByteArray() : new Uint8Array();
    },
    async copyToDocuments(o, documentKey) {
      const source = `${o.bucket}/${o.key.split('/').map(encodeURIComponent).join('/')}${o.versionId ? `?versionId=${encodeURIComponent(o.versionId)}` : ''}`;
      await s3.send(new CopyObjectCommand({ Bucket: config.documentBucket, Key: documentKey, CopySource: source }));
    },
    async enqueue(message) {
      await sqs.send(new SendMessageCommand({ QueueUrl: config.queueUrl, MessageBody: JSON.stringify(message) }));
    },
  };
}
