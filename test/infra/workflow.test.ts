/** The way a document goes: S3 → intake → queue (with DLQ) → starter → the state machine from state-machines/. */
import { readFileSync } from 'node:fs';
import { Match } from 'aws-cdk-lib/assertions';
import { beforeAll, describe, expect, it } from 'vitest';
import { APPROVAL_DEFINITION, APPROVAL_MACHINE_PLACEHOLDER, WORKFLOW_DEFINITION, WORKFLOW_FUNCTIONS } from '../../lambdas/adapters/local/local-workflow.ts';
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

describe.each([
  { machine: 'ProcessDocument', file: WORKFLOW_DEFINITION, of: () => t.s.main.workflow.stateMachine },
  { machine: 'ApproveBill', file: APPROVAL_DEFINITION, of: () => t.s.main.workflow.approvalMachine },
])('the state machine $machine', ({ file: path, of }) => {
  const file = readFileSync(path, 'utf8');
  const placeholders = new Set([...file.matchAll(/\$\{(\w+)\}/g)].map((m) => m[1]));

  function deployed() {
    const sm = t.main.toJSON().Resources[logicalId(of(), t.s.main)];
    return sm!.Properties as {
      DefinitionString: string;
      DefinitionSubstitutions: Record<string, { 'Fn::GetAtt': [string, string] } | { Ref: string }>;
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
    for (const p of placeholders) expect([...Object.keys(WORKFLOW_FUNCTIONS), APPROVAL_MACHINE_PLACEHOLDER]).toContain(p);
  });

  it('leaves no ${ once the substitutions are applied, and each task calls the function its placeholder names', () => {
    const sm = deployed();
    const arn = (ref: { 'Fn::GetAtt': [string, string] } | { Ref: string }) => ('Ref' in ref ? `arn:aws:states:eu-west-1:123456789012:stateMachine:${ref.Ref}` : `arn:aws:lambda:eu-west-1:123456789012:function:${ref['Fn::GetAtt'][0]}`);
    const resolved = sm.DefinitionString.replace(/\$\{(\w+)\}/g, (_m, name: string) => arn(sm.DefinitionSubstitutions[name]!));
    expect(resolved).not.toContain('${');
    const tasks = taskStates(JSON.parse(resolved));
    expect(Object.keys(tasks).sort()).toEqual(Object.keys(taskStates(JSON.parse(file))).sort());
    for (const [state, ref] of Object.entries(taskStates(JSON.parse(file)))) {
      const placeholder = /\$\{(\w+)\}/.exec(ref)?.[1];
      if (!placeholder || placeholder === APPROVAL_MACHINE_PLACEHOLDER) continue;
      const fn = t.s.main.workflow.tasks[WORKFLOW_FUNCTIONS[placeholder as keyof typeof WORKFLOW_FUNCTIONS]];
      expect(tasks[state], state).toBe(arn({ 'Fn::GetAtt': [logicalId(fn, t.s.main), 'Arn'] }));
    }
  });

  it('is a Standard workflow with tracing, logging every event but no execution data', () => {
    const sm = deployed();
    expect(sm.StateMachineType).toBe('STANDARD');
    expect(sm.TracingConfiguration).toEqual({ Enabled: true });
    expect(sm.LoggingConfiguration).toMatchObject({ Level: 'ALL', IncludeExecutionData: false });
  });
});

describe('a document execution that fails', () => {
  it('is recorded by the record-failure function from its EventBridge status change', () => {
    t.main.hasResourceProperties('AWS::Events::Rule', {
      EventPattern: {
        source: ['aws.states'],
        'detail-type': ['Step Functions Execution Status Change'],
        detail: { status: ['FAILED', 'TIMED_OUT', 'ABORTED'], stateMachineArn: [{ Ref: logicalId(t.s.main.workflow.stateMachine, t.s.main) }] },
      },
      Targets: [Match.objectLike({ Arn: { 'Fn::GetAtt': [logicalId(t.s.main.workflow.tasks['record-failure'], t.s.main), 'Arn'] } })],
    });
  });
});

/** Paths into the submission (its keys), the parts' prefix and numbers, bill ids, tokens: never $.read.parts[...] contents, a part or a bill. */
const REFERENCE = /^(\$\.submission|\$\.read(\.parts_key)?|\$\.bill\.(bill_id|notify_at|approval_name)|\$\.bill_id|\$\.notify_at|\$\$\.(Map\.Item\.Value|Task\.Token|Execution\.Id))$|^\$\.error$/;

describe('approvals wait per bill, not in a shared Map', () => {
  const doc = () => JSON.parse(t.main.toJSON().Resources[logicalId(t.s.main.workflow.stateMachine, t.s.main)].Properties.DefinitionString) as Definition;
  const approve = () => JSON.parse(t.main.toJSON().Resources[logicalId(t.s.main.workflow.approvalMachine, t.s.main)].Properties.DefinitionString) as Definition;

  it('the document workflow never waits: no Wait state, no task token; each bill that needs a person starts its own approval execution', () => {
    const states = allStates(doc().States);
    expect(states.filter(([, s]) => s.Type === 'Wait')).toEqual([]);
    expect(JSON.stringify(doc())).not.toContain('waitForTaskToken');
    const [[, start]] = states.filter(([n]) => n === 'StartApproval') as [[string, State]];
    // Fire and forget (not `.sync`): the map moves on at once, so no bill's approval holds a slot.
    expect(start.Resource).toBe('arn:aws:states:::states:startExecution');
    expect(start.Parameters).toMatchObject({ StateMachineArn: '${ApproveBillStateMachineArn}', 'Name.$': '$.bill.approval_name', Input: { 'bill_id.$': '$.bill.bill_id', 'notify_at.$': '$.bill.notify_at' } });
    // It sits inside the per-bill iteration, after the decision.
    const map = doc().States.DecideEachBill!;
    expect(Object.keys(map.ItemProcessor!.States)).toContain('StartApproval');
  });

  it('the approval workflow waits out quiet hours, then for its approvers with a task token, three weeks at most', () => {
    const s = approve().States;
    expect(approve().StartAt).toBe('WaitForQuietHours');
    expect(s.WaitForQuietHours).toMatchObject({ Type: 'Wait', TimestampPath: '$.notify_at', Next: 'RequestApproval' });
    expect(s.RequestApproval).toMatchObject({ Type: 'Task', Resource: 'arn:aws:states:::lambda:invoke.waitForTaskToken', TimeoutSeconds: 1814400 });
  });

  it('no state passes a document or a bill: every Parameters / ItemSelector value is a reference', () => {
    for (const def of [doc(), approve()]) {
      for (const [name, state] of allStates(def.States)) {
        const selected = { ...(state.Parameters ?? {}), ...(state.ItemSelector ?? {}) };
        for (const [k, v] of Object.entries(flatten(selected))) {
          // `$.decided` is the map's list of bill ids (table keys, §10); only NotifyPeople reads it.
          const ids = name === 'NotifyPeople' ? /^\$\.decided$/ : /^$/;
          if (typeof v === 'string' && k.endsWith('.$')) expect(ids.test(v) || REFERENCE.test(v), `${name}.${k}: ${v}`).toBe(true);
        }
      }
      // A map's result is a list of bill ids, never bills: every way out of an iteration
      // ends with the bill's id (or fails the execution).
      for (const [, state] of allStates(def.States).filter(([, s]) => s.Type === 'Map')) {
        expect([null, '$.decided']).toContain(state.ResultPath);
        for (const [n, s] of Object.entries(state.ItemProcessor!.States)) {
          if (s.Type === 'Succeed' || s.End === true) expect(s.OutputPath, n).toBe('$.bill.bill_id');
        }
      }
    }
  });
});

interface State {
  Type: string;
  Resource?: string;
  Parameters?: Record<string, unknown>;
  ItemSelector?: Record<string, unknown>;
  ItemProcessor?: { States: Record<string, State> };
  ResultPath?: string | null;
  [k: string]: unknown;
}
interface Definition {
  StartAt: string;
  States: Record<string, State>;
}

function allStates(states: Record<string, State>): [string, State][] {
  return Object.entries(states).flatMap(([n, s]) => [[n, s] as [string, State], ...(s.ItemProcessor ? allStates(s.ItemProcessor.States) : [])]);
}

function flatten(o: Record<string, unknown>, prefix = ''): Record<string, unknown> {
  return Object.fromEntries(
    Object.entries(o).flatMap(([k, v]) => (v && typeof v === 'object' && !Array.isArray(v) ? Object.entries(flatten(v as Record<string, unknown>, `${prefix}${k}.`)) : [[`${prefix}${k}`, v]])),
  );
}
