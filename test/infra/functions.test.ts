/** Every function is a BillFunction: Node.js 22, arm64, traced, source maps, its log group with a retention. */
import { readdirSync, existsSync } from 'node:fs';
import { join } from 'node:path';
import { Match } from 'aws-cdk-lib/assertions';
import { beforeAll, describe, expect, it } from 'vitest';
import { BILL_FUNCTIONS, OPTIONAL_FUNCTIONS, PROJECT_ROOT } from '../../lib/bundle.ts';
import { logicalId, templates, SYNTH_TIMEOUT } from './support.ts';

/** Deployed by the example configuration (the optional lanes are off). */
const DEPLOYED = BILL_FUNCTIONS.length - OPTIONAL_FUNCTIONS.size;

let t: ReturnType<typeof templates>;
beforeAll(() => {
  t = templates();
}, SYNTH_TIMEOUT);

describe('functions', () => {
  it('BILL_FUNCTIONS lists every lambdas/*/handler.ts', () => {
    const dirs = readdirSync(join(PROJECT_ROOT, 'lambdas')).filter((d) => existsSync(join(PROJECT_ROOT, 'lambdas', d, 'handler.ts')));
    expect([...BILL_FUNCTIONS].sort()).toEqual(dirs.sort());
  });

  it('every listed function is deployed, once (the optional lanes when configured: test/infra/lanes.test.ts)', () => {
    const fns = Object.values(t.main.findResources('AWS::Lambda::Function')).filter((f) => String(f.Properties.Description ?? '').startsWith('bill matcher'));
    expect(fns).toHaveLength(DEPLOYED);
  });

  it('each runs Node.js 22 on arm64 with active tracing, source maps and Powertools settings', () => {
    const fns = Object.values(t.main.findResources('AWS::Lambda::Function')).filter((f) => String(f.Properties.Description ?? '').startsWith('bill matcher'));
    for (const f of fns) {
      expect(f.Properties).toMatchObject({
        Runtime: 'nodejs22.x',
        Architectures: ['arm64'],
        Handler: 'index.handler',
        TracingConfig: { Mode: 'Active' },
        Environment: { Variables: expect.objectContaining({ NODE_OPTIONS: '--enable-source-maps', POWERTOOLS_METRICS_NAMESPACE: 'BillMatcher', POWERTOOLS_TRACER_CAPTURE_RESPONSE: 'false' }) },
      });
    }
  });

  it('each logs to its own log group with the configured retention', () => {
    const decide = t.s.main.workflow.tasks['decide-bill'];
    t.main.hasResourceProperties('AWS::Lambda::Function', {
      Description: 'bill matcher: decide-bill',
      MemorySize: 256,
      LoggingConfig: { LogGroup: { Ref: logicalId(decide.logs, t.s.main) } },
    });
    t.main.hasResourceProperties('AWS::Logs::LogGroup', { RetentionInDays: 90 });
    const groups = Object.values(t.main.findResources('AWS::Logs::LogGroup'));
    for (const g of groups) expect(g.Properties.RetentionInDays).toBe(90);
  });

  it('the readers get 1 GB (pdf.js is CPU-bound), and extract outlasts Textract polling (4 minutes) and the model', () => {
    t.main.hasResourceProperties('AWS::Lambda::Function', { Description: 'bill matcher: read-document', MemorySize: 1024 });
    t.main.hasResourceProperties('AWS::Lambda::Function', { Description: 'bill matcher: extract', MemorySize: 1024, Timeout: 360 });
  });

  it('the ack handler answers on a public Function URL (the signed link is the credential)', () => {
    t.main.hasResourceProperties('AWS::Lambda::Url', {
      AuthType: 'NONE',
      TargetFunctionArn: { 'Fn::GetAtt': [logicalId(t.s.main.approvals.ackFunction, t.s.main), 'Arn'] },
    });
    t.main.hasResourceProperties('AWS::Lambda::Function', {
      Description: 'bill matcher: approval-desk',
      Environment: { Variables: Match.objectLike({ BM_ACK_BASE_URL: { 'Fn::GetAtt': [Match.anyValue(), 'FunctionUrl'] } }) },
    });
  });

  it('the daily sweep runs at the configured hour in the configured time zone', () => {
    t.main.hasResourceProperties('AWS::Scheduler::Schedule', {
      ScheduleExpression: 'cron(0 7 * * ? *)',
      ScheduleExpressionTimezone: 'Europe/Berlin',
      Target: Match.objectLike({ Arn: { 'Fn::GetAtt': [logicalId(t.s.main.schedules.sweep, t.s.main), 'Arn'] } }),
    });
  });
});

describe('observability', () => {
  it('alarms on every dead-letter queue, failed executions, and errors and throttles of every function', () => {
    const alarms = Object.values(t.main.findResources('AWS::CloudWatch::Alarm'));
    const dlqAlarms = alarms.filter((a) => a.Properties.MetricName === 'ApproximateNumberOfMessagesVisible');
    expect(dlqAlarms).toHaveLength(4); // submissions, intake, the schedules, the lanes (the master-drop function's failed events)
    expect(alarms.filter((a) => a.Properties.MetricName === 'ExecutionsFailed')).toHaveLength(1);
    expect(alarms.filter((a) => a.Properties.MetricName === 'Errors')).toHaveLength(DEPLOYED);
    expect(alarms.filter((a) => a.Properties.MetricName === 'Throttles')).toHaveLength(DEPLOYED);
    t.main.hasResourceProperties('AWS::CloudWatch::Alarm', { Namespace: 'BillMatcher', MetricName: 'AckLinksRefused' });
    for (const a of alarms) expect(a.Properties.AlarmActions).toEqual([{ Ref: logicalId(t.s.main.observability.topic, t.s.main) }]);
  });

  it('has a monthly cost budget with the configured amount and email', () => {
    t.main.hasResourceProperties('AWS::Budgets::Budget', {
      Budget: { BudgetType: 'COST', TimeUnit: 'MONTHLY', BudgetLimit: { Amount: 50, Unit: 'USD' } },
      NotificationsWithSubscribers: Match.arrayWith([Match.objectLike({ Subscribers: [{ SubscriptionType: 'EMAIL', Address: 'finance-ops@example.com' }] })]),
    });
  });
});
