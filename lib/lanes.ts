/**
 * The lanes that bring master data and bills without email (lambdas/lanes, docs/deploy.md):
 * - the master-data drop lane: objects under `master/incoming/` of the documents bucket start the
 *   `master-drop` function (always on);
 * - Drive sync: the `drive-sync` function every `everyMinutes` minutes (15 by default), reading the
 *   service-account key from its one secret (off unless `lanes.driveSync` is configured);
 * - portal poll: the `portal-poll` function at the configured hours (08:00, 12:00, 16:00 by
 *   default), reading each portal's secret `bm/portals/<id>` (off unless `lanes.portalPoll` is).
 * Schedules run in the configured time zone (EventBridge Scheduler handles daylight saving); a
 * scheduled run that cannot be delivered lands in a dead-letter queue. Alarms: refused
 * master-data imports and failed portals (metrics the functions emit), and the dead-letter queue;
 * the functions' errors and throttles are alarmed with the others (lib/observability.ts).
 * Each function may read exactly its secrets (not even the link-signing secret): no wildcard
 * beyond the random suffix Secrets Manager appends to a secret's ARN. On the bills table each
 * has its own least-privilege entry of `TABLE_ACCESS` (lib/table-access.ts): the drop lane and
 * Drive sync import master data and keep the lane's state; the portal poll only its own state.
 */
import { Aws, Duration, TimeZone } from 'aws-cdk-lib';
import { Alarm, ComparisonOperator, Metric, TreatMissingData } from 'aws-cdk-lib/aws-cloudwatch';
import { SnsAction } from 'aws-cdk-lib/aws-cloudwatch-actions';
import { Role, ServicePrincipal } from 'aws-cdk-lib/aws-iam';
import type { RetentionDays } from 'aws-cdk-lib/aws-logs';
import { EventType } from 'aws-cdk-lib/aws-s3';
import { SqsDestination } from 'aws-cdk-lib/aws-lambda-destinations';
import { LambdaDestination } from 'aws-cdk-lib/aws-s3-notifications';
import { Schedule, ScheduleExpression } from 'aws-cdk-lib/aws-scheduler';
import { LambdaInvoke } from 'aws-cdk-lib/aws-scheduler-targets';
import { Secret, type ISecret } from 'aws-cdk-lib/aws-secretsmanager';
import type { ITopic } from 'aws-cdk-lib/aws-sns';
import { Queue, QueueEncryption } from 'aws-cdk-lib/aws-sqs';
import { Construct } from 'constructs';
import { ENV } from '../lambdas/config.ts';
import { portalSecretName, type PortalConfig } from '../lambdas/lanes/portals/config.ts';
import { METRIC, METRICS_NAMESPACE, SERVICE_NAME } from '../lambdas/shared/powertools.ts';
import type { Approvals } from './approvals.ts';
import { BillFunction } from './bill-function.ts';
import type { BillMatcherConfig } from './config.ts';
import { acknowledge, arnRef, iam5, REASONS } from './nag.ts';
import type { Storage } from './storage.ts';
import { grantTableAccess, TABLE_ACCESS, type TableAccess } from './table-access.ts';

/** Key prefixes of the documents bucket the lanes use. */
export const LANE_PREFIXES = { incoming: 'master/incoming/', current: 'master/current/', portalUploads: 'uploads/portals/' } as const;

export interface LanesProps {
  readonly storage: Storage;
  /** Refusals are emailed through the approval mailer's identity. */
  readonly approvals: Approvals;
  readonly timeZone: string;
  readonly opsEmail: string;
  readonly lanes: BillMatcherConfig['lanes'];
  readonly logRetention?: RetentionDays;
}

export class Lanes extends Construct {
  readonly masterDrop: BillFunction;
  readonly driveSync: BillFunction | undefined;
  readonly portalPoll: BillFunction | undefined;
  readonly schedules: Schedule[] = [];
  /** The secrets each function may read. */
  readonly secrets: { readonly driveSync?: ISecret; readonly portals: Readonly<Record<string, ISecret>> };
  readonly alarms: Alarm[] = [];
  private dlqQueue: Queue | undefined;

  /** Where scheduled runs that could not be delivered land (only when a lane is scheduled). */
  get deadLetterQueue(): Queue | undefined {
    return this.dlqQueue;
  }

  private lanesDlq(): Queue {
    if (!this.dlqQueue) {
      this.dlqQueue = new Queue(this, 'Dlq', { encryption: QueueEncryption.SQS_MANAGED, enforceSSL: true, retentionPeriod: Duration.days(14) });
      acknowledge(this.dlqQueue, 'AwsSolutions-SQS3', "This queue is itself a dead-letter queue (of the master-drop function's failed events and the lanes' scheduler targets); nothing consumes it but an operator.");
    }
    return this.dlqQueue;
  }

  constructor(scope: Construct, id: string, private readonly props: LanesProps) {
    super(scope, id);
    const documents = props.storage.documents;
    const withMasterAccess = (fn: BillFunction, access: TableAccess) => {
      // The table (lane state, the import) and SES for the ops email; not the link-signing secret.
      grantTableAccess(fn, props.storage.table, access);
      props.approvals.configureMailer(fn);
      fn.addEnvironment(ENV.DOCUMENT_BUCKET, documents.bucketName);
      fn.addEnvironment(ENV.OPS_EMAIL, props.opsEmail);
      documents.grantReadWrite(fn, `${LANE_PREFIXES.current}*`);
      fn.acknowledgeOnRole({
        [iam5.resource(`${arnRef(documents)}/${LANE_PREFIXES.current}*`)]: `${REASONS.objectsOfPrefix} (${LANE_PREFIXES.current}: the current master set, read and replaced by the drop lane)`,
        [iam5.action('s3:GetObject*')]: REASONS.s3ReadGrant,
        [iam5.action('s3:GetBucket*')]: REASONS.s3ReadGrant,
        [iam5.action('s3:List*')]: REASONS.s3ReadGrant,
        [iam5.action('s3:DeleteObject*')]: "CDK's read-write grant on one prefix includes deletes of that prefix's objects (the lane never deletes).",
        [iam5.action('s3:Abort*')]: REASONS.s3PutGrant,
      });
    };

    this.masterDrop = new BillFunction(this, 'MasterDrop', {
      name: 'master-drop',
      description: 'bill matcher: master data dropped under master/incoming/, imported all or nothing',
      logRetention: props.logRetention,
      timeout: Duration.minutes(2),
      memorySize: 512,
    });
    withMasterAccess(this.masterDrop, TABLE_ACCESS['master-drop']);
    documents.grantRead(this.masterDrop, `${LANE_PREFIXES.incoming}*`);
    this.masterDrop.acknowledgeOnRole({
      [iam5.resource(`${arnRef(documents)}/${LANE_PREFIXES.incoming}*`)]: `${REASONS.objectsOfPrefix} (${LANE_PREFIXES.incoming}: drops of master data)`,
    });
    documents.addEventNotification(EventType.OBJECT_CREATED, new LambdaDestination(this.masterDrop), { prefix: LANE_PREFIXES.incoming });
    // A drop that still fails after Lambda's retries (the lane held for minutes, the table down)
    // lands in the lanes' dead-letter queue, which is alarmed; the object stays under incoming/.
    this.masterDrop.configureAsyncInvoke({ retryAttempts: 2, maxEventAge: Duration.hours(6), onFailure: new SqsDestination(this.lanesDlq()) });

    const c = props.lanes;
    const zone = TimeZone.of(props.timeZone);
    let role: Role | undefined;
    const schedulerRole = () => {
      if (role) return role;
      role = new Role(this, 'SchedulerRole', {
        assumedBy: new ServicePrincipal('scheduler.amazonaws.com', { conditions: { StringEquals: { 'aws:SourceAccount': Aws.ACCOUNT_ID } } }),
        description: 'bill matcher: EventBridge Scheduler invokes the lanes (Drive sync, portal poll)',
      });
      return role;
    };
    const dlq = () => this.lanesDlq();

    let driveSecret: ISecret | undefined;
    if (c.driveSync) {
      const fn = new BillFunction(this, 'DriveSync', {
        name: 'drive-sync',
        description: 'bill matcher: the orders-and-receipts sheet into the master-data drop lane when it changed',
        logRetention: props.logRetention,
        timeout: Duration.minutes(2),
        memorySize: 512,
      });
      withMasterAccess(fn, TABLE_ACCESS['drive-sync']);
      driveSecret = Secret.fromSecretNameV2(this, 'DriveKey', c.driveSync.secretName);
      driveSecret.grantRead(fn);
      fn.addEnvironment(ENV.DRIVE_FILE_ID, c.driveSync.fileId);
      fn.addEnvironment(ENV.DRIVE_SECRET, c.driveSync.secretName);
      this.schedules.push(
        new Schedule(this, 'DriveSyncSchedule', {
          description: `bill matcher: Drive sync every ${c.driveSync.everyMinutes} minutes`,
          schedule: ScheduleExpression.cron({ minute: `0/${c.driveSync.everyMinutes}`, timeZone: zone }),
          target: new LambdaInvoke(fn, { role: schedulerRole(), retryAttempts: 0, maxEventAge: Duration.minutes(10), deadLetterQueue: dlq() }),
        }),
      );
      this.driveSync = fn;
    }

    const portalSecrets: Record<string, ISecret> = {};
    if (c.portalPoll) {
      const fn = new BillFunction(this, 'PortalPoll', {
        name: 'portal-poll',
        description: 'bill matcher: new bills from the supplier portals, landed as uploads',
        logRetention: props.logRetention,
        timeout: Duration.minutes(10),
        memorySize: 512,
      });
      grantTableAccess(fn, props.storage.table, TABLE_ACCESS['portal-poll']);
      fn.addEnvironment(ENV.DOCUMENT_BUCKET, documents.bucketName);
      fn.addEnvironment(ENV.PORTALS, JSON.stringify(c.portalPoll.portals satisfies PortalConfig[]));
      documents.grantPut(fn, `${LANE_PREFIXES.portalUploads}*`);
      fn.acknowledgeOnRole({
        [iam5.resource(`${arnRef(documents)}/${LANE_PREFIXES.portalUploads}*`)]: `${REASONS.objectsOfPrefix} (${LANE_PREFIXES.portalUploads}: bills from the portals, where intake picks them up)`,
        [iam5.action('s3:Abort*')]: REASONS.s3PutGrant,
      });
      for (const p of c.portalPoll.portals) {
        const s = Secret.fromSecretNameV2(this, `Portal-${p.id}`, portalSecretName(p.id));
        s.grantRead(fn);
        portalSecrets[p.id] = s;
      }
      this.schedules.push(
        new Schedule(this, 'PortalPollSchedule', {
          description: `bill matcher: portal poll at ${c.portalPoll.hours.map((h) => `${String(h).padStart(2, '0')}:00`).join(', ')}`,
          schedule: ScheduleExpression.cron({ minute: '0', hour: [...new Set(c.portalPoll.hours)].sort((a, b) => a - b).join(','), timeZone: zone }),
          target: new LambdaInvoke(fn, { role: schedulerRole(), retryAttempts: 1, maxEventAge: Duration.hours(1), deadLetterQueue: dlq() }),
        }),
      );
      this.portalPoll = fn;
    }
    if (role) {
      const targets = [this.driveSync, this.portalPoll].filter((f): f is BillFunction => f !== undefined);
      for (const f of targets) {
        acknowledge(role, iam5.resource(`${arnRef(f)}:*`), "CDK's scheduler target grants lambda:InvokeFunction on the function and its versions (<arn>:*); the role invokes only the lanes' functions.");
      }
    }
    this.secrets = { ...(driveSecret ? { driveSync: driveSecret } : {}), portals: portalSecrets };
  }

  /** The functions, by a name for the error and throttle alarms. */
  functions(): Record<string, BillFunction> {
    return {
      MasterDrop: this.masterDrop,
      ...(this.driveSync ? { DriveSync: this.driveSync } : {}),
      ...(this.portalPoll ? { PortalPoll: this.portalPoll } : {}),
    };
  }

  /** The lanes' own alarms, to the alarm topic. */
  alarmTo(topic: ITopic): void {
    const metric = (name: string) => new Metric({ namespace: METRICS_NAMESPACE, metricName: name, dimensionsMap: { service: SERVICE_NAME }, statistic: 'Sum', period: Duration.minutes(15) });
    const alarm = (id: string, m: Metric | ReturnType<Queue['metricApproximateNumberOfMessagesVisible']>, description: string) => {
      const a = new Alarm(this, id, {
        metric: m,
        threshold: 1,
        evaluationPeriods: 1,
        comparisonOperator: ComparisonOperator.GREATER_THAN_OR_EQUAL_TO_THRESHOLD,
        treatMissingData: TreatMissingData.NOT_BREACHING,
        alarmDescription: `bill matcher: ${description}`,
      });
      a.addAlarmAction(new SnsAction(topic));
      this.alarms.push(a);
    };
    alarm('MasterImportsRefused', metric(METRIC.masterImportsRefused), 'a master-data drop or sheet revision was refused (the ops email lists every bad row)');
    if (this.portalPoll) alarm('PortalPollFailures', metric(METRIC.portalPollFailures), 'a supplier portal could not be polled (the log names the portal and why)');
    if (this.deadLetterQueue) alarm('LanesDlqNotEmpty', this.deadLetterQueue.metricApproximateNumberOfMessagesVisible({ statistic: 'Maximum', period: Duration.minutes(5) }), 'a master-data drop failed after its retries (the object is still under master/incoming/), or a scheduled Drive sync or portal poll could not be delivered');
  }
}
