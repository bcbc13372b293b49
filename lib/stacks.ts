/**
 * The deployment: two stacks composed of one construct per concern.
 * - `BillMatcherStack` (`<stackName>`): storage, approvals, the workflow, schedules, observability.
 * - `InboundMailStack` (`<stackName>-InboundMail`): the SES receipt rule set, on its own because
 *   a change to it changes mail flow; it writes into the main stack's raw-mail bucket.
 *
 * `buildApp` is what `bin/app.ts` runs and what the infrastructure tests synthesize: the same
 * stacks, the same cdk-nag checks, the same acknowledgements.
 */
import { Annotations, CfnOutput, Stack, Tags, Validations, type App, type StackProps } from 'aws-cdk-lib';
import type { RetentionDays } from 'aws-cdk-lib/aws-logs';
import { PublicHostedZone, type IPublicHostedZone } from 'aws-cdk-lib/aws-route53';
import { AwsSolutionsChecks } from 'cdk-nag';
import type { Construct } from 'constructs';
import { Approvals } from './approvals.ts';
import { BillWorkflow } from './bill-workflow.ts';
import { BillFunction } from './bill-function.ts';
import { isExampleDomain, loadConfig, type BillMatcherConfig } from './config.ts';
import { InboundMail } from './inbound-mail.ts';
import { Lanes } from './lanes.ts';
import { Observability } from './observability.ts';
import { Schedules } from './schedules.ts';
import { Storage } from './storage.ts';
import { Workspace } from './workspace.ts';

export interface BillMatcherStackProps extends StackProps {
  readonly config: BillMatcherConfig;
}

export class BillMatcherStack extends Stack {
  readonly storage: Storage;
  readonly approvals: Approvals;
  readonly workflow: BillWorkflow;
  readonly schedules: Schedules;
  readonly observability: Observability;
  readonly lanes: Lanes;
  readonly workspace: Workspace;

  constructor(scope: Construct, id: string, props: BillMatcherStackProps) {
    super(scope, id, props);
    const c = props.config;
    const logRetention = c.retention.logDays as RetentionDays;
    const senderDomain = c.sender.slice(c.sender.indexOf('@') + 1);

    this.storage = new Storage(this, 'Storage', {
      retention: { documentsDays: c.retention.documentsDays, rawMailDays: c.retention.rawMailDays, glacierAfterDays: c.retention.glacierAfterDays },
    });
    this.approvals = new Approvals(this, 'Approvals', {
      table: this.storage.table,
      sender: c.sender,
      hostedZone: zoneFor(this, c, senderDomain),
      logRetention,
    });
    this.workflow = new BillWorkflow(this, 'Workflow', {
      storage: this.storage,
      approvals: this.approvals,
      extraction: c.extraction.enabled ? { modelId: c.extraction.modelId, supplierModels: c.extraction.supplierModels } : undefined,
      logRetention,
    });
    this.schedules = new Schedules(this, 'Schedules', {
      timeZone: c.timeZone,
      sweepHour: c.sweepHour,
      approvals: this.approvals,
      logRetention,
      ...(c.summary ? { summary: { recipients: c.summary.recipients, modelId: c.summary.modelId, table: this.storage.table } } : {}),
    });
    this.lanes = new Lanes(this, 'Lanes', {
      storage: this.storage,
      approvals: this.approvals,
      timeZone: c.timeZone,
      opsEmail: c.lanes.opsEmail ?? c.alarmEmail,
      lanes: c.lanes,
      logRetention,
    });
    this.workspace = new Workspace(this, 'Workspace', {
      table: this.storage.table,
      documents: this.storage.documents,
      queue: this.workflow.queue,
      domainPrefix: c.workspace?.domainPrefix ?? `${c.stackName.toLowerCase().replace(/[^a-z0-9-]/g, '-')}-${this.account}`,
      ...(c.workspace?.url ? { customUrl: c.workspace.url } : {}),
      logRetention,
    });
    const functions: Record<string, BillFunction> = {
      Intake: this.workflow.intake,
      StartExecution: this.workflow.starter,
      ReadDocument: this.workflow.tasks['read-document'],
      Extract: this.workflow.tasks.extract,
      DecideBill: this.workflow.tasks['decide-bill'],
      RecordFailure: this.workflow.tasks['record-failure'],
      ApprovalDesk: this.workflow.tasks['approval-desk'],
      Ack: this.approvals.ackFunction,
      Sweep: this.schedules.sweep,
      Workspace: this.workspace.fn,
      ...(this.schedules.summary ? { Summary: this.schedules.summary } : {}),
      ...this.lanes.functions(),
    };
    this.observability = new Observability(this, 'Observability', {
      alarmEmail: c.alarmEmail,
      budget: c.budget,
      stateMachine: this.workflow.stateMachine,
      deadLetterQueues: {
        SubmissionsDlq: this.workflow.deadLetterQueue,
        IntakeDlq: this.workflow.intakeDeadLetterQueue,
        SweepDlq: this.schedules.deadLetterQueue,
      },
      functions,
    });
    this.lanes.alarmTo(this.observability.topic);

    // What `bm import --stack`, the docs and an operator look up.
    const out = (name: string, value: string, description: string) => new CfnOutput(this, name, { value, description });
    out('TableName', this.storage.table.tableName, 'the bills table');
    out('DocumentsBucketName', this.storage.documents.bucketName, 'documents; upload bills under uploads/');
    out('RawMailBucketName', this.storage.rawMail.bucketName, 'raw mail as SES wrote it (raw/)');
    out('StateMachineArn', this.workflow.stateMachine.stateMachineArn, 'the ProcessDocument workflow');
    out('ApprovalStateMachineArn', this.workflow.approvalMachine.stateMachineArn, 'the ApproveBill workflow: one execution per bill that needs a person');
    out('SubmissionsDlqUrl', this.workflow.deadLetterQueue.queueUrl, 'submissions that never started');
    out('AckUrl', this.approvals.ackUrl.url, 'where approval links point');
    out('AlarmTopicArn', this.observability.topic.topicArn, 'alarms');

    acknowledgeCdkInternals(this);
  }
}

export interface InboundMailStackProps extends StackProps {
  readonly config: BillMatcherConfig;
  readonly rawMail: Storage['rawMail'];
}

export class InboundMailStack extends Stack {
  readonly inbound: InboundMail;

  constructor(scope: Construct, id: string, props: InboundMailStackProps) {
    super(scope, id, props);
    const c = props.config;
    const senderDomain = c.sender.slice(c.sender.indexOf('@') + 1);
    this.inbound = new InboundMail(this, 'InboundMail', {
      domain: c.domain,
      recipients: c.recipients,
      bucket: props.rawMail,
      requireTls: c.requireTls,
      hostedZone: zoneFor(this, c, c.domain),
      verifyDomain: senderDomain !== c.domain,
      ruleSetName: `${c.stackName}-inbound-mail`,
    });
  }
}

/** The configured hosted zone when `domain` lies in it. */
function zoneFor(scope: Construct, c: BillMatcherConfig, domain: string): IPublicHostedZone | undefined {
  const z = c.hostedZone;
  if (!z || (domain !== z.name && !domain.endsWith(`.${z.name}`))) return undefined;
  return PublicHostedZone.fromPublicHostedZoneAttributes(scope, 'Zone', { hostedZoneId: z.id, zoneName: z.name });
}

/**
 * Findings on resources that CDK itself adds (not ours to configure), acknowledged with reasons.
 */
function acknowledgeCdkInternals(stack: Stack): void {
  // The singleton that writes the S3 bucket notification configuration (custom resource).
  const notifications = stack.node.tryFindChild('BucketNotificationsHandler050a0587b7544547bf325f094a3db834');
  if (notifications) {
    Validations.of(notifications).acknowledge({
      id: 'AwsSolutions-IAM4[Policy::arn:<AWS::Partition>:iam::aws:policy/service-role/AWSLambdaBasicExecutionRole]',
      reason:
        "CDK's BucketNotificationsHandler (writes the S3 event notification configuration at deploy time; its s3:PutBucketNotification is scoped to our two buckets) uses the AWS managed basic execution role for its logs; it runs only during deployments.",
    });
  }
}

/** The stack names for a configuration. */
export function stackNames(c: BillMatcherConfig): { main: string; inbound: string } {
  return { main: c.stackName, inbound: `${c.stackName}-InboundMail` };
}

/**
 * The whole app: configuration from the context (validated), both stacks, tags, and cdk-nag's
 * AWS Solutions checks (every finding either fixed or acknowledged with a reason).
 */
export function buildApp(app: App, config: BillMatcherConfig = loadConfig(app.node)): { main: BillMatcherStack; inbound: InboundMailStack } {
  const env = { account: config.account ?? process.env.CDK_DEFAULT_ACCOUNT, region: config.region };
  const names = stackNames(config);
  const main = new BillMatcherStack(app, names.main, { env, config, description: 'bill matcher: storage, workflow, approvals, schedules, alarms' });
  const inbound = new InboundMailStack(app, names.inbound, {
    env,
    config,
    rawMail: main.storage.rawMail,
    description: 'bill matcher: SES receipt rule set (raw mail to S3)',
  });
  inbound.addStackDependency(main);
  Tags.of(app).add('app', 'bill-matcher');
  if (isExampleDomain(config.domain)) {
    Annotations.of(main).addWarningV2('bill-matcher:example-config', `the configuration still names ${config.domain}: set your own values in cdk.json before deploying (docs/deploy.md)`);
  }
  Validations.of(app).addPlugins(new AwsSolutionsChecks(app));
  return { main, inbound };
}
