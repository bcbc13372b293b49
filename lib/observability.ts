/**
 * What tells an operator that something needs a look: CloudWatch alarms to an SNS topic (email
 * subscription) on
 * - any message in a dead-letter queue (a submission never started, an S3 event intake could not
 *   take, a sweep the scheduler could not deliver);
 * - failed or timed-out workflow executions (a bill whose failure could not even be recorded, an
 *   approval request that could not be sent);
 * - approval links refused by the ack handler in a burst (forged, replayed or expired links);
 * - errors and throttles of every function;
 * and an AWS Budgets cost budget with email notifications.
 */
import { Duration } from 'aws-cdk-lib';
import { CfnBudget } from 'aws-cdk-lib/aws-budgets';
import { Alarm, ComparisonOperator, Metric, TreatMissingData, type IMetric } from 'aws-cdk-lib/aws-cloudwatch';
import { SnsAction } from 'aws-cdk-lib/aws-cloudwatch-actions';
import { ServicePrincipal } from 'aws-cdk-lib/aws-iam';
import { Key } from 'aws-cdk-lib/aws-kms';
import type { IFunction } from 'aws-cdk-lib/aws-lambda';
import { Topic } from 'aws-cdk-lib/aws-sns';
import { EmailSubscription } from 'aws-cdk-lib/aws-sns-subscriptions';
import type { IQueue } from 'aws-cdk-lib/aws-sqs';
import type { StateMachine } from 'aws-cdk-lib/aws-stepfunctions';
import { Construct } from 'constructs';
import { METRIC, METRICS_NAMESPACE, SERVICE_NAME } from '../lambdas/shared/powertools.ts';

export interface ObservabilityProps {
  /** Who receives the alarms. */
  readonly alarmEmail: string;
  /** Dead-letter queues, by a name for the alarm. */
  readonly deadLetterQueues: Readonly<Record<string, IQueue>>;
  readonly stateMachine: StateMachine;
  /** Functions, by a name for the alarms. */
  readonly functions: Readonly<Record<string, IFunction>>;
  /** Monthly cost budget. */
  readonly budget: { readonly monthlyUsd: number; readonly email: string };
  /** Refused approval links within 15 minutes that raise the alarm. @default 5 */
  readonly ackRefusalsThreshold?: number;
}

export class Observability extends Construct {
  readonly topic: Topic;
  readonly alarms: Alarm[] = [];

  constructor(scope: Construct, id: string, props: ObservabilityProps) {
    super(scope, id);
    // A customer managed key: CloudWatch cannot publish to a topic under the AWS managed SNS key.
    const key = new Key(this, 'AlarmsKey', { enableKeyRotation: true, description: 'bill matcher alarm topic' });
    key.grant(new ServicePrincipal('cloudwatch.amazonaws.com'), 'kms:Decrypt', 'kms:GenerateDataKey*');
    this.topic = new Topic(this, 'Alarms', { displayName: 'bill matcher alarms', masterKey: key, enforceSSL: true });
    this.topic.addSubscription(new EmailSubscription(props.alarmEmail));

    for (const [name, queue] of Object.entries(props.deadLetterQueues)) {
      this.alarm(`${name}NotEmpty`, queue.metricApproximateNumberOfMessagesVisible({ statistic: 'Maximum', period: Duration.minutes(5) }), 1, `${name}: messages are waiting in the dead-letter queue`);
    }
    const sm = props.stateMachine;
    this.alarm('ExecutionsFailed', sm.metricFailed({ period: Duration.minutes(5) }), 1, 'workflow executions failed (see the Step Functions execution history)');
    this.alarm('ExecutionsTimedOut', sm.metricTimedOut({ period: Duration.minutes(5) }), 1, 'workflow executions timed out');
    this.alarm(
      'AckLinksRefused',
      new Metric({ namespace: METRICS_NAMESPACE, metricName: METRIC.ackLinksRefused, dimensionsMap: { service: SERVICE_NAME }, statistic: 'Sum', period: Duration.minutes(15) }),
      props.ackRefusalsThreshold ?? 5,
      'the ack handler refused many approval links (forged, replayed or expired)',
    );
    for (const [name, fn] of Object.entries(props.functions)) {
      this.alarm(`${name}Errors`, fn.metricErrors({ period: Duration.minutes(5) }), 1, `${name}: function errors`);
      this.alarm(`${name}Throttles`, fn.metricThrottles({ period: Duration.minutes(5) }), 1, `${name}: function throttled`);
    }

    new CfnBudget(this, 'Budget', {
      budget: { budgetType: 'COST', timeUnit: 'MONTHLY', budgetLimit: { amount: props.budget.monthlyUsd, unit: 'USD' } },
      notificationsWithSubscribers: [
        {
          notification: { notificationType: 'ACTUAL', comparisonOperator: 'GREATER_THAN', threshold: 80, thresholdType: 'PERCENTAGE' },
          subscribers: [{ subscriptionType: 'EMAIL', address: props.budget.email }],
        },
        {
          notification: { notificationType: 'FORECASTED', comparisonOperator: 'GREATER_THAN', threshold: 100, thresholdType: 'PERCENTAGE' },
          subscribers: [{ subscriptionType: 'EMAIL', address: props.budget.email }],
        },
      ],
    });
  }

  private alarm(id: string, metric: IMetric, threshold: number, description: string): void {
    const alarm = new Alarm(this, id, {
      metric,
      threshold,
      evaluationPeriods: 1,
      comparisonOperator: ComparisonOperator.GREATER_THAN_OR_EQUAL_TO_THRESHOLD,
      treatMissingData: TreatMissingData.NOT_BREACHING,
      alarmDescription: `bill matcher: ${description}`,
    });
    alarm.addAlarmAction(new SnsAction(this.topic));
    this.alarms.push(alarm);
  }
}
