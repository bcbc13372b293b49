/**
 * Schedules, in the configured time zone (EventBridge Scheduler handles daylight saving):
 * - the daily sweep (`lambdas/sweep/handler.ts`): pending approvals emailed again, suppliers
 *   who owe an answer reminded;
 * - the monthly summary (`lambdas/summary/handler.ts`): finance's figures of the last complete
 *   month, a paragraph and a chart, emailed on the first Monday of the month at 9:00
 *   (`cron(0 9 ? * 2#1 *)`), when recipients are configured.
 *
 * An invocation the scheduler could not deliver after its retries lands in a dead-letter queue
 * that the observability construct alarms on.
 */
import { Aws, Duration, Stack, TimeZone } from 'aws-cdk-lib';
import { Role, ServicePrincipal } from 'aws-cdk-lib/aws-iam';
import type { RetentionDays } from 'aws-cdk-lib/aws-logs';
import * as iam from 'aws-cdk-lib/aws-iam';
import { Schedule, ScheduleExpression, ScheduleTargetInput } from 'aws-cdk-lib/aws-scheduler';
import { LambdaInvoke } from 'aws-cdk-lib/aws-scheduler-targets';
import { Queue, QueueEncryption } from 'aws-cdk-lib/aws-sqs';
import { Construct } from 'constructs';
import type { Approvals } from './approvals.ts';
import { BillFunction } from './bill-function.ts';
import type { ITableV2 } from 'aws-cdk-lib/aws-dynamodb';
import { ENV } from '../lambdas/config.ts';
import { bedrockModelArns } from './bill-workflow.ts';
import { acknowledge, arnRef, iam5, REASONS } from './nag.ts';
import { grantTableAccess, TABLE_ACCESS } from './table-access.ts';

export interface SummaryScheduleProps {
  /** The stakeholder list. */
  readonly recipients: readonly string[];
  /** Bedrock model or inference-profile id of the paragraph; null: the fixed template. */
  readonly modelId: string | null;
  /** The bills table the figures are read from (and the month's claim written to). */
  readonly table: ITableV2;
}

export interface SchedulesProps {
  /** IANA time zone, e.g. Europe/Berlin. */
  readonly timeZone: string;
  /** Hour of day (0–23) of the daily sweep. @default 7 */
  readonly sweepHour?: number;
  /** The sweep emails approvers: it gets the approval mailing rights. */
  readonly approvals: Approvals;
  /** @default RetentionDays.ONE_MONTH */
  readonly logRetention?: RetentionDays;
  /** The monthly summary; omitted: none. */
  readonly summary?: SummaryScheduleProps;
}

/** First Monday of the month (day of week 2 = Monday, `#1` = the first), 9:00. */
export const MONTHLY_SUMMARY_CRON = 'cron(0 9 ? * 2#1 *)';

export class Schedules extends Construct {
  readonly sweep: BillFunction;
  readonly dailySweep: Schedule;
  readonly deadLetterQueue: Queue;
  readonly summary?: BillFunction;
  readonly monthlySummary?: Schedule;

  constructor(scope: Construct, id: string, props: SchedulesProps) {
    super(scope, id);
    this.sweep = new BillFunction(this, 'Sweep', {
      name: 'sweep',
      description: 'bill matcher: the daily sweep (approval and supplier reminders)',
      logRetention: props.logRetention,
      timeout: Duration.minutes(5),
    });
    props.approvals.configureSender(this.sweep, TABLE_ACCESS.sweep);
    this.deadLetterQueue = new Queue(this, 'Dlq', { encryption: QueueEncryption.SQS_MANAGED, enforceSSL: true, retentionPeriod: Duration.days(14) });
    acknowledge(this.deadLetterQueue, 'AwsSolutions-SQS3', 'This queue is itself a dead-letter queue (of the scheduler target); nothing consumes it but an operator.');
    // A role of our own (rather than the scheduler's shared singleton) so that its findings are acknowledged here.
    const role = new Role(this, 'SchedulerRole', {
      assumedBy: new ServicePrincipal('scheduler.amazonaws.com', { conditions: { StringEquals: { 'aws:SourceAccount': Aws.ACCOUNT_ID } } }),
      description: 'bill matcher: EventBridge Scheduler invokes the sweep',
    });
    acknowledge(
      role,
      iam5.resource(`${arnRef(this.sweep)}:*`),
      'CDK\'s scheduler target grants lambda:InvokeFunction on the sweep function and its versions (<arn>:*); it is the one function this role can invoke.',
    );
    this.dailySweep = new Schedule(this, 'DailySweep', {
      description: 'bill matcher: daily sweep of pending approvals and supplier queries',
      schedule: ScheduleExpression.cron({ minute: '0', hour: String(props.sweepHour ?? 7), timeZone: TimeZone.of(props.timeZone) }),
      target: new LambdaInvoke(this.sweep, { role, retryAttempts: 2, maxEventAge: Duration.hours(2), deadLetterQueue: this.deadLetterQueue }),
    });

    if (props.summary) {
      const sum = props.summary;
      const fn = new BillFunction(this, 'Summary', {
        name: 'summary',
        description: "bill matcher: finance's monthly summary (figures, paragraph, chart, CSV)",
        logRetention: props.logRetention,
        memorySize: 512,
        timeout: Duration.minutes(5),
      });
      grantTableAccess(fn, sum.table, TABLE_ACCESS.summary);
      props.approvals.grantSending(fn);
      fn.addEnvironment(ENV.TABLE_NAME, sum.table.tableName);
      fn.addEnvironment(ENV.SUMMARY_RECIPIENTS, sum.recipients.join(','));
      const findings: Record<string, string> = { [iam5.resource(`${arnRef(sum.table)}/index/*`)]: REASONS.tableIndexes };
      if (sum.modelId) {
        fn.addEnvironment(ENV.SUMMARY_MODEL_ID, sum.modelId);
        const arns = bedrockModelArns(Stack.of(this), sum.modelId);
        fn.addToRolePolicy(new iam.PolicyStatement({ actions: ['bedrock:InvokeModel'], resources: arns }));
        for (const a of arns.filter((x) => x.includes(':bedrock:*:'))) {
          findings[iam5.resource(a.replace(Aws.PARTITION, '<AWS::Partition>'))] =
            'A cross-region inference profile routes each request to the model in any region of its geography; Bedrock authorises the model in the region that serves it.';
        }
      }
      fn.acknowledgeOnRole(findings);
      acknowledge(
        role,
        iam5.resource(`${arnRef(fn)}:*`),
        "CDK's scheduler target grants lambda:InvokeFunction on the summary function and its versions (<arn>:*); this role invokes only the sweep and the summary.",
      );
      this.summary = fn;
      this.monthlySummary = new Schedule(this, 'MonthlySummary', {
        description: "bill matcher: finance's monthly summary, first Monday of the month at 9:00",
        schedule: ScheduleExpression.expression(MONTHLY_SUMMARY_CRON, TimeZone.of(props.timeZone)),
        // The last complete month; the claim item keeps a retried delivery from sending twice.
        target: new LambdaInvoke(fn, { role, input: ScheduleTargetInput.fromObject({}), retryAttempts: 2, maxEventAge: Duration.hours(6), deadLetterQueue: this.deadLetterQueue }),
      });
    }
  }
}
