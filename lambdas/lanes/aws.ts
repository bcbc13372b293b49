/**
 * The lanes' AWS parts: uploads written once to the documents bucket, secrets from Secrets
 * Manager, and the dependencies of the three lane functions, built from the environment.
 */
import { GetSecretValueCommand, SecretsManagerClient } from '@aws-sdk/client-secrets-manager';
import { DynamoDBClient } from '@aws-sdk/client-dynamodb';
import { PutObjectCommand, S3Client, S3ServiceException } from '@aws-sdk/client-s3';
import { SESv2Client } from '@aws-sdk/client-sesv2';
import { awsDeps } from '../adapters/aws/deps.ts';
import { SesMailer } from '../adapters/aws/ses-mailer.ts';
import { config } from '../config.ts';
import { traced } from '../shared/powertools.ts';
import { DynamoLaneState } from './dynamo-state.ts';
import type { MasterDropDeps } from './master-drop.ts';
import type { UploadTarget } from './portals/poll.ts';

/** An upload written only if its key is free (S3 conditional write, `If-None-Match: *`). */
export class S3Uploads implements UploadTarget {
  constructor(
    private readonly bucket: string,
    private readonly s3: S3Client = new S3Client({}),
  ) {}

  async putOnce(key: string, bytes: Uint8Array, meta: { portal: string; name: string; sha256: string }): Promise<'written' | 'exists'> {
    try {
      await this.s3.send(
        new PutObjectCommand({
          Bucket: this.bucket,
          Key: key,
          Body: bytes,
          IfNoneMatch: '*',
          ChecksumAlgorithm: 'SHA256',
          // Object metadata is ASCII: the name is kept URL-encoded.
          Metadata: { 'bm-portal': meta.portal, 'bm-name': encodeURIComponent(meta.name).slice(0, 512), 'bm-sha256': meta.sha256 },
        }),
      );
      return 'written';
    } catch (err) {
      const status = (err as S3ServiceException).$metadata?.httpStatusCode;
      // 412: the key exists; 409: a concurrent conditional write of the same key won.
      if (status === 412 || status === 409 || (err as Error).name === 'PreconditionFailed') return 'exists';
      throw err;
    }
  }
}

const secrets = traced(new SecretsManagerClient({}));

/** A secret's JSON value (by ARN or name). */
export async function secretJson(id: string): Promise<unknown> {
  const r = await secrets.send(new GetSecretValueCommand({ SecretId: id }));
  if (!r.SecretString) throw new Error(`secret ${id} has no string value`);
  try {
    return JSON.parse(r.SecretString);
  } catch {
    throw new Error(`secret ${id} is not JSON`);
  }
}

/** A secret's string value. */
export async function secretText(id: string): Promise<string> {
  const r = await secrets.send(new GetSecretValueCommand({ SecretId: id }));
  if (!r.SecretString) throw new Error(`secret ${id} has no string value`);
  return r.SecretString;
}

let state: DynamoLaneState | undefined;

export function laneState(): DynamoLaneState {
  return (state ??= new DynamoLaneState({ tableName: config.tableName, client: traced(new DynamoDBClient({})) }));
}

/** The drop lane's dependencies (master-drop and drive-sync functions). */
export function masterDropDeps(): MasterDropDeps {
  const { store, documents, now } = awsDeps();
  return {
    store,
    documents,
    state: laneState(),
    now,
    ops: { mailer: new SesMailer(config.sender, config.configurationSet, traced(new SESv2Client({}))), to: config.opsEmail },
    // No re-match here: a re-decided bill would need its approval execution resumed, and only the
    // ack handler may SendTaskSuccess (least privilege). After a drop in AWS: bm rematch --stack.
    rematch: undefined,
  };
}

export function s3(): S3Client {
  return traced(new S3Client({}));
}
