/**
 * `bm cost`: dollars per 1,000 bills by encoding and outcome at AWS list prices, from
 * - the functions' memory and architecture in the synthesized template (`--template FILE`, or the
 *   app synthesized here, bundling skipped),
 * - the state transitions of each path, from a run of the state machines on the local workflow
 *   (both: the document's and a bill's approval execution; in memory: the bundled demo's clean bill and its bill over the touchless limit),
 * - the handler durations measured by `npm run bench` (d) and the DynamoDB units of bench (c).
 * `bm cost --stack NAME [--month YYYY-MM]` prices a month of a deployed stack from its CloudWatch
 * metrics instead. docs/cost.md explains the figures and compares them with manual AP.
 */
import { randomBytes } from 'node:crypto';
import { mkdtemp, readFile, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { CloudWatchClient, GetMetricDataCommand, type GetMetricDataCommandOutput, type MetricDataQuery } from '@aws-sdk/client-cloudwatch';
import { CloudFormationClient } from '@aws-sdk/client-cloudformation';
import { FolderDocumentStore } from '../adapters/local/folder-documents.ts';
import { LocalWorkflow, type ExecutionResult } from '../adapters/local/local-workflow.ts';
import { loadMasterFolder } from '../adapters/local/master-folder.ts';
import { MemoryOutbox } from '../adapters/local/memory-outbox.ts';
import { MemoryBillStore } from '../adapters/memory/memory-store.ts';
import { stackOutputs, StackNotFoundError } from '../adapters/aws/stack-outputs.ts';
import { AWS_PRICES, type PriceTable } from '../core/aws-prices.ts';
import {
  costMatrix,
  costOfMonth,
  ENCODING_PROFILES,
  ENCODINGS,
  MANUAL_AP,
  OUTCOMES,
  PRICED_FUNCTIONS,
  usd,
  type CostInputs,
  type DynamoUnits,
  type FunctionSpec,
  type MeasuredDurations,
  type MonthUsage,
  type Outcome,
  type PricedFunction,
} from '../core/cost.ts';
import { Decimal } from '../core/money.ts';
import { makeHandler as makeReadDocument } from '../read-document/handler.ts';
import { DEMO_DIR, loadDemoManifest } from './demo.ts';
import { CliUsageError, parseCli, type CliIo } from './local.ts';
import { fileProblem } from './args.ts';

/**
 * Milliseconds per invocation on the local path, from `npm run bench` (d) on 2026-11-29 (the
 * 2-core bench machine under load, load average 16: upper bounds): the bundled demo's bills through
 * the local workflow on DynamoDB Local, each handler timed, median of 6 rounds; the readers alone
 * on each encoding. Intake, the starter, the approval desk, the ack handler and extraction do not
 * run timed on the local path: assumed (I/O-bound; extraction waits for Textract and the model).
 */
export const MEASURED_DURATIONS: MeasuredDurations = {
  measured: '2026-11-29',
  ms: { intake: 60, 'start-execution': 40, 'read-document': 4, extract: 6000, 'decide-bill': 58, 'approval-desk': 60, ack: 40 },
  source: { intake: 'assumed', 'start-execution': 'assumed', 'read-document': 'bench', extract: 'assumed', 'decide-bill': 'bench', 'approval-desk': 'assumed', ack: 'assumed' },
  // Handler 4 ms with a UBL/CII reader of 1–7 ms; X12 0.2 ms; pdf.js on a one-page text PDF 186 ms;
  // a scan's PDF is opened by pdf.js too before it is found to have no text layer; a photo is known by its magic bytes.
  readMs: { 'e-invoice': 11, edi: 5, 'text-pdf': 190, scan: 190, photo: 5 },
};

/** DynamoDB units per bill, from `npm run bench` (c) (docs/benchmarks.md). */
export const MEASURED_DYNAMO: DynamoUnits = {
  measured: '2026-11-30',
  // Billed write units from item sizes (bench (c)): the bill, its audit row, the claims, three search
  // items, the PO's quantities and the spend; reads kept at 6 (a cold function reads master data too).
  straightThrough: { write: 24, read: 6 },
  needsApproval: { write: 22, read: 6 },
  // Not measured by the bench, counted from its items: the bill, an audit row, the link's nonce, the
  // spend's head and entry, three search items (2 units each, transactional).
  approvalGate: { write: 16, read: 6 },
};

interface TemplateJson {
  Resources?: Record<string, { Type?: string; Properties?: { Description?: string; MemorySize?: number; Architectures?: string[] } }>;
}

/** A function's name as its construct id (`decide-bill` → `DecideBill`), the end of its logical id before the hash. */
const constructId = (name: string) => name.split('-').map((w) => w[0]!.toUpperCase() + w.slice(1)).join('');

/** Memory and architecture of each priced function, found by its construct id in the logical id (`WorkflowDecideBillB13BFCC1`). */
export function functionsFromTemplate(template: TemplateJson, file = 'the template'): Record<PricedFunction, FunctionSpec> & { logicalIds: Record<string, string> } {
  const found: Partial<Record<PricedFunction, FunctionSpec>> = {};
  const logicalIds: Record<string, string> = {};
  for (const [id, r] of Object.entries(template.Resources ?? {})) {
    if (r.Type !== 'AWS::Lambda::Function') continue;
    const base = id.replace(/[0-9A-F]{8}$/, '');
    const name = PRICED_FUNCTIONS.find((f) => base.endsWith(constructId(f)));
    if (!name) continue;
    const arch = r.Properties?.Architectures?.[0] ?? 'x86_64';
    found[name] = { memoryMb: r.Properties?.MemorySize ?? 128, architecture: arch === 'arm64' ? 'arm64' : 'x86_64' };
    logicalIds[name] = id;
  }
  const missing = PRICED_FUNCTIONS.filter((f) => !found[f] && f !== 'extract');
  if (missing.length > 0) throw new CliUsageError(`${file}: no Lambda function ${constructId(missing[0]!)} (is it the BillMatcher stack's template?)`);
  // Extraction off: scans are not read in the cloud; price them as if it were on, at the readers' size.
  found.extract ??= { memoryMb: 1024, architecture: 'arm64' };
  return Object.assign(found as Record<PricedFunction, FunctionSpec>, { logicalIds });
}

/** The main stack's template, synthesized here as `cdk synth` would (cdk.json's context, no bundling). */
async function synthesizedTemplate(): Promise<TemplateJson> {
  const [{ App }, { CONTEXT_KEY, parseConfig }, { buildApp }, { PROJECT_ROOT }] = await Promise.all([
    import('aws-cdk-lib'),
    import('../../lib/config.ts'),
    import('../../lib/stacks.ts'),
    import('../../lib/bundle.ts'),
  ]);
  const context = (JSON.parse(await readFile(join(PROJECT_ROOT, 'cdk.json'), 'utf8')) as { context: Record<string, unknown> }).context;
  const outdir = await mkdtemp(join(tmpdir(), 'bm-cost-'));
  try {
    const app = new App({ outdir, context: { ...context, 'aws:cdk:bundling-stacks': [] } });
    const { main } = buildApp(app, parseConfig(context[CONTEXT_KEY]));
    return app.synth().getStackByName(main.stackName).template as TemplateJson;
  } finally {
    await rm(outdir, { recursive: true, force: true });
  }
}

/**
 * State transitions per path, counted from a run of the state machines: the states each bill
 * entered (Step Functions bills one transition per state entered), in the document's execution
 * (process-document) and, for a bill that needs a person, in its own approval execution
 * (approve-bill: the quiet-hours wait and the request). The demo's clean bill goes straight
 * through; its bill over the touchless limit waits for an approver, who approves. The extraction
 * path is the same run with the reader saying the part needs extraction.
 */
export function measureTransitions(): Promise<CostInputs['transitions']> {
  // The definition does not change within a process: one run of the paths is enough.
  measured ??= runPaths().catch((err: unknown) => {
    measured = undefined;
    throw err;
  });
  return measured;
}
let measured: Promise<CostInputs['transitions']> | undefined;

async function runPaths(): Promise<CostInputs['transitions']> {
  const manifest = await loadDemoManifest();
  const master = await loadMasterFolder(join(DEMO_DIR, manifest.master));
  const file = (state: string) => {
    const step = manifest.steps.find((s) => 'file' in s && s.expect.length === 1 && s.expect[0]!.state === state);
    if (!step || !('file' in step)) throw new Error(`the bundled demo has no single-bill file that ends ${state}`);
    return step.file;
  };
  const docDir = await mkdtemp(join(tmpdir(), 'bm-cost-'));
  try {
    const run = async (state: string, extraction: boolean): Promise<number> => {
      const store = new MemoryBillStore();
      await store.importMaster(master);
      // Every state entered, in both machines: the document's execution and the bill's own approval execution.
      const entered: Record<'process-document' | 'approve-bill', number> = { 'process-document': 0, 'approve-bill': 0 };
      const documents = new FolderDocumentStore(docDir);
      const read = makeReadDocument({ documents });
      const now = () => Date.parse('2026-03-03T10:00:00+01:00');
      const workflow = new LocalWorkflow({
        store,
        documents,
        now,
        approvals: { mailer: new MemoryOutbox(), secret: randomBytes(32), baseUrl: 'http://127.0.0.1:9' },
        onState: (e) => {
          if (e.kind === 'input') entered[e.machine]++;
        },
        override: extraction
          ? {
              'read-document': async (input: unknown) => ({ ...((await read(input)) as object), needs_extraction: true }),
              extract: async (input: unknown) => ({ ...(input as { read: object }).read, needs_extraction: false }),
            }
          : {},
      });
      const id = `cost-${state}-${extraction}`;
      await documents.put(`incoming/${id}`, new Uint8Array(await readFile(join(DEMO_DIR, file(state)))));
      const result: ExecutionResult = await workflow.run({ id, document_key: `incoming/${id}`, name: file(state), submitter: null, received_at: new Date(now()).toISOString() });
      if (result.status === 'WAITING') {
        const bill = await store.getBill(result.bills[0]!.bill_id);
        workflow.resume(bill!.task_token!, { bill_id: bill!.bill_id, state: 'ready_for_payment' });
      }
      const status = await result.settled;
      if (status !== 'SUCCEEDED') throw new Error(`the ${state} run of the state machine ended ${status}`);
      // The last events of an execution reach their reader just after its result.
      await new Promise((r) => setImmediate(r));
      if (entered['process-document'] !== result.traces[0]!.length) throw new Error(`the ${state} run entered ${entered['process-document']} states, its trace has ${result.traces[0]!.length}`);
      if ((state === 'awaiting_approval') !== entered['approve-bill'] > 0) throw new Error(`the ${state} run ${state === 'awaiting_approval' ? 'started no' : 'started an'} approval execution`);
      return entered['process-document'] + entered['approve-bill'];
    };
    const paths = { 'straight-through': 'ready_for_payment', 'needs-approval': 'awaiting_approval' } as const;
    const out = {} as Record<Outcome, { plain: number; extraction: number }>;
    for (const o of OUTCOMES) out[o] = { plain: await run(paths[o], false), extraction: await run(paths[o], true) };
    return out;
  } finally {
    await rm(docDir, { recursive: true, force: true });
  }
}

export interface CostDeps {
  /** CloudWatch and CloudFormation for `--stack`; tests give their own. */
  readonly clients?: (region: string | undefined) => { cloudWatch: Pick<CloudWatchClient, 'send'>; cloudFormation: Pick<CloudFormationClient, 'send'> };
  readonly prices?: PriceTable;
}

export async function costCommand(args: string[], io: CliIo, deps: CostDeps = {}): Promise<number> {
  const { values, positionals } = parseCli(args, {
    template: { type: 'string' },
    json: { type: 'boolean', default: false },
    stack: { type: 'string' },
    month: { type: 'string' },
    region: { type: 'string' },
  });
  if (positionals.length > 0) throw new CliUsageError(`cost takes no FILE (got ${positionals[0]})`);
  for (const flag of ['month', 'region'] as const) if (values[flag] !== undefined && !values.stack) throw new CliUsageError(`--${flag} goes with --stack NAME`);
  // A bad month is refused before anything is synthesized or asked of AWS.
  if (values.stack) monthRange(values.month as string | undefined);
  const prices = deps.prices ?? AWS_PRICES;
  let template: TemplateJson;
  const templateFile = values.template as string | undefined;
  if (templateFile) {
    try {
      template = JSON.parse(await readFile(templateFile, 'utf8')) as TemplateJson;
    } catch (err) {
      throw new CliUsageError(`--template ${(err as NodeJS.ErrnoException).code ? fileProblem(templateFile, err) : `${templateFile}: not a JSON template (${(err as Error).message})`}`);
    }
  } else {
    template = await synthesizedTemplate();
  }
  const functions = functionsFromTemplate(template, templateFile ?? 'the synthesized template');
  const transitions = await measureTransitions();

  if (values.stack) return stackCost(values.stack as string, values.month as string | undefined, values.region as string | undefined, { prices, transitions, functions }, io, values.json === true, deps);

  const matrix = costMatrix({ prices, functions, transitions, durations: MEASURED_DURATIONS, dynamo: MEASURED_DYNAMO });
  if (values.json) {
    io.stdout(JSON.stringify({ prices, functions, transitions, durations: MEASURED_DURATIONS, dynamo: MEASURED_DYNAMO, paths: matrix, manualAp: MANUAL_AP }, null, 2) + '\n');
    return 0;
  }
  const services = matrix[0]!.lines.map((l) => l.service);
  const rows = matrix.map((p) => [p.encoding, p.outcome, usd(p.per1000), ...p.lines.map((l) => usd(l.usd))]);
  const header = ['encoding', 'outcome', 'per 1,000', ...services];
  const widths = header.map((h, i) => Math.max(h.length, ...rows.map((r) => r[i]!.length)));
  const line = (cells: string[]) => cells.map((c, i) => (i < 2 ? c.padEnd(widths[i]!) : c.padStart(widths[i]!))).join('  ');
  io.stdout(`Dollars per 1,000 bills at AWS list prices (US East; prices read ${prices.lambdaRequest.read}; table in lambdas/core/aws-prices.ts)\n\n`);
  io.stdout([line(header), ...rows.map(line)].join('\n') + '\n\n');
  io.stdout(
    `Functions (template): ${PRICED_FUNCTIONS.map((f) => `${f} ${functions[f].memoryMb} MB ${functions[f].architecture}`).join(', ')}\n` +
      `State transitions (state machine run): straight-through ${transitions['straight-through'].plain} (+${transitions['straight-through'].extraction - transitions['straight-through'].plain} with extraction), needs approval ${transitions['needs-approval'].plain}\n` +
      `Handler durations: bench (d) ${MEASURED_DURATIONS.measured}; DynamoDB units: bench (c) ${MEASURED_DYNAMO.measured}; encodings: ${ENCODINGS.map((e) => `${e} ${ENCODING_PROFILES[e].emailKb} KB`).join(', ')}\n\n`,
  );
  io.stdout(`A bill in manual accounts payable:\n${MANUAL_AP.map((m) => `  $${m.usdPerBill} per bill ($${Decimal.parse(m.usdPerBill).mul(Decimal.from(1000)).toFixed(0)} per 1,000): ${m.what} — ${m.source}`).join('\n')}\n`);
  return 0;
}

/** The first and last instant of a month (UTC); the previous full month by default. */
export function monthRange(month: string | undefined, now = new Date()): { start: Date; end: Date; label: string } {
  let y: number;
  let m: number;
  if (month === undefined) {
    y = now.getUTCFullYear();
    m = now.getUTCMonth(); // 0-based current month = previous month's 1-based number
    if (m === 0) {
      y -= 1;
      m = 12;
    }
  } else {
    const match = /^(\d{4})-(\d{2})$/.exec(month);
    if (!match || Number(match[2]) < 1 || Number(match[2]) > 12) throw new CliUsageError(`--month "${month}" is not a month (YYYY-MM)`);
    y = Number(match[1]);
    m = Number(match[2]);
  }
  const start = new Date(Date.UTC(y, m - 1, 1));
  const end = new Date(Date.UTC(y, m, 1));
  return { start, end, label: `${y}-${String(m).padStart(2, '0')}` };
}

/** The GetMetricData queries of a month: one SEARCH per figure, summed over the month. */
export function monthQueries(stackName: string, tableName: string, periodSeconds: number): MetricDataQuery[] {
  const search = (id: string, expr: string): MetricDataQuery => ({ Id: id, Expression: `SEARCH('${expr}', 'Sum', ${periodSeconds})`, ReturnData: true });
  return [
    search('invocations', `{AWS/Lambda,FunctionName} MetricName="Invocations" "${stackName}-"`),
    search('duration', `{AWS/Lambda,FunctionName} MetricName="Duration" "${stackName}-"`),
    search('bills', `{BillMatcher,service,state} MetricName="BillsDecided"`),
    search('executions', `{AWS/States,StateMachineArn} MetricName="ExecutionsStarted" "${stackName}"`),
    search('wcu', `{AWS/DynamoDB,TableName} MetricName="ConsumedWriteCapacityUnits" TableName="${tableName}"`),
    search('rcu', `{AWS/DynamoDB,TableName} MetricName="ConsumedReadCapacityUnits" TableName="${tableName}"`),
    search('pages', `{BillMatcher,service} MetricName="ExtractionPages"`),
    search('inTokens', `{BillMatcher,service} MetricName="ExtractionInputTokens"`),
    search('outTokens', `{BillMatcher,service} MetricName="ExtractionOutputTokens"`),
  ];
}

/** Sums the month's results into usage; Lambda per function, memory from the template by the function's physical name. */
export function monthUsage(results: NonNullable<GetMetricDataCommandOutput['MetricDataResults']>, functions: ReturnType<typeof functionsFromTemplate>, stackName: string): MonthUsage {
  const sum = (r: (typeof results)[number]) => (r.Values ?? []).reduce((s, v) => s + v, 0);
  const of = (prefix: string) => results.filter((r) => r.Id === prefix || r.Id?.startsWith(`${prefix}_`));
  const total = (prefix: string) => of(prefix).reduce((s, r) => s + sum(r), 0);
  // A generated function name is `<stack>-<logical id, cut>-<suffix>`: the longest logical id prefix names the function.
  const memoryOf = (functionName: string) => {
    const middle = functionName.startsWith(`${stackName}-`) ? functionName.slice(stackName.length + 1) : functionName;
    let best: { len: number; mb: number } = { len: 0, mb: 0 };
    for (const [fn, id] of Object.entries(functions.logicalIds)) {
      let n = 0;
      while (n < id.length && n < middle.length && id[n] === middle[n]) n++;
      if (n > best.len) best = { len: n, mb: functions[fn as PricedFunction].memoryMb };
    }
    return best.len >= 8 ? best.mb : 256;
  };
  const durations = new Map(of('duration').map((r) => [r.Label ?? '', sum(r)]));
  const lambda = of('invocations').map((r) => ({ functionName: r.Label ?? '', invocations: sum(r), durationMs: durations.get(r.Label ?? '') ?? 0, memoryMb: memoryOf(r.Label ?? '') }));
  const awaiting = of('bills').filter((r) => (r.Label ?? '').includes('awaiting_approval')).reduce((s, r) => s + sum(r), 0);
  return {
    bills: total('bills'),
    billsAwaitingApproval: awaiting,
    executions: total('executions'),
    lambda,
    dynamo: { write: total('wcu'), read: total('rcu') },
    extraction: { pages: total('pages'), inputTokens: total('inTokens'), outputTokens: total('outTokens') },
  };
}

async function stackCost(
  stackName: string,
  month: string | undefined,
  region: string | undefined,
  inputs: Pick<CostInputs, 'prices' | 'transitions'> & { functions: ReturnType<typeof functionsFromTemplate> },
  io: CliIo,
  json: boolean,
  deps: CostDeps,
): Promise<number> {
  const range = monthRange(month);
  const clients = (deps.clients ?? ((r) => ({ cloudWatch: new CloudWatchClient(r ? { region: r } : {}), cloudFormation: new CloudFormationClient(r ? { region: r } : {}) })))(region);
  let outputs: Record<string, string>;
  try {
    outputs = await stackOutputs(stackName, clients.cloudFormation);
  } catch (err) {
    if (err instanceof StackNotFoundError) {
      io.stderr(`bm: ${err.message}\n`);
      return 1;
    }
    throw err;
  }
  const tableName = outputs.TableName;
  if (!tableName) {
    io.stderr(`bm: stack ${stackName} has no TableName output: is it the bill matcher's main stack?\n`);
    return 1;
  }
  const period = Math.round((range.end.getTime() - range.start.getTime()) / 1000);
  const results: NonNullable<GetMetricDataCommandOutput['MetricDataResults']> = [];
  let next: string | undefined;
  let pages = 0;
  do {
    const out = await clients.cloudWatch.send(new GetMetricDataCommand({ StartTime: range.start, EndTime: range.end, MetricDataQueries: monthQueries(stackName, tableName, period), NextToken: next }));
    results.push(...(out.MetricDataResults ?? []));
    next = out.NextToken;
  } while (next && ++pages < 20);
  const usage = monthUsage(results, inputs.functions, stackName);
  const cost = costOfMonth(usage, inputs);
  if (json) {
    io.stdout(JSON.stringify({ stack: stackName, month: range.label, usage, lines: cost.lines, total: cost.total, perBill: cost.perBill, measured: cost.measured, estimated: cost.estimated }, null, 2) + '\n');
    return 0;
  }
  io.stdout(`Stack ${stackName}, ${range.label}: ${usage.bills} bills (${usage.billsAwaitingApproval} awaiting approval), ${usage.executions} executions\n\n`);
  for (const l of cost.lines) io.stdout(`  ${l.service.padEnd(16)} ${usd(l.usd).padStart(12)}\n`);
  io.stdout(`  ${'total'.padEnd(16)} ${usd(cost.total).padStart(12)}${cost.perBill ? `  (${usd(cost.perBill.mul(Decimal.from(1000)))} per 1,000 bills)` : ''}\n\n`);
  io.stdout(`Measured: ${cost.measured.join('; ')}.\nEstimated: ${cost.estimated.join('; ')}.\n`);
  return 0;
}
