/** Least privilege: what each function's role may do, statement by statement. */
import { beforeAll, describe, expect, it } from 'vitest';
import type { BillFunction } from '../../lib/bill-function.ts';
import { actionsOf, logicalId, statementsOfRole, statementsOn, tableAccessOf, templates, type PolicyStatement, SYNTH_TIMEOUT } from './support.ts';

let t: ReturnType<typeof templates>;
let id: (c: { node: { defaultChild?: unknown } }) => string;
let of: (fn: BillFunction) => PolicyStatement[];
beforeAll(() => {
  t = templates();
  id = (c) => logicalId(c, t.s.main);
  of = (fn) => statementsOfRole(t.main, id(fn.functionRole));
}, SYNTH_TIMEOUT);

/** Actions a statement on `*` may carry: those without resource-level permissions. */
const NO_RESOURCE_LEVEL = new Set([
  'xray:PutTraceSegments',
  'xray:PutTelemetryRecords',
  'xray:GetSamplingRules',
  'xray:GetSamplingTargets',
  'logs:CreateLogDelivery',
  'logs:GetLogDelivery',
  'logs:UpdateLogDelivery',
  'logs:DeleteLogDelivery',
  'logs:ListLogDeliveries',
  'logs:PutResourcePolicy',
  'logs:DescribeResourcePolicies',
  'logs:DescribeLogGroups',
  'textract:StartExpenseAnalysis',
  'textract:GetExpenseAnalysis',
]);

/** What the store's transactions use: conditional Puts and condition checks, never Update or Delete. */
const TRANSACT_WRITE = ['dynamodb:PutItem', 'dynamodb:ConditionCheckItem'];

describe('every role', () => {
  it('has no wildcard action, and statements on * only for services without resource-level permissions', () => {
    const all = Object.values(t.main.findResources('AWS::IAM::Policy')).flatMap((p) => p.Properties.PolicyDocument.Statement as PolicyStatement[]);
    for (const s of all) {
      for (const a of actionsOf([s])) expect(a, JSON.stringify(s)).not.toMatch(/^\*$|:\*$/);
      if (s.Resource === '*' || (Array.isArray(s.Resource) && s.Resource.includes('*'))) {
        for (const a of actionsOf([s])) expect(NO_RESOURCE_LEVEL.has(a), `${a} on *`).toBe(true);
      }
    }
  });

  it('one role per function', () => {
    const fns = functions();
    expect(new Set(fns.map((f) => id(f.functionRole))).size).toBe(fns.length);
  });
});

function functions(): BillFunction[] {
  const m = t.s.main;
  return [...m.workflow.functions, m.approvals.ackFunction, m.schedules.sweep, m.workspace.fn];
}

describe.each([
  { case: 'decide-bill', fn: () => t.s.main.workflow.tasks['decide-bill'] },
  { case: 'record-failure', fn: () => t.s.main.workflow.tasks['record-failure'] },
])('$case', ({ fn }) => {
  it('can write bills in a transaction (conditional Put, ConditionCheck) on the bills table only', () => {
    const table = id(t.s.main.storage.table);
    const onTable = actionsOf(statementsOn(of(fn()), table));
    for (const a of TRANSACT_WRITE) expect(onTable).toContain(a);
    for (const s of of(fn()).filter((s) => actionsOf([s]).some((a) => a.startsWith('dynamodb:')))) {
      expect(JSON.stringify(s.Resource)).toContain(`"${table}"`);
    }
  });

  it('has nothing on SQS, Step Functions, SES or Secrets Manager, and on S3 only reads the parts', () => {
    expect(actionsOf(of(fn())).filter((a) => /^(sqs|states|ses|secretsmanager|lambda):/.test(a))).toEqual([]);
    const s3 = of(fn()).filter((s) => actionsOf([s]).some((a) => a.startsWith('s3:')));
    expect(actionsOf(s3).filter((a) => /^s3:(Put|Delete|Abort)/.test(a))).toEqual([]);
    for (const st of s3) for (const r of [st.Resource].flat()) expect(JSON.stringify(r)).toMatch(/\/parts\/\*"|"Arn"\]\}$/);
  });
});

describe('read-document', () => {
  const fn = () => t.s.main.workflow.tasks['read-document'];

  it('can GetObject on the documents bucket, and S3 on nothing else', () => {
    const docs = id(t.s.main.storage.documents);
    expect(actionsOf(statementsOn(of(fn()), docs))).toContain('s3:GetObject*');
    const s3 = of(fn()).filter((s) => actionsOf([s]).some((a) => a.startsWith('s3:')));
    for (const s of s3) expect(JSON.stringify(s.Resource)).toContain(`"${docs}"`);
    expect(statementsOn(of(fn()), id(t.s.main.storage.rawMail))).toEqual([]);
  });

  it('writes to S3 only under parts/ (the parts it read, by reference), and reads only the policy item of the table', () => {
    const writes = of(fn()).filter((s) => actionsOf([s]).some((a) => /^s3:(Put|Delete|Abort)/.test(a)));
    expect(writes.length).toBeGreaterThan(0);
    for (const st of writes) expect(JSON.stringify(st.Resource)).toContain('/parts/*');
    expect(actionsOf(of(fn())).filter((a) => /^s3:Delete/.test(a))).toEqual([]);
    expect(tableAccess(fn())).toEqual({ read: ['MASTER', 'POLICY'], write: [], delete: [], update: [], batchWrite: [], index: false, actions: ['dynamodb:BatchGetItem', 'dynamodb:GetItem', 'dynamodb:Query'] });
  });
});

/** What a function may do on the bills table: actions, and the partition keys it reads and writes. */
function tableAccess(fn: BillFunction) {
  return tableAccessOf(of(fn), id(t.s.main.storage.table));
}

describe('the bills table, function by function (least privilege)', () => {
  // Every read of master data reads the current version (MASTER/CURRENT) first.
  const M = ['MASTER', 'POLICY', 'VENDOR#*', 'VTAX#*', 'VNAME#*', 'PO#*'];
  const READ = ['dynamodb:BatchGetItem', 'dynamodb:GetItem', 'dynamodb:Query'];
  const LANE = ['LANE#LOCK#MASTER', 'LANE#DROP#*', 'LANE#IMPORTS', 'LANE#MASTER#*'];
  const WRITE = ['dynamodb:BatchGetItem', 'dynamodb:ConditionCheckItem', 'dynamodb:GetItem', 'dynamodb:PutItem', 'dynamodb:Query'];
  it.each([
    { case: 'read-document', fn: () => t.s.main.workflow.tasks['read-document'], read: ['MASTER', 'POLICY'], write: [], index: false, actions: READ },
    { case: 'extract', fn: () => t.s.main.workflow.tasks.extract, read: ['MASTER', 'POLICY'], write: [], index: false, actions: READ },
    { case: 'decide-bill', fn: () => t.s.main.workflow.tasks['decide-bill'], read: [...M, 'BILL#*', 'DUP#*', 'DOC#*'], write: ['BILL#*', 'DUP#*', 'DOC#*', 'PO#*', 'VENDOR#*'], index: true, actions: WRITE },
    { case: 'record-failure', fn: () => t.s.main.workflow.tasks['record-failure'], read: ['MASTER', 'POLICY', 'BILL#*', 'DOC#*'], write: ['BILL#*', 'DOC#*'], index: false, actions: WRITE },
    { case: 'approval-desk', fn: () => t.s.main.workflow.tasks['approval-desk'], read: ['MASTER', 'POLICY', 'VENDOR#*', 'BILL#*'], write: ['BILL#*', 'NONCE#*'], index: false, actions: WRITE },
    {
      case: 'ack',
      fn: () => t.s.main.approvals.ackFunction,
      read: [...M, 'BILL#*', 'DUP#*', 'DOC#*', 'NONCE#*'],
      write: ['BILL#*', 'DUP#*', 'PO#*', 'VENDOR#*', 'NONCE#*'],
      del: ['DOC#*'],
      index: false,
      actions: [...WRITE, 'dynamodb:DeleteItem'].sort(),
    },
    { case: 'sweep', fn: () => t.s.main.schedules.sweep, read: ['MASTER', 'POLICY', 'VENDOR#*', 'BILL#*'], write: ['BILL#*'], index: true, actions: WRITE },
    // Reads; writes a bill only when a clerk dismisses it (no nonce, spend or claim: nothing of the approval path).
    { case: 'workspace', fn: () => t.s.main.workspace.fn, read: [...M, 'BILL#*', 'LANE#IMPORTS', 'LANE#MASTER#*'], write: ['BILL#*'], index: true, actions: WRITE },
    {
      case: 'summary',
      fn: () => t.s.main.schedules.summary!,
      read: ['MASTER', 'POLICY', 'VENDOR#*', 'BILL#*', 'SUMMARY#*'],
      write: ['SUMMARY#*'],
      upd: ['SUMMARY#*'],
      index: true,
      actions: [...WRITE, 'dynamodb:UpdateItem'].sort(),
    },
    {
      // The drop lane imports master data: the changes against what is current, the new version in
      // batches (master prefixes only), the MASTER pointer, and its own LANE# state. No bill.
      case: 'master-drop',
      fn: () => t.s.main.lanes.masterDrop,
      read: ['MASTER', 'POLICY', 'VENDOR#*', 'PO#*', ...LANE],
      write: ['MASTER', ...LANE],
      del: ['MASTER'],
      batch: ['POLICY', 'VENDOR#*', 'VTAX#*', 'VNAME#*', 'PO#*'],
      index: false,
      actions: [...WRITE, 'dynamodb:BatchWriteItem', 'dynamodb:DeleteItem'].sort(),
    },
  ])('$case: $actions on its own keys', ({ fn, read, write, index, actions, ...more }) => {
    const m = more as { del?: string[]; upd?: string[]; batch?: string[] };
    expect(tableAccess(fn())).toEqual({ read, write, delete: m.del ?? [], update: m.upd ?? [], batchWrite: m.batch ?? [], index, actions });
  });

  it('whoever reads master data reads the MASTER version pointer too; only the master import writes MASTER or master items', () => {
    const master = ['POLICY', 'VENDOR#*', 'VTAX#*', 'VNAME#*', 'PO#*'];
    for (const fn of [...functions(), t.s.main.lanes.masterDrop]) {
      const a = tableAccess(fn);
      if (a.read.some((k) => master.includes(k))) expect(a.read, fn.node.path).toContain('MASTER');
      if (fn === t.s.main.lanes.masterDrop) continue;
      expect(a.write.filter((k) => k === 'MASTER' || k === 'POLICY' || k === 'VTAX#*' || k === 'VNAME#*'), fn.node.path).toEqual([]);
      expect([...a.delete, ...a.update, ...a.batchWrite].filter((k) => k === 'MASTER' || master.includes(k)), fn.node.path).toEqual([]);
    }
  });

  it('no function of the workflow, approvals or schedules may Scan or batch-write the table; only the ack deletes (a rejected bill’s document claim) and only the summary updates (its month’s claim)', () => {
    for (const fn of functions()) {
      const dangerous = actionsOf(of(fn)).filter((a) => /^dynamodb:(Scan|DeleteItem|UpdateItem|BatchWriteItem|PartiQL)/.test(a));
      if (fn === t.s.main.approvals.ackFunction) expect(dangerous).toEqual(['dynamodb:DeleteItem']);
      else if (fn === t.s.main.schedules.summary) expect(dangerous).toEqual(['dynamodb:UpdateItem']);
      else expect(dangerous).toEqual([]);
    }
  });

  it('intake and start-execution have no table access at all', () => {
    for (const fn of [t.s.main.workflow.intake, t.s.main.workflow.starter]) expect(actionsOf(of(fn)).filter((a) => a.startsWith('dynamodb:'))).toEqual([]);
  });
});

describe('the public ack function', () => {
  it('has reserved concurrency, so a flood on its URL is throttled there', () => {
    const ack = t.main.findResources('AWS::Lambda::Function')[id(t.s.main.approvals.ackFunction)]!;
    expect(ack.Properties.ReservedConcurrentExecutions).toBe(10);
    t.main.hasResourceProperties('AWS::Lambda::Url', { AuthType: 'NONE', TargetFunctionArn: { 'Fn::GetAtt': [id(t.s.main.approvals.ackFunction), 'Arn'] } });
    // The other functions are not capped: the workflow scales with the mail.
    for (const fn of functions().filter((f) => f !== t.s.main.approvals.ackFunction)) {
      expect(t.main.findResources('AWS::Lambda::Function')[id(fn)]!.Properties.ReservedConcurrentExecutions).toBeUndefined();
    }
  });
});

describe('intake', () => {
  const fn = () => t.s.main.workflow.intake;

  it('sends to the submissions queue', () => {
    expect(statementsOn(of(fn()), id(t.s.main.workflow.queue)).flatMap((s) => actionsOf([s]))).toContain('sqs:SendMessage');
  });

  it('reads raw mail under raw/ and writes documents under mail/ only', () => {
    const raw = statementsOn(of(fn()), id(t.s.main.storage.rawMail));
    expect(actionsOf(raw)).toContain('s3:GetObject*');
    expect(actionsOf(raw).filter((a) => a.startsWith('s3:Put'))).toEqual([]);
    const docs = statementsOn(of(fn()), id(t.s.main.storage.documents));
    expect(actionsOf(docs)).toContain('s3:PutObject');
    expect(actionsOf(docs).filter((a) => a.startsWith('s3:Get'))).toEqual([]);
    expect(JSON.stringify(docs.map((s) => s.Resource))).toContain('/mail/*');
    expect(JSON.stringify(raw.filter((s) => actionsOf([s]).includes('s3:GetObject*')).map((s) => s.Resource))).toContain('/raw/*');
  });

  it('has nothing on the table or the state machine', () => {
    expect(actionsOf(of(fn())).filter((a) => /^(dynamodb|states):/.test(a))).toEqual([]);
  });
});

describe('start-execution', () => {
  const fn = () => t.s.main.workflow.starter;

  it('starts executions of the workflow only, and consumes the queue', () => {
    const states = of(fn()).filter((s) => actionsOf([s]).some((a) => a.startsWith('states:')));
    expect(actionsOf(states)).toEqual(['states:StartExecution']);
    expect(states[0]!.Resource).toEqual({ Ref: id(t.s.main.workflow.stateMachine) });
    expect(actionsOf(statementsOn(of(fn()), id(t.s.main.workflow.queue)))).toEqual(expect.arrayContaining(['sqs:ReceiveMessage', 'sqs:DeleteMessage']));
    expect(actionsOf(of(fn())).filter((a) => /^(s3|dynamodb):/.test(a))).toEqual([]);
  });
});

describe.each([
  { case: 'approval-desk', fn: () => t.s.main.workflow.tasks['approval-desk'] },
  { case: 'ack', fn: () => t.s.main.approvals.ackFunction },
  { case: 'sweep', fn: () => t.s.main.schedules.sweep },
])('$case', ({ fn }) => {
  it('sends as the sender domain through the configuration set, reads the signing secret, and has no S3', () => {
    const st = of(fn());
    const ses = st.filter((s) => actionsOf([s]).includes('ses:SendEmail'));
    const sesResources = JSON.stringify(ses.map((s) => s.Resource));
    expect(sesResources).toContain(`":identity/",{"Ref":"${id(t.s.main.approvals.identity)}"}`);
    expect(sesResources).toContain(`":configuration-set/",{"Ref":"${id(t.s.main.approvals.configurationSet)}"}`);
    t.main.hasResourceProperties('AWS::SES::EmailIdentity', { EmailIdentity: 'bills.example.com' });
    expect(actionsOf(statementsOn(st, id(t.s.main.approvals.signingSecret)))).toContain('secretsmanager:GetSecretValue');
    // The ack handler reads documents (the original beside a decision) and stores corrected bills under reviews/ only.
    const s3 = st.filter((s) => actionsOf([s]).some((a) => a.startsWith('s3:')));
    if (fn() !== t.s.main.approvals.ackFunction) expect(actionsOf(s3)).toEqual([]);
    else {
      const puts = s3.filter((s) => actionsOf([s]).includes('s3:PutObject'));
      expect(puts).toHaveLength(1);
      expect(JSON.stringify(puts[0]!.Resource)).toContain('/reviews/*');
      expect(actionsOf(s3)).not.toContain('s3:DeleteObject*');
    }
  });
});

describe('the ack handler queues a corrected bill', () => {
  it('may send to the submissions queue, and starts no execution itself', () => {
    const st = of(t.s.main.approvals.ackFunction);
    expect(actionsOf(statementsOn(st, id(t.s.main.workflow.queue)))).toContain('sqs:SendMessage');
    expect(actionsOf(st)).not.toContain('states:StartExecution');
  });
});

describe('resuming the workflow', () => {
  it('only the ack handler may SendTaskSuccess, on the approval workflow only', () => {
    const ack = of(t.s.main.approvals.ackFunction).filter((s) => actionsOf([s]).includes('states:SendTaskSuccess'));
    expect(ack).toHaveLength(1);
    expect(ack[0]!.Resource).toEqual({ Ref: id(t.s.main.workflow.approvalMachine) });
    for (const fn of functions().filter((f) => f !== t.s.main.approvals.ackFunction)) {
      expect(actionsOf(of(fn))).not.toContain('states:SendTaskSuccess');
    }
  });
});

describe('extract (extraction on)', () => {
  const fn = () => t.s.main.workflow.tasks.extract;

  it('calls Bedrock on the configured model only, and reads the table without writing', () => {
    const bedrock = of(fn()).filter((s) => actionsOf([s]).includes('bedrock:InvokeModel'));
    expect(JSON.stringify(bedrock.map((s) => s.Resource))).toContain('inference-profile/eu.anthropic.claude-haiku');
    const onTable = actionsOf(statementsOn(of(fn()), id(t.s.main.storage.table)));
    expect(onTable).toContain('dynamodb:GetItem');
    expect(onTable.filter((a) => /^dynamodb:(Put|Update|Delete|BatchWrite)/.test(a))).toEqual([]);
  });
});

describe('the state machine role', () => {
  it('invokes exactly the task functions', () => {
    const roleId = id(t.s.main.workflow.stateMachine.role);
    const invoke = statementsOfRole(t.main, roleId).filter((s) => actionsOf([s]).includes('lambda:InvokeFunction'));
    // Each function's ARN (and `<arn>:$LATEST`, the same code): no versions, no aliases, no other function.
    const targets = invoke.map((s) => [...JSON.stringify(s.Resource).matchAll(/"Fn::GetAtt":\["(\w+)","Arn"\]/g)].map((m) => m[1]));
    for (const per of targets) expect(new Set(per).size).toBe(1);
    const { 'approval-desk': desk, ...documentTasks } = t.s.main.workflow.tasks;
    expect(new Set(targets.flat())).toEqual(new Set(Object.values(documentTasks).map(id)));
    expect(JSON.stringify(invoke.map((s) => s.Resource))).not.toContain(':*');
    // It starts the bills' approval executions, and the approval machine invokes only the approval desk.
    const start = statementsOfRole(t.main, roleId).filter((s) => actionsOf([s]).includes('states:StartExecution'));
    expect(start.map((s) => s.Resource)).toEqual([{ Ref: id(t.s.main.workflow.approvalMachine) }]);
    const approvalInvoke = statementsOfRole(t.main, id(t.s.main.workflow.approvalMachine.role)).filter((s) => actionsOf([s]).includes('lambda:InvokeFunction'));
    expect(new Set(approvalInvoke.flatMap((s) => [...JSON.stringify(s.Resource).matchAll(/"Fn::GetAtt":\["(\w+)","Arn"\]/g)].map((m) => m[1])))).toEqual(new Set([id(desk)]));
  });
});


