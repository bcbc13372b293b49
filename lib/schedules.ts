/**
 * Schedules, in the configured time zone (EventBridge Scheduler handles daylight saving):
 * - the daily sweep (`lambdas/sweep/handler.ts`): pending approvals emailed again, suppliers
 *   who owe an answer reminded;
 * - (a later issue) the monthly summary: add a second `Schedule` here with its own function.
 *
 * A sweep the scheduler could not deliver after its retries lands in a dead-letter queue that
 * the observability construct alarms on.
 */
import { Aws, Duration, TimeZone } from 'aws-cdk-lib';
import { Role, ServicePrincipal } from 'aws-cdk-lib/aws-iam';
import type { RetentionDays } from 'aws-cdk-lib/aws-logs';
import { Schedule, ScheduleExpression } from 'aws-cdk-lib/aws-scheduler';
import { LambdaInvoke } from 'aws-cdk-lib/aws-scheduler-targets';
import { Queue, QueueEncryption } from 'aws-cdk-lib/aws-sqs';
import { Construct } from 'constructs';
import type { Approvals } from './approvals.ts';
import { BillFunction } from './bill-function.ts';
import { acknowledge, arnRef, iam5 } from './nag.ts';
import { TABLE_ACCESS } from './table-access.ts';

export interface SchedulesProps {
  /** IANA time zone, e.g. Europe/Berlin. */
  readonly timeZone: string;
  /** Hour of day (0–23) of the daily sweep. @default 7 */
  readonly sweepHour?: number;
  /** The sweep emails approvers: it gets the approval mailing rights. */
  readonly approvals: Approvals;
  /** @default RetentionDays.ONE_MONTH */
  readonly logRetention?: RetentionDays;
}

export class Schedules extends Construct {
  readonly sweep: BillFunction;
  readonly dailySweep: Schedule;
  readonly deadLetterQueue: Queue;

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
  }
}
