/**
 * Approvals by signed links: the link-signing secret in Secrets Manager, the SES (v2) sending
 * identity and configuration set for approval requests and supplier emails, and the ack handler
 * behind a Lambda Function URL that answers the links (`lambdas/ack/handler.ts`).
 *
 * The functions that send approval mail (the approval desk, the sweep) get what they need through
 * `configureSender`; the ack handler is allowed to resume the workflow with `allowResume`, which
 * is called once the state machine exists (it depends on the desk, which depends on this URL).
 */
import { Duration, Stack, Validations } from 'aws-cdk-lib';
import type { ITableV2 } from 'aws-cdk-lib/aws-dynamodb';
import * as iam from 'aws-cdk-lib/aws-iam';
import { FunctionUrlAuthType, InvokeMode, type FunctionUrl } from 'aws-cdk-lib/aws-lambda';
import type { RetentionDays } from 'aws-cdk-lib/aws-logs';
import { Secret } from 'aws-cdk-lib/aws-secretsmanager';
import {
  ConfigurationSet,
  ConfigurationSetTlsPolicy,
  EmailIdentity,
  Identity,
  SuppressionReasons,
} from 'aws-cdk-lib/aws-ses';
import type { IPublicHostedZone } from 'aws-cdk-lib/aws-route53';
import type { IStateMachine } from 'aws-cdk-lib/aws-stepfunctions';
import { Construct } from 'constructs';
import { ENV } from '../lambdas/config.ts';
import { BillFunction } from './bill-function.ts';
import { grantTableAccess, TABLE_ACCESS, type TableAccess } from './table-access.ts';

export interface ApprovalsProps {
  readonly table: ITableV2;
  /** The From address of approval requests and supplier emails. */
  readonly sender: string;
  /** A public hosted zone for the sender's domain: DKIM records are then created in it. @default none (publish them by hand) */
  readonly hostedZone?: IPublicHostedZone;
  /** @default RetentionDays.ONE_MONTH */
  readonly logRetention?: RetentionDays;
  /**
   * Reserved concurrency of the public ack function (the Function URL): a flood of requests to
   * the public URL is throttled there and cannot take the account's concurrency from the
   * workflow. Reserving needs 100 unreserved executions left in the account. @default 10
   */
  readonly ackReservedConcurrency?: number;
}

/** Default reserved concurrency of the public ack function: approvers click one link at a time. */
export const ACK_RESERVED_CONCURRENCY = 10;

export class Approvals extends Construct {
  readonly signingSecret: Secret;
  readonly configurationSet: ConfigurationSet;
  /** The sender's domain, verified with Easy DKIM. */
  readonly identity: EmailIdentity;
  readonly ackFunction: BillFunction;
  readonly ackUrl: FunctionUrl;
  private readonly props: ApprovalsProps;

  constructor(scope: Construct, id: string, props: ApprovalsProps) {
    super(scope, id);
    this.props = props;
    const senderDomain = props.sender.slice(props.sender.indexOf('@') + 1);

    this.signingSecret = new Secret(this, 'LinkSigningSecret', {
      description: 'HMAC key of the signed approval links (at least 32 characters)',
      generateSecretString: { passwordLength: 64, excludePunctuation: true },
    });
    Validations.of(this.signingSecret).acknowledge({
      id: 'AwsSolutions-SMG4',
      reason:
        'Rotating the link-signing key invalidates every approval link still in the approvers\' inboxes (valid 7 days); it is rotated by hand between approval rounds, see docs/deploy.md.',
    });

    this.configurationSet = new ConfigurationSet(this, 'Sending', {
      tlsPolicy: ConfigurationSetTlsPolicy.REQUIRE,
      reputationMetrics: true,
      suppressionReasons: SuppressionReasons.BOUNCES_AND_COMPLAINTS,
    });
    this.identity = new EmailIdentity(this, 'SenderDomain', {
      identity: props.hostedZone ? Identity.publicHostedZone(props.hostedZone) : Identity.domain(senderDomain),
      configurationSet: this.configurationSet,
    });

    this.ackFunction = new BillFunction(this, 'Ack', {
      name: 'ack',
      description: 'bill matcher: the pages of the signed approval links (Function URL)',
      logRetention: props.logRetention,
      timeout: Duration.seconds(15),
      reservedConcurrentExecutions: props.ackReservedConcurrency ?? ACK_RESERVED_CONCURRENCY,
    });
    this.configureSender(this.ackFunction, TABLE_ACCESS.ack);
    // Public by design: the links are the credential (HMAC-signed, single-use, expiring), and
    // approvers open them from their mail client without an AWS identity.
    this.ackUrl = this.ackFunction.addFunctionUrl({ authType: FunctionUrlAuthType.NONE, invokeMode: InvokeMode.BUFFERED });
  }

  /**
   * Lets a function send approval mail: the bills table, the signing secret, SES sending as
   * the sender through the configuration set, and the ack page's address for the links.
   */
  configureSender(fn: BillFunction, tableAccess: TableAccess): void {
    grantTableAccess(fn, this.props.table, tableAccess);
    this.signingSecret.grantRead(fn);
    this.grantSending(fn);
    fn.addEnvironment(ENV.TABLE_NAME, this.props.table.tableName);
    fn.addEnvironment(ENV.SIGNING_SECRET_ARN, this.signingSecret.secretArn);
    // The ack function answers its own links and needs no URL of itself.
    if (fn !== this.ackFunction) fn.addEnvironment(ENV.ACK_BASE_URL, this.ackUrl.url);
  }

  /** Lets a function send email as the sender through the configuration set (no links, no table). */
  configureMailer(fn: BillFunction): void {
    this.grantSending(fn);
  }

  /** Lets a function send mail as the sender, through the configuration set (the monthly summary, the lanes). */
  grantSending(fn: BillFunction): void {
    this.identity.grantSendEmail(fn);
    // SESv2 SendEmail with a configuration set is authorised on the set as well.
    fn.addToRolePolicy(
      new iam.PolicyStatement({
        actions: ['ses:SendEmail', 'ses:SendRawEmail'],
        resources: [
          Stack.of(this).formatArn({ service: 'ses', resource: 'configuration-set', resourceName: this.configurationSet.configurationSetName }),
        ],
      }),
    );
    fn.addEnvironment(ENV.SENDER, this.props.sender);
    fn.addEnvironment(ENV.CONFIGURATION_SET, this.configurationSet.configurationSetName);
  }

  /**
   * Lets the ack handler resume the workflow (`SendTaskSuccess` with the token stored on the
   * bill). A policy of its own rather than the role's default policy: the ack function must
   * not depend on the state machine, which depends on the approval desk, which needs the ack URL.
   */
  allowResume(stateMachine: IStateMachine): void {
    new iam.Policy(this, 'AckResumesWorkflow', {
      roles: [this.ackFunction.functionRole],
      statements: [new iam.PolicyStatement({ actions: ['states:SendTaskSuccess'], resources: [stateMachine.stateMachineArn] })],
    });
  }
}

