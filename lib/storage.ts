/**
 * Where the product keeps its data: the raw mail SES writes, the documents the workflow reads
 * (uploads and mail as received), the S3 server access logs of both, and the bills table built
 * from the one table definition the local stack uses (`lambdas/adapters/aws/table.ts`).
 *
 * Secure by default: no public access, TLS only, encryption at rest, versioning, deletion
 * protection and point-in-time recovery on the table; the data outlive the stack (RETAIN).
 */
import { Duration, RemovalPolicy } from 'aws-cdk-lib';
import { AttributeType, Billing, ProjectionType, TableV2 } from 'aws-cdk-lib/aws-dynamodb';
import { BlockPublicAccess, Bucket, BucketEncryption, ObjectOwnership, StorageClass, type LifecycleRule } from 'aws-cdk-lib/aws-s3';
import { Construct } from 'constructs';
import { BILLS_TABLE } from '../lambdas/adapters/aws/table.ts';

export interface StorageRetention {
  /** Documents expire after this many days. */
  readonly documentsDays: number;
  /** Raw mail expires after this many days (each message is copied into the documents bucket). */
  readonly rawMailDays: number;
  /** Objects move to S3 Glacier Flexible Retrieval after this many days (when they live longer). */
  readonly glacierAfterDays: number;
  /** S3 server access logs expire after this many days. @default 90 */
  readonly accessLogDays?: number;
  /** Overwritten or deleted object versions are kept this many days. @default 30 */
  readonly noncurrentVersionDays?: number;
}

export interface StorageProps {
  readonly retention: StorageRetention;
  /** What happens to buckets and table when the stack is deleted. @default RemovalPolicy.RETAIN */
  readonly removalPolicy?: RemovalPolicy;
  /** DynamoDB deletion protection. @default true */
  readonly deletionProtection?: boolean;
}

export class Storage extends Construct {
  /** S3 server access logs of the other buckets. */
  readonly accessLogs: Bucket;
  /** Raw mail as SES wrote it, under `raw/`. */
  readonly rawMail: Bucket;
  /** What the workflow reads: `uploads/`, `mail/` (copied by intake), `extraction/` (OCR inputs). */
  readonly documents: Bucket;
  /** The single bills table. */
  readonly table: TableV2;

  constructor(scope: Construct, id: string, props: StorageProps) {
    super(scope, id);
    const removalPolicy = props.removalPolicy ?? RemovalPolicy.RETAIN;
    const r = props.retention;
    const secure = {
      blockPublicAccess: BlockPublicAccess.BLOCK_ALL,
      enforceSSL: true,
      // SSE-S3: SES receiving and S3 server access logging both write to it without a key policy.
      encryption: BucketEncryption.S3_MANAGED,
      objectOwnership: ObjectOwnership.BUCKET_OWNER_ENFORCED,
      removalPolicy,
    } as const;

    this.accessLogs = new Bucket(this, 'AccessLogs', {
      ...secure,
      lifecycleRules: [{ id: 'expire', expiration: Duration.days(r.accessLogDays ?? 90) }],
    });
    this.rawMail = new Bucket(this, 'RawMail', {
      ...secure,
      versioned: true,
      serverAccessLogsBucket: this.accessLogs,
      serverAccessLogsPrefix: 'raw-mail/',
      lifecycleRules: [retentionRule(r.rawMailDays, r)],
    });
    this.documents = new Bucket(this, 'Documents', {
      ...secure,
      versioned: true,
      serverAccessLogsBucket: this.accessLogs,
      serverAccessLogsPrefix: 'documents/',
      lifecycleRules: [retentionRule(r.documentsDays, r)],
    });

    const t = BILLS_TABLE;
    this.table = new TableV2(this, 'Bills', {
      partitionKey: { name: t.partitionKey, type: AttributeType.STRING },
      sortKey: { name: t.sortKey, type: AttributeType.STRING },
      billing: Billing.onDemand(),
      pointInTimeRecoverySpecification: { pointInTimeRecoveryEnabled: true },
      deletionProtection: props.deletionProtection ?? true,
      timeToLiveAttribute: t.ttlAttribute,
      globalSecondaryIndexes: [
        {
          indexName: t.gsi1.indexName,
          partitionKey: { name: t.gsi1.partitionKey, type: AttributeType.STRING },
          sortKey: { name: t.gsi1.sortKey, type: AttributeType.STRING },
        },
        {
          indexName: t.gsi2.indexName,
          partitionKey: { name: t.gsi2.partitionKey, type: AttributeType.STRING },
          sortKey: { name: t.gsi2.sortKey, type: AttributeType.STRING },
        },
        {
          indexName: t.gsi3.indexName,
          partitionKey: { name: t.gsi3.partitionKey, type: AttributeType.STRING },
          sortKey: { name: t.gsi3.sortKey, type: AttributeType.STRING },
          projectionType: ProjectionType.INCLUDE,
          nonKeyAttributes: [...t.gsi3Projection],
        },
      ],
      removalPolicy,
    });
  }
}

/** Glacier after `glacierAfterDays` (when objects live longer than that), expiry after `days`. */
function retentionRule(days: number, r: StorageRetention): LifecycleRule {
  return {
    id: 'retention',
    transitions: r.glacierAfterDays < days ? [{ storageClass: StorageClass.GLACIER, transitionAfter: Duration.days(r.glacierAfterDays) }] : [],
    expiration: Duration.days(days),
    noncurrentVersionExpiration: Duration.days(r.noncurrentVersionDays ?? 30),
    abortIncompleteMultipartUploadAfter: Duration.days(7),
  };
}
