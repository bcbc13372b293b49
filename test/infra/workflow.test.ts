/** The way a document goes: S3 → intake → queue (with DLQ) → starter → the state machine from state-machines/. */
import { readFileSync } from 'node:fs';
import { Match } from 'aws-cdk-lib/assertions';
import { beforeAll, describe, expect, it } from 'vitest';
import { WORKFLOW_DEFINITION, WORKFLOW_FUNCTIONS } from '../../lambdas/adapters/local/local-workflow.ts';
import { logicalId, templates, SYNTH_TIMEOUT } from './support.ts';

let t: ReturnType<typeof templates>;
beforeAll(() => {
  t = templates();
}, SYNTH_TIMEOUT);

/** Task states of an ASL definition (nested Map processors included), with their Resource or FunctionName. */
function taskStates(definition: { States: Record<string, Record<string, unknown>> }): Record<string, string> {
  const out: Record<string, string> = {};
  for (const [name, state] of Object.entries(definition.States)) {
    if (state.Type === 'Task') {
      const params = state.Parameters as { FunctionName?: string } | undefined;
      out[name] = params?.FunctionName ?? (state.Resource as string);
    }
    const processor = (state.ItemProcessor ?? state.Iterator) as { States: Record<string, Record<string, unknown>> } | undefined;
    if (processor) Object.assign(out, taskStates(processor));
  }
  return out;
}

describe('the submissions queue', () => {
  it('sends a message to the dead-letter queue after five receives', () => {
    const dlq = logicalId(t.s.main.workflow.deadLetterQueue, t.s.main);
    t.main.hasResourceProperties('AWS::SQS::Queue', {
      RedrivePolicy: { deadLetterTargetArn: { 'Fn::GetAtt': [dlq, 'Arn'] }, maxReceiveCount: 5 },
      SqsManagedSseEnabled: true,
    });
  });

  it('is encrypted and TLS-only, and so is its dead-letter queue', () => {
    for (const q of [t.s.main.workflow.queue, t.s.main.workflow.deadLetterQueue]) {
      const id = logicalId(q, t.s.main);
      expect(t.main.toJSON().Resources[id].Properties.SqsManagedSseEnabled).toBe(true);
      t.main.hasResourceProperties('AWS::SQS::QueuePolicy', {
        Queues: [{ Ref: id }],
        PolicyDocument: { Statement: Match.arrayWith([Match.objectLike({ Effect: 'Deny', Condition: { Bool: { 'aws:SecureTransport': 'false' } } })]) },
      });
    }
  });

  it('feeds the starter in batches that report failed items one by one', () => {
    t.main.hasResourceProperties('AWS::Lambda::EventSourceMapping', {
      EventSourceArn: { 'Fn::GetAtt': [logicalId(t.s.main.workflow.queue, t.s.main), 'Arn'] },
      FunctionName: { Ref: logicalId(t.s.main.workflow.starter, t.s.main) },
      FunctionResponseTypes: ['ReportBatchItemFailures'],
    });
  });
});

describe('intake', () => {
  it('is notified of raw mail under raw/ and of uploads under uploads/', () => {
    const intake = logicalId(t.s.main.workflow.intake, t.s.main);
    const config = (bucket: string, prefix: string) =>
      Match.objectLike({
        BucketName: { Ref: bucket },
        NotificationConfiguration: {
          // (the documents bucket also notifies the master-data drop lane: test/infra/lanes.test.ts)
          LambdaFunctionConfigurations: Match.arrayWith([
            {
              Events: ['s3:ObjectCreated:*'],
              Filter: { Key: { FilterRules: [{ Name: 'prefix', Value: prefix }] } },
              LambdaFunctionArn: { 'Fn::GetAtt': [intake, 'Arn'] },
            },
          ]),
        },
      });
    t.main.hasResourceProperties('Custom::S3BucketNotifications', config(logicalId(t.s.main.storage.rawMail, t.s.main), 'raw/'));
    t.main.hasResourceProperties('Custom::S3BucketNotifications', config(logicalId(t.s.main.storage.documents, t.s.main), 'uploads/'));
  });

  it('sends events it could not take to its own dead-letter queue', () => {
    t.main.hasResourceProperties('AWS::Lambda::Function', {
      Description: Match.stringLikeRegexp('S3 arrivals'),
      DeadLetterConfig: { TargetArn: { 'Fn::GetAtt': [logicalId(t.s.main.workflow.intakeDeadLetterQueue, t.s.main), 'Arn'] } },
    });
  });
});

describe('the state machine', () => {
  const file = readFileSync(WORKFLOW_DEFINITION, 'utf8');
  const placeholders = new Set([...file.matchAll(/\$\{(\w+)\}/g)].map((m) => m[1]));

  function deployed() {
    const [sm] = Object.values(t.main.findResources('AWS::StepFunctions::StateMachine'));
    return sm!.Properties as {
      DefinitionString: string;
      DefinitionSubstitutions: Record<string, { 'Fn::GetAtt': [string, string] }>;
      StateMachineType: string;
      LoggingConfiguration: { Level: string; IncludeExecutionData: boolean };
      TracingConfiguration: { Enabled: boolean };
    };
  }

  it('is the definition file, inline', () => {
    expect(JSON.parse(deployed().DefinitionString)).toEqual(JSON.parse(file));
  });

  it('binds every placeholder of the file, and nothing else', () => {
    expect(new Set(Object.keys(deployed().DefinitionSubstitutions))).toEqual(placeholders);
    expect(new Set(Object.keys(WORKFLOW_FUNCTIONS))).toEqual(placeholders);
  });

  it('leaves no ${ once the substitutions are applied, and keeps every Task state of the file', () => {
    const sm = deployed();
    const arn = (id: string) => `arn:aws:lambda:eu-west-1:123456789012:function:${id}`;
    const resolved = sm.DefinitionString.replace(/\$\{(\w+)\}/g, (_m, name: string) => arn(sm.DefinitionSubstitutions[name]!['Fn::GetAtt'][0]));
    expect(resolved).not.toContain('${');
    const tasks = taskStates(JSON.parse(resolved));
    expect(Object.keys(tasks).sort()).toEqual(Object.keys(taskStates(JSON.parse(file))).sort());
    // Each task calls the function its placeholder names.
    const fileTasks = taskStates(JSON.parse(file));
    for (const [state, ref] of Object.entries(fileTasks)) {
      const placeholder = /\$\{(\w+)\}/.exec(ref)?.[1];
      if (!placeholder) continue;
      const fn = t.s.main.workflow.tasks[WORKFLOW_FUNCTIONS[placeholder as keyof typeof WORKFLOW_FUNCTIONS]];
      expect(tasks[state], state).toBe(arn(logicalId(fn, t.s.main)));
    }
  });

  it('is a Standard workflow with tracing, logging every event but no execution data', () => {
    const sm = deployed();
    expect(sm.StateMachineType).toBe('STANDARD');
    expect(sm.TracingConfiguration).toEqual({ Enabled: true });
    expect(sm.LoggingConfiguration).toMatchObject({ Level: 'ALL', IncludeExecutionData: false });
  });
});
