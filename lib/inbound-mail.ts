/**
 * Inbound mail, in a stack of its own (a change to a receipt rule set changes mail flow): an SES
 * receipt rule set with one rule for the configured recipients — spam and virus scanning on,
 * TLS required by default — that writes each message, raw and unchanged, to the raw-mail bucket
 * under `raw/`. The bucket policy lets SES write there only for this rule of this account
 * (`aws:SourceAccount` and `aws:SourceArn`), so no other SES customer's rule can drop mail in.
 *
 * Receiving needs, outside this construct (docs/deploy.md):
 * - the domain verified in SES in this region (the sender identity in `lib/approvals.ts`, or
 *   `verifyDomain` here when the receiving domain differs from the sender's);
 * - an MX record `10 inbound-smtp.<region>.amazonaws.com` for the domain — created here when a
 *   hosted zone is given;
 * - the rule set made active: `aws ses set-active-receipt-rule-set --rule-set-name <name>` (one
 *   active set per account and region; CloudFormation cannot activate one).
 */
import { Aws, CfnOutput, Duration, Stack } from 'aws-cdk-lib';
import * as iam from 'aws-cdk-lib/aws-iam';
import { MxRecord, type IPublicHostedZone } from 'aws-cdk-lib/aws-route53';
import type { IBucket } from 'aws-cdk-lib/aws-s3';
import { EmailIdentity, Identity, ReceiptRuleSet, TlsPolicy, type IReceiptRule, type IReceiptRuleAction, type ReceiptRuleActionConfig } from 'aws-cdk-lib/aws-ses';
import { Construct } from 'constructs';
import { PREFIXES } from '../lambdas/shared/intake.ts';

export interface InboundMailProps {
  /** The domain whose mail SES receives. */
  readonly domain: string;
  /** The addresses (or domains) the rule accepts mail for. */
  readonly recipients: readonly string[];
  /** Where raw mail goes. */
  readonly bucket: IBucket;
  /** The key prefix raw mail is written under (intake listens there). @default 'raw/' */
  readonly prefix?: string;
  /** Refuse mail not sent over TLS. @default true */
  readonly requireTls?: boolean;
  /** A public hosted zone for the domain: the MX record (and DKIM records, with `verifyDomain`) are created in it. @default none */
  readonly hostedZone?: IPublicHostedZone;
  /** Create the SES identity of the receiving domain (needed when it is not the sender's domain). @default false */
  readonly verifyDomain?: boolean;
  /**
   * The rule set's name. A name, not a generated one: the bucket policy (in the stack that owns
   * the bucket) names the rule in `aws:SourceArn`, and a reference back to this stack would be a
   * cycle.
   */
  readonly ruleSetName: string;
}

/** The receipt rule's name (see `ruleSetName`). */
export const RECEIPT_RULE_NAME = 'bills';

export class InboundMail extends Construct {
  readonly ruleSet: ReceiptRuleSet;
  /** The MX host of SES receiving in this stack's region. */
  readonly mxHost: string;

  constructor(scope: Construct, id: string, props: InboundMailProps) {
    super(scope, id);
    const region = Stack.of(this).region;
    this.mxHost = `inbound-smtp.${region}.amazonaws.com`;

    this.ruleSet = new ReceiptRuleSet(this, 'RuleSet', { receiptRuleSetName: props.ruleSetName });
    this.ruleSet.addRule('Bills', {
      receiptRuleName: RECEIPT_RULE_NAME,
      recipients: [...props.recipients],
      scanEnabled: true,
      tlsPolicy: props.requireTls === false ? TlsPolicy.OPTIONAL : TlsPolicy.REQUIRE,
      actions: [new SesToS3(props.bucket, props.prefix ?? PREFIXES.rawMail, props.ruleSetName)],
    });

    if (props.verifyDomain) {
      new EmailIdentity(this, 'ReceivingDomain', {
        identity: props.hostedZone ? Identity.publicHostedZone(props.hostedZone) : Identity.domain(props.domain),
      });
    }
    if (props.hostedZone) {
      new MxRecord(this, 'Mx', {
        zone: props.hostedZone,
        recordName: `${props.domain}.`,
        values: [{ priority: 10, hostName: this.mxHost }],
        ttl: Duration.hours(1),
      });
    }

    new CfnOutput(this, 'ReceiptRuleSetName', {
      value: this.ruleSet.receiptRuleSetName,
      description: 'Activate it once: aws ses set-active-receipt-rule-set --rule-set-name <this>',
    });
    new CfnOutput(this, 'MxRecord', { value: `${props.domain} MX 10 ${this.mxHost}`, description: 'The MX record the domain needs' });
  }
}

/**
 * The SES S3 action with a bucket policy pinned to this account and this rule: CDK's own
 * (`aws-ses-actions` S3) conditions on the account only.
 */
class SesToS3 implements IReceiptRuleAction {
  constructor(
    private readonly bucket: IBucket,
    private readonly prefix: string,
    private readonly ruleSetName: string,
  ) {}

  bind(rule: IReceiptRule): ReceiptRuleActionConfig {
    const sourceArn = `arn:${Aws.PARTITION}:ses:${Aws.REGION}:${Aws.ACCOUNT_ID}:receipt-rule-set/${this.ruleSetName}:receipt-rule/${RECEIPT_RULE_NAME}`;
    this.bucket.addToResourcePolicy(
      new iam.PolicyStatement({
        actions: ['s3:PutObject'],
        principals: [new iam.ServicePrincipal('ses.amazonaws.com')],
        resources: [this.bucket.arnForObjects(`${this.prefix}*`)],
        conditions: { StringEquals: { 'aws:SourceAccount': Aws.ACCOUNT_ID, 'aws:SourceArn': sourceArn } },
      }),
    );
    // SES checks that it may write when the rule is created: the policy must exist first.
    const policy = this.bucket.node.tryFindChild('Policy');
    if (policy) rule.node.addDependency(policy);
    return { s3Action: { bucketName: this.bucket.bucketName, objectKeyPrefix: this.prefix } };
  }
}
