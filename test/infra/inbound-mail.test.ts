/** The inbound-mail stack: receipt rule → S3, the bucket policy for SES, the MX record. */
import { Match } from 'aws-cdk-lib/assertions';
import { describe, expect, it } from 'vitest';
import { exampleConfig, logicalId, synthApp, SYNTH_TIMEOUT, templates } from './support.ts';

describe('the receipt rule', () => {
  const t = templates();

  it('scans for spam and viruses, requires TLS and writes raw mail to the raw-mail bucket under raw/', () => {
    const rawMailBucket = logicalId(t.s.main.storage.rawMail, t.s.main);
    t.inbound.hasResourceProperties('AWS::SES::ReceiptRule', {
      Rule: {
        Enabled: true,
        Recipients: ['invoices@bills.example.com'],
        ScanEnabled: true,
        TlsPolicy: 'Require',
        Actions: [{ S3Action: { BucketName: { 'Fn::ImportValue': Match.stringLikeRegexp(rawMailBucket) }, ObjectKeyPrefix: 'raw/' } }],
      },
    });
    t.inbound.resourceCountIs('AWS::SES::ReceiptRuleSet', 1);
  });

  it('lets SES put objects under raw/ only for this account and this receipt rule (SourceAccount, SourceArn)', () => {
    const rawMailBucket = logicalId(t.s.main.storage.rawMail, t.s.main);
    t.main.hasResourceProperties('AWS::S3::BucketPolicy', {
      Bucket: { Ref: rawMailBucket },
      PolicyDocument: {
        Statement: Match.arrayWith([
          {
            Action: 's3:PutObject',
            Effect: 'Allow',
            Principal: { Service: 'ses.amazonaws.com' },
            Resource: { 'Fn::Join': ['', [{ 'Fn::GetAtt': [rawMailBucket, 'Arn'] }, '/raw/*']] },
            Condition: {
              StringEquals: {
                'aws:SourceAccount': { Ref: 'AWS::AccountId' },
                'aws:SourceArn': {
                  'Fn::Join': ['', ['arn:', { Ref: 'AWS::Partition' }, ':ses:', { Ref: 'AWS::Region' }, ':', { Ref: 'AWS::AccountId' }, ':receipt-rule-set/BillMatcher-inbound-mail:receipt-rule/bills']],
                },
              },
            },
          },
        ]),
      },
    });
  });

  it('creates no DNS record without a hosted zone', () => {
    t.inbound.resourceCountIs('AWS::Route53::RecordSet', 0);
  });
});

describe('with a hosted zone', () => {
  it('creates the MX record pointing to SES receiving in the region', () => {
    const s = synthApp(exampleConfig((c) => (c.hostedZone = { id: 'Z0123456789ABCDEFGHIJ', name: 'example.com' })));
    const { inbound } = templates(s);
    inbound.hasResourceProperties('AWS::Route53::RecordSet', {
      Type: 'MX',
      Name: 'bills.example.com.',
      HostedZoneId: 'Z0123456789ABCDEFGHIJ',
      ResourceRecords: ['10 inbound-smtp.eu-west-1.amazonaws.com'],
    });
  }, SYNTH_TIMEOUT);

  it('verifies the receiving domain too when the sender is in another domain', () => {
    const s = synthApp(exampleConfig((c) => (c.sender = 'ap@example.org')));
    const { inbound, main } = templates(s);
    inbound.hasResourceProperties('AWS::SES::EmailIdentity', { EmailIdentity: 'bills.example.com' });
    main.hasResourceProperties('AWS::SES::EmailIdentity', { EmailIdentity: 'example.org' });
    expect(Object.keys(main.findResources('AWS::SES::EmailIdentity'))).toHaveLength(1);
  }, SYNTH_TIMEOUT);
});
