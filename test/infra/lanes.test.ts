/** The lanes in the CDK app: off unless configured; when configured, schedules, exactly their secrets, alarms; cdk-nag clean. */
import { beforeAll, describe, expect, it } from 'vitest';
import { ConfigError } from '../../lib/config.ts';
import { actionsOf, EVERY_LANE, exampleConfig, logicalId, statementsOfRole, tableAccessOf, templates, templatesWithEveryLane, type PolicyStatement } from './support.ts';

let on: ReturnType<typeof templates>;
let off: ReturnType<typeof templates>;
beforeAll(() => {
  // Synthesis runs cdk-nag: an unacknowledged finding throws here.
  on = templatesWithEveryLane();
  off = templates();
}, 120_000);

const secretArns = (statements: PolicyStatement[]) =>
  statements.filter((s) => actionsOf([s]).some((a) => a.startsWith('secretsmanager:'))).flatMap((s) => (Array.isArray(s.Resource) ? s.Resource : [s.Resource]).map((r) => JSON.stringify(r)));

describe('lanes, configured', () => {
  it('deploys Drive sync every 15 minutes and the portal poll at 08:00, 12:00 and 16:00, in the configured time zone', () => {
    const schedules = Object.values(on.main.findResources('AWS::Scheduler::Schedule')).map((s) => s.Properties as { ScheduleExpression: string; ScheduleExpressionTimezone: string; Target: { Arn: unknown } });
    const target = (fn: { node: { defaultChild?: unknown } }) => ({ 'Fn::GetAtt': [logicalId(fn, on.s.main), 'Arn'] });
    expect(schedules.find((s) => JSON.stringify(s.Target.Arn) === JSON.stringify(target(on.s.main.lanes.driveSync!)))).toMatchObject({ ScheduleExpression: 'cron(0/15 * * * ? *)', ScheduleExpressionTimezone: 'Europe/Berlin' });
    expect(schedules.find((s) => JSON.stringify(s.Target.Arn) === JSON.stringify(target(on.s.main.lanes.portalPoll!)))).toMatchObject({ ScheduleExpression: 'cron(0 8,12,16 * * ? *)', ScheduleExpressionTimezone: 'Europe/Berlin' });
  });

  it('lets each function read exactly its secrets', () => {
    const roleOf = (fn: { functionRole: { node: { defaultChild?: unknown } } }) => statementsOfRole(on.main, logicalId(fn.functionRole, on.s.main));
    expect(secretArns(roleOf(on.s.main.lanes.masterDrop))).toEqual([]);
    const drive = secretArns(roleOf(on.s.main.lanes.driveSync!));
    expect(drive).toHaveLength(1);
    expect(drive[0]).toMatch(/:secret:bm\/drive\/sa-\?\?\?\?\?\?"/);
    const portals = secretArns(roleOf(on.s.main.lanes.portalPoll!)).sort();
    expect(portals).toHaveLength(2);
    expect(portals[0]).toMatch(/:secret:bm\/portals\/acme-\?\?\?\?\?\?"/);
    expect(portals[1]).toMatch(/:secret:bm\/portals\/globex-\?\?\?\?\?\?"/);
    // No other function reads them.
    for (const fn of [on.s.main.lanes.masterDrop, on.s.main.schedules.sweep, ...on.s.main.workflow.functions]) {
      expect(secretArns(roleOf(fn)).filter((a) => a.includes('bm/drive') || a.includes('bm/portals'))).toEqual([]);
    }
  });

  it('gives each lane function its own keys on the table: master import and lane state for the drop lane and Drive sync, only its own state for the poll', () => {
    const access = (fn: { functionRole: { node: { defaultChild?: unknown } } }) => tableAccessOf(statementsOfRole(on.main, logicalId(fn.functionRole, on.s.main)), logicalId(on.s.main.storage.table, on.s.main));
    const lane = ['LANE#LOCK#MASTER', 'LANE#DROP#*', 'LANE#IMPORTS', 'LANE#MASTER#*'];
    const master = ['POLICY', 'VENDOR#*', 'VTAX#*', 'VNAME#*', 'PO#*'];
    const actions = ['dynamodb:BatchGetItem', 'dynamodb:BatchWriteItem', 'dynamodb:ConditionCheckItem', 'dynamodb:DeleteItem', 'dynamodb:GetItem', 'dynamodb:PutItem', 'dynamodb:Query'];
    expect(access(on.s.main.lanes.masterDrop)).toEqual({ read: ['MASTER', 'POLICY', 'VENDOR#*', 'PO#*', ...lane], write: ['MASTER', ...lane], delete: ['MASTER'], update: [], batchWrite: master, index: false, actions });
    expect(access(on.s.main.lanes.driveSync!)).toEqual({
      read: ['MASTER', 'POLICY', 'VENDOR#*', 'PO#*', ...lane, 'LANE#DRIVE#*'],
      write: ['MASTER', ...lane, 'LANE#DRIVE#*'],
      delete: ['MASTER'],
      update: [],
      batchWrite: master,
      index: false,
      actions,
    });
    const poll = ['LANE#PORTAL#*', 'LANE#PORTALDOC#*'];
    expect(access(on.s.main.lanes.portalPoll!)).toEqual({ read: poll, write: poll, delete: [], update: [], batchWrite: [], index: false, actions: ['dynamodb:BatchGetItem', 'dynamodb:ConditionCheckItem', 'dynamodb:GetItem', 'dynamodb:PutItem', 'dynamodb:Query'] });
  });

  it('gives the poll its portals (no secrets) and lets it write only under uploads/portals/', () => {
    const fn = on.main.findResources('AWS::Lambda::Function')[logicalId(on.s.main.lanes.portalPoll!, on.s.main)]!;
    const env = fn.Properties.Environment.Variables as Record<string, string>;
    expect(JSON.parse(env.BM_PORTALS!).map((p: { id: string }) => p.id)).toEqual(['acme', 'globex']);
    expect(env.BM_PORTALS).not.toMatch(/password|token"/i);
    const puts = statementsOfRole(on.main, logicalId(on.s.main.lanes.portalPoll!.functionRole, on.s.main)).filter((s) => actionsOf([s]).some((a) => a.startsWith('s3:Put')));
    expect(JSON.stringify(puts.map((s) => s.Resource))).toContain('/uploads/portals/*');
  });

  it('alarms on refused imports, failed portals and undelivered runs, and on the functions\' errors', () => {
    const alarms = Object.values(on.main.findResources('AWS::CloudWatch::Alarm')).map((a) => a.Properties as { MetricName: string; Namespace: string; Dimensions?: { Name: string; Value: unknown }[] });
    expect(alarms.filter((a) => a.Namespace === 'BillMatcher').map((a) => a.MetricName)).toEqual(expect.arrayContaining(['MasterImportsRefused', 'PortalPollFailures']));
    const errorTargets = alarms.filter((a) => a.MetricName === 'Errors').map((a) => JSON.stringify(a.Dimensions));
    for (const fn of [on.s.main.lanes.masterDrop, on.s.main.lanes.driveSync!, on.s.main.lanes.portalPoll!]) expect(errorTargets.some((d) => d.includes(logicalId(fn, on.s.main)))).toBe(true);
    expect(alarms.filter((a) => a.MetricName === 'ApproximateNumberOfMessagesVisible')).toHaveLength(4);
  });

  it('sends master-data drops under master/incoming/ to the drop lane', () => {
    const configs = Object.values(on.main.findResources('Custom::S3BucketNotifications')).flatMap(
      (n) => (n.Properties.NotificationConfiguration.LambdaFunctionConfigurations ?? []) as { Filter: { Key: { FilterRules: { Name: string; Value: string }[] } }; LambdaFunctionArn: unknown }[],
    );
    const drop = configs.find((c) => c.Filter.Key.FilterRules.some((r) => r.Value === 'master/incoming/'));
    expect(JSON.stringify(drop?.LambdaFunctionArn)).toContain(logicalId(on.s.main.lanes.masterDrop, on.s.main));
  });
  it("retries a failed drop twice and sends what still fails to the lanes' dead-letter queue, alarmed", () => {
    const mine = (t: ReturnType<typeof templates>) => {
      const configs = Object.values(t.main.findResources('AWS::Lambda::EventInvokeConfig')).map((r) => r.Properties as { FunctionName: unknown; MaximumRetryAttempts: number; MaximumEventAgeInSeconds: number; DestinationConfig?: { OnFailure?: { Destination: unknown } } });
      return configs.find((c) => JSON.stringify(c.FunctionName).includes(logicalId(t.s.main.lanes.masterDrop, t.s.main)));
    };
    for (const t of [on, off]) {
      const config = mine(t);
      expect(config).toMatchObject({ MaximumRetryAttempts: 2, MaximumEventAgeInSeconds: 6 * 3600 });
      expect(JSON.stringify(config?.DestinationConfig?.OnFailure?.Destination)).toContain(logicalId(t.s.main.lanes.deadLetterQueue!, t.s.main));
      const alarm = Object.values(t.main.findResources('AWS::CloudWatch::Alarm')).find((a) => JSON.stringify(a.Properties.Dimensions ?? []).includes(logicalId(t.s.main.lanes.deadLetterQueue!, t.s.main)));
      expect(alarm?.Properties.AlarmDescription).toContain('master-data drop failed after its retries');
    }
  });
});

describe('lanes, not configured', () => {
  it('has the drop lane but no Drive sync, portal poll, their schedules or secrets', () => {
    expect(off.s.main.lanes.driveSync).toBeUndefined();
    expect(off.s.main.lanes.portalPoll).toBeUndefined();
    // Only the stack's own schedules remain: the daily sweep and (the example configures it) finance's monthly summary.
    const schedules = Object.keys(off.main.findResources('AWS::Scheduler::Schedule')).map((id) => id.replace(/[0-9A-F]{8}$/, ''));
    expect(schedules.sort()).toEqual(['SchedulesDailySweep', 'SchedulesMonthlySummary']);
    expect(JSON.stringify(off.main.toJSON())).not.toMatch(/bm\/drive|bm\/portals/);
  });

  it('refuses a bad lanes configuration at synth, naming each path', () => {
    expect(() => exampleConfig((raw) => void (raw.lanes = { driveSync: { fileId: 'nope' }, portalPoll: { hours: [25], portals: [] } }))).toThrow(ConfigError);
    try {
      exampleConfig((raw) => void (raw.lanes = { driveSync: { fileId: 'nope' }, portalPoll: { hours: [25], portals: [{ id: 'x', kind: 'https', base_url: 'http://x.example', list: { path: '/', format: 'json' }, auth: { kind: 'bearer' } }] } }));
    } catch (err) {
      expect((err as Error).message).toContain('billMatcher.lanes.driveSync.fileId: must be a Drive file id');
      expect((err as Error).message).toContain('billMatcher.lanes.portalPoll.hours[0]: must be an hour from 0 to 23');
      expect((err as Error).message).toContain('billMatcher.lanes.portalPoll.portals[0].base_url: must be an https:// URL');
    }
  });
});
