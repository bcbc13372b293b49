/** Buckets and the bills table. */
import { Match } from 'aws-cdk-lib/assertions';
import { beforeAll, describe, expect, it } from 'vitest';
import { BILLS_TABLE } from '../../lambdas/adapters/aws/table.ts';
import { logicalId, templates, SYNTH_TIMEOUT } from './support.ts';

let t: ReturnType<typeof templates>;
beforeAll(() => {
  t = templates();
}, SYNTH_TIMEOUT);

describe('the bills table', () => {
  it('has the keys, indexes and TTL attribute of BILLS_TABLE', () => {
    const b = BILLS_TABLE;
    t.main.hasResourceProperties('AWS::DynamoDB::GlobalTable', {
      KeySchema: [
        { AttributeName: b.partitionKey, KeyType: 'HASH' },
        { AttributeName: b.sortKey, KeyType: 'RANGE' },
      ],
      GlobalSecondaryIndexes: [
        {
          IndexName: b.gsi1.indexName,
          KeySchema: [
            { AttributeName: b.gsi1.partitionKey, KeyType: 'HASH' },
            { AttributeName: b.gsi1.sortKey, KeyType: 'RANGE' },
          ],
          Projection: { ProjectionType: 'ALL' },
        },
        {
          IndexName: b.gsi2.indexName,
          KeySchema: [
            { AttributeName: b.gsi2.partitionKey, KeyType: 'HASH' },
            { AttributeName: b.gsi2.sortKey, KeyType: 'RANGE' },
          ],
          Projection: { ProjectionType: 'ALL' },
        },
        {
          // The worklist's index projects the row and what it filters on, not the compressed bill.
          IndexName: b.gsi3.indexName,
          KeySchema: [
            { AttributeName: b.gsi3.partitionKey, KeyType: 'HASH' },
            { AttributeName: b.gsi3.sortKey, KeyType: 'RANGE' },
          ],
          Projection: { ProjectionType: 'INCLUDE', NonKeyAttributes: [...b.gsi3Projection] },
        },
      ],
      TimeToLiveSpecification: { AttributeName: b.ttlAttribute, Enabled: true },
      AttributeDefinitions: Match.arrayWith([
        { AttributeName: b.partitionKey, AttributeType: 'S' },
        { AttributeName: b.gsi1.partitionKey, AttributeType: 'S' },
        { AttributeName: b.gsi2.partitionKey, AttributeType: 'S' },
        { AttributeName: b.gsi3.partitionKey, AttributeType: 'S' },
      ]),
    });
  });

  it('is on demand, with point-in-time recovery and deletion protection, and is retained', () => {
    t.main.hasResource('AWS::DynamoDB::GlobalTable', {
      DeletionPolicy: 'Retain',
      Properties: Match.objectLike({
        BillingMode: 'PAY_PER_REQUEST',
        Replicas: [Match.objectLike({ PointInTimeRecoverySpecification: { PointInTimeRecoveryEnabled: true }, DeletionProtectionEnabled: true })],
      }),
    });
  });
});

describe('the buckets', () => {
  it.each([
    { case: 'raw mail', bucket: () => t.s.main.storage.rawMail, days: 30 },
    { case: 'documents', bucket: () => t.s.main.storage.documents, days: 3653 },
  ])('$case: private, encrypted, versioned, logged, to Glacier after 90 days, expired after $days', ({ bucket, days }) => {
    const r = t.main.toJSON().Resources[logicalId(bucket(), t.s.main)];
    expect(r.DeletionPolicy).toBe('Retain');
    expect(r.Properties).toMatchObject({
      PublicAccessBlockConfiguration: { BlockPublicAcls: true, BlockPublicPolicy: true, IgnorePublicAcls: true, RestrictPublicBuckets: true },
      BucketEncryption: { ServerSideEncryptionConfiguration: [{ ServerSideEncryptionByDefault: { SSEAlgorithm: 'AES256' } }] },
      VersioningConfiguration: { Status: 'Enabled' },
      LoggingConfiguration: { DestinationBucketName: { Ref: logicalId(t.s.main.storage.accessLogs, t.s.main) } },
    });
    const rule = r.Properties.LifecycleConfiguration.Rules[0];
    expect(rule.ExpirationInDays).toBe(days);
    expect(rule.Transitions ?? []).toEqual(days > 90 ? [{ StorageClass: 'GLACIER', TransitionInDays: 90 }] : []);
  });

  it('every bucket refuses requests without TLS', () => {
    const buckets = Object.keys(t.main.findResources('AWS::S3::Bucket'));
    for (const id of buckets) {
      t.main.hasResourceProperties('AWS::S3::BucketPolicy', {
        Bucket: { Ref: id },
        PolicyDocument: { Statement: Match.arrayWith([Match.objectLike({ Effect: 'Deny', Condition: { Bool: { 'aws:SecureTransport': 'false' } } })]) },
      });
    }
  });
});
