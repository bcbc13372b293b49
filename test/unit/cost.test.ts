/** What a bill costs in AWS (`bm cost`): the model against a case computed by hand, and a month of a stack's metrics. */
import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import type { PriceTable } from '../../lambdas/core/aws-prices.ts';
import { billedMs, costMatrix, type CostInputs } from '../../lambdas/core/cost.ts';
import { costCommand, measureTransitions, monthRange } from '../../lambdas/cli/cost.ts';

/** List prices, set here (US East, as read on 2026-11-29), so the case below stays hand-computable. */
const p = (usd: string, per: number) => ({ usd, per, unit: 'test', read: '2026-11-29', source: 'test' });
const PRICES: PriceTable = {
  lambdaArmGbSecond: p('0.0000133334', 1),
  lambdaRequest: p('0.20', 1_000_000),
  stepFunctionsTransition: p('0.025', 1_000),
  dynamoWriteUnit: p('0.625', 1_000_000),
  dynamoReadUnit: p('0.125', 1_000_000),
  sesInboundEmail: p('0.10', 1_000),
  sesInboundChunk: p('0.09', 1_000),
  sesOutboundEmail: p('0.10', 1_000),
  s3Put: p('0.005', 1_000),
  s3Get: p('0.0004', 1_000),
  sqsRequest: p('0.40', 1_000_000),
  logsIngestedGb: p('0.50', 1),
  xrayTraceRecorded: p('5.00', 1_000_000),
  textractExpensePage: p('10.00', 1_000),
  bedrockInputToken: p('1.10', 1_000_000),
  bedrockOutputToken: p('5.50', 1_000_000),
};

/** Every function at 2,048 MB (a full vCPU: billed as measured), arm64. */
const fn = { memoryMb: 2048, architecture: 'arm64' as const };
const INPUTS: CostInputs = {
  prices: PRICES,
  functions: { intake: fn, 'start-execution': fn, 'read-document': fn, extract: fn, 'decide-bill': fn, 'approval-desk': fn, ack: fn },
  transitions: { 'straight-through': { plain: 8, extraction: 9 }, 'needs-approval': { plain: 9, extraction: 10 } },
  durations: {
    measured: 'test',
    ms: { intake: 100, 'start-execution': 50, 'read-document': 20, extract: 4000, 'decide-bill': 30, 'approval-desk': 10, ack: 40 },
    source: { intake: 'assumed', 'start-execution': 'assumed', 'read-document': 'bench', extract: 'assumed', 'decide-bill': 'bench', 'approval-desk': 'bench', ack: 'assumed' },
    readMs: { 'e-invoice': 20, edi: 5, 'text-pdf': 190, scan: 190, photo: 5 },
  },
  dynamo: { measured: 'test', straightThrough: { write: 12, read: 6 }, needsApproval: { write: 10, read: 6 }, approvalGate: { write: 12, read: 6 } },
};

describe('cost per bill', () => {
  it('an e-invoice that goes straight through costs what the hand computation says, service by service', () => {
    const path = costMatrix(INPUTS).find((c) => c.encoding === 'e-invoice' && c.outcome === 'straight-through')!;
    const per1000 = Object.fromEntries(path.lines.map((l) => [l.service, l.usd.toString()]));

    // Per bill, times 1,000:
    // Lambda: intake 100 + starter 50 + read-document 20 + decide-bill 30 + approval-desk 10 (NotifyPeople:
    //   the receipt) = 210 ms at 2 GB = 0.42 GB-s × $0.0000133334 = $0.000005600028; 5 requests × $0.20/1M
    //   = $0.000001 → $0.006600028 per 1,000.
    expect(per1000['Lambda']).toBe('0.006600028');
    // Step Functions: 8 transitions × $0.025/1,000 = $0.0002 → $0.2.
    expect(per1000['Step Functions']).toBe('0.2');
    // DynamoDB: 12 WRU × $0.625/1M + 6 RRU × $0.125/1M = $0.00000825 → $0.00825.
    expect(per1000['DynamoDB']).toBe('0.00825');
    // SES: one email received ($0.0001) in one 256 KB chunk (40 KB: $0.00009), the receipt sent ($0.0001) → $0.29.
    expect(per1000['SES']).toBe('0.29');
    // S3: 2 PUT × $0.005/1,000 + 2 GET × $0.0004/1,000 = $0.0000108 → $0.0108.
    expect(per1000['S3']).toBe('0.0108');
    // SQS: send, receive, delete: 3 × $0.40/1M → $0.0012.
    expect(per1000['SQS']).toBe('0.0012');
    // Logs: 5 invocations × 1,500 B + 8 transitions × 600 B = 12,300 B = 0.000011455267668 GB (15 places)
    //   × $0.50 × 1,000 = $0.005727633834 → $0.0057276338 (10 places).
    expect(per1000['CloudWatch Logs']).toBe('0.0057276338');
    // X-Ray: 2 traces (intake, the execution) × $5/1M → $0.01.
    expect(per1000['X-Ray']).toBe('0.01');
    expect(per1000['Textract']).toBe('0');
    expect(per1000['Bedrock']).toBe('0');
    expect(path.per1000.toString()).toBe('0.5325776618');
  });

  it('a scan adds one Textract page and one model call, and needing approval adds the desk, two link requests, an email and the gate', () => {
    const m = costMatrix(INPUTS);
    const cell = (e: string, o: string) => m.find((c) => c.encoding === e && c.outcome === o)!;
    const scan = Object.fromEntries(cell('scan', 'straight-through').lines.map((l) => [l.service, l.usd.toString()]));
    // 1 page × $10/1,000 → $10 per 1,000; 2,900 in × $1.10/1M + 610 out × $5.50/1M = $0.006545 → $6.545.
    expect(scan['Textract']).toBe('10');
    expect(scan['Bedrock']).toBe('6.545');
    const approval = cell('e-invoice', 'needs-approval').usage;
    // 5 on every path (NotifyPeople included) + RequestApproval + the two link requests.
    expect(approval.lambdaRequest?.toString()).toBe('8');
    // The receipt and the approval request.
    expect(approval.sesOutboundEmail?.toString()).toBe('2');
    expect(approval.dynamoWriteUnit?.toString()).toBe('22');
    expect(approval.stepFunctionsTransition?.toString()).toBe('9');
  });

  it('scales a measured duration to the CPU share of the function and rounds up to the millisecond', () => {
    // 256 MB gets 256/1,769 of a vCPU: 18 ms × 6.910156 = 124.38 → 125 ms.
    expect(billedMs(18, { memoryMb: 256, architecture: 'arm64' }).toString()).toBe('125');
    expect(billedMs(18, { memoryMb: 3008, architecture: 'arm64' }).toString()).toBe('18');
  });
});

describe('state transitions per path, from a run of the state machine', () => {
  it('counts the states each bill entered on the local workflow', async () => {
    // The document's execution enters 8 states either way (ReadDocument, NeedsExtraction, DecideEachBill,
    // DecideBill, NeedsApprover, NoApproverNeeded or StartApproval, NotifyPeople, Done); a bill that needs
    // a person adds its own approval execution (WaitForQuietHours, RequestApproval); extraction adds one.
    expect(await measureTransitions()).toEqual({ 'straight-through': { plain: 8, extraction: 9 }, 'needs-approval': { plain: 10, extraction: 11 } });
  }, 60_000);
});

/** A main-stack template with just the priced functions' memory and architecture. */
function templateFile(): string {
  const f = (mb: number) => ({ Type: 'AWS::Lambda::Function', Properties: { MemorySize: mb, Architectures: ['arm64'] } });
  const template = {
    Resources: {
      WorkflowIntake928CF079: f(256),
      WorkflowStartExecutionA1C70F25: f(256),
      WorkflowReadDocument9B6FCD21: f(1024),
      WorkflowExtract31F4825B: f(1024),
      WorkflowDecideBillB13BFCC1: f(256),
      WorkflowApprovalDesk79BCC1B8: f(256),
      ApprovalsAckDF13155C: f(256),
    },
  };
  const file = join(mkdtempSync(join(tmpdir(), 'bm-cost-test-')), 'BillMatcher.template.json');
  writeFileSync(file, JSON.stringify(template));
  return file;
}

const io = () => {
  const out = { stdout: '', stderr: '' };
  return { out, io: { stdout: (s: string) => void (out.stdout += s), stderr: (s: string) => void (out.stderr += s) } };
};

describe('bm cost', () => {
  it('prints dollars per 1,000 bills for every encoding and outcome, and the manual-AP comparison with its sources', async () => {
    const { out, io: cli } = io();
    expect(await costCommand(['--template', templateFile()], cli)).toBe(0);
    for (const e of ['e-invoice', 'edi', 'text-pdf', 'scan', 'photo']) expect(out.stdout).toMatch(new RegExp(`^${e} +straight-through +\\$`, 'm'));
    expect(out.stdout).toMatch(/^scan +needs-approval +\$\d+\.\d\d/m);
    expect(out.stdout).toContain('read-document 1024 MB arm64');
    expect(out.stdout).toContain('APQC');
  }, 60_000);

  it('names the file when the template is not the main stack', async () => {
    const file = join(mkdtempSync(join(tmpdir(), 'bm-cost-test-')), 'other.json');
    writeFileSync(file, JSON.stringify({ Resources: {} }));
    await expect(costCommand(['--template', file], io().io)).rejects.toThrow(`${file}: no Lambda function Intake`);
  });

  it('--stack prices a month of the stack from its CloudWatch metrics', async () => {
    const sent: unknown[] = [];
    const clients = () => ({
      cloudFormation: { send: async () => ({ Stacks: [{ Outputs: [{ OutputKey: 'TableName', OutputValue: 'BillMatcher-Bills' }] }] }) } as never,
      cloudWatch: {
        send: async (cmd: { input: unknown }) => {
          sent.push(cmd.input);
          return {
            MetricDataResults: [
              { Id: 'invocations', Label: 'BillMatcher-WorkflowDecideBillB13BF-AbC123', Values: [600, 400] },
              { Id: 'duration', Label: 'BillMatcher-WorkflowDecideBillB13BF-AbC123', Values: [100_000] },
              { Id: 'bills', Label: 'bill-matcher ready_for_payment', Values: [900] },
              { Id: 'bills', Label: 'bill-matcher awaiting_approval', Values: [100] },
              { Id: 'executions', Label: 'x', Values: [1000] },
              { Id: 'wcu', Label: 'BillMatcher-Bills', Values: [12_000] },
              { Id: 'rcu', Label: 'BillMatcher-Bills', Values: [6_000] },
            ],
          };
        },
      } as never,
    });
    const { out, io: cli } = io();
    expect(await costCommand(['--template', templateFile(), '--stack', 'BillMatcher', '--month', '2026-10', '--json'], cli, { clients, prices: PRICES })).toBe(0);
    const r = JSON.parse(out.stdout) as { month: string; usage: { bills: number; lambda: { memoryMb: number }[] }; lines: { service: string; usd: string }[] };
    expect(r.month).toBe('2026-10');
    expect(r.usage.bills).toBe(1000);
    // decide-bill at 256 MB (from the template, by its generated name): 100,000 ms × 0.25 GB = 25 GB-s × $0.0000133334
    // = $0.000333335, plus 1,000 requests × $0.20/1M = $0.0002.
    expect(r.usage.lambda[0]!.memoryMb).toBe(256);
    const line = (s: string) => r.lines.find((l) => l.service === s)!.usd;
    expect(line('Lambda')).toBe('0.000533335');
    // 12,000 WRU × $0.625/1M + 6,000 RRU × $0.125/1M.
    expect(line('DynamoDB')).toBe('0.00825');
    // 900 × 8 + 100 × 10 transitions (the approval execution's two states included) × $0.025/1,000.
    expect(line('Step Functions')).toBe('0.205');
    // October 2026, UTC.
    expect(sent[0]).toMatchObject({ StartTime: new Date('2026-10-01T00:00:00Z'), EndTime: new Date('2026-11-01T00:00:00Z') });
  }, 60_000);

  it('refuses --month without --stack, and a malformed month before synthesizing anything', async () => {
    await expect(costCommand(['--month', '2026-10'], io().io)).rejects.toThrow('--month goes with --stack NAME');
    await expect(costCommand(['--stack', 'BillMatcher', '--month', 'October'], io().io)).rejects.toThrow('--month "October" is not a month (YYYY-MM)');
  });

  it('takes the previous month by default and refuses a malformed one', () => {
    expect(monthRange(undefined, new Date('2026-01-15T00:00:00Z')).label).toBe('2025-12');
    expect(() => monthRange('2026-13')).toThrow('--month "2026-13" is not a month (YYYY-MM)');
  });
});
