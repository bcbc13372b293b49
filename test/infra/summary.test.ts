/** The monthly summary in the stack: its function, schedule, permissions, alarms and configuration. */
import { Match, Template } from 'aws-cdk-lib/assertions';
import { beforeAll, describe, expect, it } from 'vitest';
import { ConfigError, parseConfig } from '../../lib/config.ts';
import { MONTHLY_SUMMARY_CRON } from '../../lib/schedules.ts';
import { actionsOf, CDK_CONTEXT, exampleConfig, logicalId, statementsOfRole, synthApp, templates } from './support.ts';

let t: ReturnType<typeof templates>;
beforeAll(() => {
  t = templates();
});

const summaryFn = () => t.s.main.schedules.summary!;

describe('the monthly summary', () => {
  it('is a 512 MB function with the recipients and the model from the configuration', () => {
    t.main.hasResourceProperties('AWS::Lambda::Function', {
      Description: Match.stringLikeRegexp('monthly summary'),
      MemorySize: 512,
      Environment: {
        Variables: Match.objectLike({
          BM_SUMMARY_RECIPIENTS: 'finance@example.com,controller@example.com',
          BM_SUMMARY_MODEL_ID: 'eu.anthropic.claude-haiku-4-5-20251001-v1:0',
          BM_SENDER: 'ap@bills.example.com',
          BM_TABLE_NAME: Match.anyValue(),
        }),
      },
    });
  });

  it('runs on the first Monday of the month at 9:00 in the configured time zone', () => {
    expect(MONTHLY_SUMMARY_CRON).toBe('cron(0 9 ? * 2#1 *)');
    t.main.hasResourceProperties('AWS::Scheduler::Schedule', {
      ScheduleExpression: 'cron(0 9 ? * 2#1 *)',
      ScheduleExpressionTimezone: 'Europe/Berlin',
      Target: Match.objectLike({
        Arn: { 'Fn::GetAtt': [logicalId(summaryFn(), t.s.main), 'Arn'] },
        Input: '{}',
        RetryPolicy: { MaximumRetryAttempts: 2, MaximumEventAgeInSeconds: 21600 },
        DeadLetterConfig: { Arn: Match.anyValue() },
      }),
    });
  });

  it('may read and claim on the bills table, send as the sender, and call the configured model only', () => {
    const statements = statementsOfRole(t.main, logicalId(summaryFn().functionRole, t.s.main));
    const actions = actionsOf(statements);
    expect(actions).toEqual(expect.arrayContaining(['dynamodb:Query', 'dynamodb:PutItem', 'dynamodb:UpdateItem', 'ses:SendRawEmail', 'bedrock:InvokeModel']));
    expect(actions.filter((a) => a.startsWith('s3:') || a.startsWith('secretsmanager:') || a.startsWith('states:') || a.startsWith('textract:'))).toEqual([]);
    const bedrock = statements.filter((s) => [s.Action].flat().includes('bedrock:InvokeModel'));
    expect(JSON.stringify(bedrock)).toContain('inference-profile/eu.anthropic.claude-haiku-4-5-20251001-v1:0');
    expect(JSON.stringify(bedrock)).toContain('foundation-model/anthropic.claude-haiku-4-5-20251001-v1:0');
  });

  it('alarms on its errors and throttles like every function', () => {
    const alarms = Object.values(t.main.findResources('AWS::CloudWatch::Alarm'));
    const onSummary = alarms.filter((a) => JSON.stringify(a.Properties.Dimensions ?? []).includes(logicalId(summaryFn(), t.s.main)));
    expect(onSummary.map((a) => a.Properties.MetricName).sort()).toEqual(['Errors', 'Throttles']);
  });

  it('without a model id, no Bedrock permission and no model variable: the template paragraph', () => {
    const s = synthApp(exampleConfig((c) => ((c.summary as Record<string, unknown>).modelId = null)));
    const main = Template.fromStack(s.main);
    const fn = s.main.schedules.summary!;
    expect(actionsOf(statementsOfRole(main, logicalId(fn.functionRole, s.main)))).not.toContain('bedrock:InvokeModel');
    const vars = Object.values(main.findResources('AWS::Lambda::Function')).find((f) => String(f.Properties.Description).includes('monthly summary'))!.Properties.Environment.Variables;
    expect(vars.BM_SUMMARY_MODEL_ID).toBeUndefined();
  });

  it('without a summary configured, no summary function and no monthly schedule', () => {
    const s = synthApp(exampleConfig((c) => delete c.summary));
    expect(s.main.schedules.summary).toBeUndefined();
    expect(s.main.schedules.monthlySummary).toBeUndefined();
  });

  it.each([
    { case: 'no recipients', summary: { recipients: [] }, message: /billMatcher\.summary\.recipients: must list at least one address/ },
    { case: 'a recipient that is no address', summary: { recipients: ['finance'] }, message: /billMatcher\.summary\.recipients\[0\]: must be an email address/ },
  ])('refuses $case at synth, saying what to fix', ({ summary, message }) => {
    const raw = structuredClone(CDK_CONTEXT.billMatcher) as Record<string, unknown>;
    raw.summary = summary;
    expect(() => parseConfig(raw)).toThrow(ConfigError);
    expect(() => parseConfig(raw)).toThrow(message);
  });
});
