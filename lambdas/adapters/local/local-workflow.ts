/**
 * The workflow on a laptop: the same `state-machines/process-document.asl.json` the CDK stack
 * deploys, run by an ASL interpreter (aws-local-stepfunctions), with every Task bound to the
 * same handler code the Lambda functions run. Execution names are claimed in DynamoDB, as Step
 * Functions refuses a second start with the same name, so a document delivered twice runs once.
 */
import { existsSync, readFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { StateMachine } from 'aws-local-stepfunctions';
import type { OutcomeRow } from '../../core/output.ts';
import type { DocumentStore } from '../../core/ports/documents.ts';
import type { BillStore } from '../../core/ports/store.ts';
import type { Submission } from '../../core/submission.ts';
import { makeHandler as makeDecideBill } from '../../decide-bill/handler.ts';
import { makeHandler as makeExtract } from '../../extract/handler.ts';
import { makeHandler as makeReadDocument } from '../../read-document/handler.ts';
import { makeHandler as makeRecordFailure } from '../../record-failure/handler.ts';
import { makeHandler as makeApprovalDesk } from '../../approval-desk/handler.ts';
import type { Mailer } from '../../core/ports/mailer.ts';
import { executionName } from '../../shared/intake.ts';

/** Where the state machine definition lives (one file, used by the cloud and the local stack). */
export const WORKFLOW_DEFINITION = findUp('state-machines/process-document.asl.json');

/** The file at `rel` in this module's folder or the nearest one above (sources, or a bundle). */
function findUp(rel: string): string {
  for (let dir = import.meta.dirname; ; dir = dirname(dir)) {
    if (existsSync(join(dir, rel))) return join(dir, rel);
    if (dirname(dir) === dir) return join(process.cwd(), rel);
  }
}

/** The placeholders of the definition, each bound to a function. */
export const WORKFLOW_FUNCTIONS = {
  ReadDocumentFunctionArn: 'read-document',
  ExtractFunctionArn: 'extract',
  DecideBillFunctionArn: 'decide-bill',
  RecordFailureFunctionArn: 'record-failure',
  ApprovalDeskFunctionArn: 'approval-desk',
} as const;
export type WorkflowFunction = (typeof WORKFLOW_FUNCTIONS)[keyof typeof WORKFLOW_FUNCTIONS];

/** The definition with `${Placeholders}` replaced. Throws when one is left unbound. */
export function workflowDefinition(substitutions: Record<string, string>): Record<string, unknown> {
  const text = readFileSync(WORKFLOW_DEFINITION, 'utf8').replace(/\$\{(\w+)\}/g, (_m, name: string) => {
    const v = substitutions[name];
    if (v === undefined) throw new Error(`state machine placeholder \${${name}} is not bound`);
    return v;
  });
  return JSON.parse(text) as Record<string, unknown>;
}

type Handler = (input: unknown) => Promise<unknown>;

/** The part of the interpreter's event log the traces need. */
interface EventLog {
  readonly type: string;
  readonly state?: { readonly name: string };
  readonly index?: number;
}

export interface LocalWorkflowDeps {
  readonly store: BillStore & ExecutionNames;
  readonly documents: DocumentStore;
  readonly now: () => number;
  /** Replace a function's code (tests inject failures here). */
  readonly override?: Partial<Record<WorkflowFunction, Handler>>;
  /** How approval requests are sent: the outbox, the signing secret, the ack page's address. */
  readonly approvals: { readonly mailer: Mailer; readonly secret: Uint8Array; readonly baseUrl: string; readonly billUrl?: (billId: string) => string; readonly apInbox?: string | null };
  /** Wait out quiet hours for real (`bm start`); a one-shot run with a fixed clock does not. @default false */
  readonly honourWaits?: boolean;
}

export interface ExecutionResult {
  readonly name: string;
  /** WAITING: every bill is decided and recorded; some wait for an approver (see `settled`). */
  readonly status: 'SUCCEEDED' | 'FAILED' | 'WAITING';
  readonly bills: OutcomeRow[];
  /** The states each bill passed through, in order, by part index. */
  readonly traces: string[][];
  readonly error?: { readonly name: string; readonly message: string };
  /** Resolves when the execution has ended (all approvals decided), with its final status. */
  readonly settled: Promise<'SUCCEEDED' | 'FAILED' | 'ABORTED'>;
}

/** The local stand-in for Step Functions' execution names and histories (`DynamoBillStore`). */
export interface ExecutionNames {
  claimExecutionName(name: string, at: string, input?: unknown): Promise<boolean>;
  executionRecord(name: string): Promise<{ status: 'RUNNING' | 'SUCCEEDED' | 'FAILED'; input: unknown } | null>;
  finishExecution(name: string, status: 'SUCCEEDED' | 'FAILED', outcome: unknown, at: string): Promise<void>;
}

/** The execution failed and not even its failure could be recorded (the database went away): it is run again. */
export class ExecutionNotRecorded extends Error {
  override readonly name = 'ExecutionNotRecorded';
}

export class ExecutionAlreadyExists extends Error {
  override readonly name = 'ExecutionAlreadyExists';
}

const TASK_STATE_FUNCTION: Record<string, WorkflowFunction> = {
  ReadDocument: 'read-document',
  ExtractScannedParts: 'extract',
  DecideBill: 'decide-bill',
  RecordBillFailure: 'record-failure',
  RecordDocumentFailure: 'record-failure',
  RequestApproval: 'approval-desk',
  NotifyPeople: 'approval-desk',
};

export class LocalWorkflow {
  private readonly machine: StateMachine;
  private readonly handlers: Record<WorkflowFunction, Handler>;
  private readonly notify: Handler;
  /** Approval tasks waiting for their token, as Step Functions keeps them. */
  private readonly waiting = new Map<string, (output: unknown) => void>();
  private readonly running = new Set<{ abort: () => void }>();

  constructor(private readonly deps: LocalWorkflowDeps) {
    const arns = Object.fromEntries(
      Object.entries(WORKFLOW_FUNCTIONS).map(([k, fn]) => [k, `arn:aws:lambda:local-1:000000000000:function:bm-${fn}`]),
    );
    this.machine = new StateMachine(workflowDefinition(arns) as never, { validationOptions: { checkPaths: true, checkArn: true } });
    const decideDeps = { store: deps.store, now: deps.now };
    this.notify = makeApprovalDesk({ ...decideDeps, ...deps.approvals });
    this.handlers = {
      'read-document': makeReadDocument({ documents: deps.documents, store: deps.store }),
      extract: makeExtract(),
      'decide-bill': makeDecideBill(decideDeps),
      'record-failure': makeRecordFailure(decideDeps),
      'approval-desk': this.approvalDesk(makeApprovalDesk({ ...decideDeps, ...deps.approvals })),
      ...deps.override,
    };
  }

  /** The `.waitForTaskToken` integration: the task returns when `resume(token)` is called. */
  private approvalDesk(desk: Handler): Handler {
    return async (params: unknown) => {
      const { bill_id, task_token } = (params as { Payload: { bill_id: string; task_token: string } }).Payload;
      const token = `${task_token}:${bill_id}`;
      const result = (await desk({ bill_id, task_token: token })) as { requested: boolean };
      if (!result.requested) return { bill_id, state: 'decided' };
      return await new Promise((resolve) => this.waiting.set(token, resolve));
    };
  }

  /** SendTaskSuccess: resumes the approval task waiting on this token. False when none waits. */
  resume(taskToken: string, output: unknown): boolean {
    const r = this.waiting.get(taskToken);
    if (!r) return false;
    this.waiting.delete(taskToken);
    r(output);
    return true;
  }

  /** Stops executions still waiting for approvals (the decisions are recorded; only the wait ends). */
  abortAll(): void {
    for (const e of this.running) e.abort();
    this.running.clear();
    this.waiting.clear();
  }

  /**
   * Starts and awaits one execution for a submission. The execution name is the submission id:
   * a second start with the same name throws `ExecutionAlreadyExists`, as Step Functions does.
   */
  async run(submitted: Submission): Promise<ExecutionResult> {
    let submission = submitted;
    const name = executionName(submission.id);
    const at = () => new Date(this.deps.now()).toISOString();
    if (!(await this.deps.store.claimExecutionName(name, at(), { submission }))) {
      // The name is taken. Only an execution whose outcome is recorded counts as done: one cut
      // short (a crash, the database gone) runs again on its original input, as a redrive does;
      // every task is idempotent, so bills already decided are found, not decided twice.
      const earlier = await this.deps.store.executionRecord(name);
      if (!earlier || earlier.status !== 'RUNNING') throw new ExecutionAlreadyExists(`execution ${name} already exists`);
      const input = (earlier.input as { submission?: Submission } | null)?.submission;
      if (input) submission = input;
    }
    const result = await this.execute(name, submission);
    // A failed execution is complete only when its failure is recorded: the document's needs_review bill.
    if (result.status === 'FAILED' && (result.error?.name !== 'DocumentFailed' || result.bills.length === 0)) {
      throw new ExecutionNotRecorded(`execution ${name} failed and its failure could not be recorded: ${result.error?.name ?? 'Error'}: ${result.error?.message ?? ''}`);
    }
    await this.deps.store.finishExecution(
      name,
      result.status === 'FAILED' ? 'FAILED' : 'SUCCEEDED',
      { bills: result.bills.map((b) => b.bill_id), ...(result.error ? { error: result.error } : {}) },
      at(),
    );
    return result;
  }

  private async execute(name: string, submission: Submission): Promise<ExecutionResult> {
    const taskResourceLocalHandlers = Object.fromEntries(
      Object.entries(TASK_STATE_FUNCTION).map(([state, fn]) => [
        state,
        // NotifyPeople calls the approval-desk function directly (not the .waitForTaskToken integration).
        (input: unknown) => (state === 'NotifyPeople' && !this.deps.override?.[fn] ? this.notify(input) : this.handlers[fn](input)) as Promise<never>,
      ]),
    );
    // Retries wait milliseconds, not seconds, on a laptop; the policy (which errors, how often) is the definition's.
    const retryIntervalOverrides = Object.fromEntries(Object.keys(TASK_STATE_FUNCTION).map((s) => [s, 10]));
    const waitTimeOverrides: Record<string, number> = this.deps.honourWaits ? {} : { WaitForQuietHours: 0 };
    const execution = this.machine.run({ submission } as never, {
      overrides: { taskResourceLocalHandlers, retryIntervalOverrides, waitTimeOverrides },
      noThrowOnAbort: true,
      context: {
        Execution: { Id: `local:${name}`, Name: name, Input: { submission }, StartTime: new Date(this.deps.now()).toISOString() },
        Task: { Token: `local-${name}` },
      } as never,
    });
    this.running.add(execution);
    const events: EventLog[] = [];
    // Decisions are done when the approvals map starts; what follows may wait for days.
    let decided!: (bills: OutcomeRow[]) => void;
    const decisionsDone = new Promise<OutcomeRow[]>((r) => (decided = r));
    const collecting = (async () => {
      for await (const e of execution.eventLogs) {
        events.push(e as EventLog);
        const ev = e as EventLog & { state?: { name: string; output?: unknown } };
        if (ev.type === 'StateExited' && ev.index === undefined && ev.state?.name === 'DecideEachBill') {
          decided(((ev.state.output as { bills?: OutcomeRow[] }) ?? {}).bills ?? []);
        }
      }
    })();
    let error: ExecutionResult['error'];
    const settled = execution.result.then(
      (out) => (out === null ? 'ABORTED' : 'SUCCEEDED') as 'SUCCEEDED' | 'ABORTED',
      (err: Error) => {
        error = { name: err.name, message: err.message };
        return 'FAILED' as const;
      },
    );
    void settled.finally(() => this.running.delete(execution));
    const first = await Promise.race([
      decisionsDone.then(async (bills) => {
        await this.untilIdle(name, events, bills.length, settled);
        return { bills };
      }),
      settled.then((status) => ({ status })),
    ]);
    if ('status' in first) await collecting.catch(() => undefined);
    const status: ExecutionResult['status'] = 'bills' in first ? 'WAITING' : first.status === 'SUCCEEDED' ? 'SUCCEEDED' : 'FAILED';
    const bills = 'bills' in first ? first.bills : status === 'FAILED' ? await this.failedBills(submission) : await decisionsDone;
    return {
      name,
      status: 'bills' in first && (await Promise.race([settled, Promise.resolve('pending')])) === 'SUCCEEDED' ? 'SUCCEEDED' : status,
      bills,
      get traces() {
        return traces(events);
      },
      ...(error ? { error } : {}),
      settled,
    };
  }

  /** Until every bill of the execution has either finished or is waiting for its approver. */
  private async untilIdle(name: string, events: readonly EventLog[], bills: number, settled: Promise<unknown>): Promise<void> {
    let ended = false;
    void settled.then(() => (ended = true));
    const prefix = `local-${name}:`;
    for (;;) {
      if (ended) return;
      const done = events.filter((e) => e.type === 'MapIterationSucceeded' || e.type === 'MapIterationFailed').length;
      // Waiting means the approval emails are sent and the task holds its token.
      const waiting = [...this.waiting.keys()].filter((k) => k.startsWith(prefix)).length;
      // Waiting out quiet hours (`honourWaits`) is idle too: the bill is decided, its email comes later.
      const entered = (state: string) => events.filter((e) => e.type === 'StateEntered' && e.state?.name === state).length;
      const quiet = entered('WaitForQuietHours') - entered('RequestApproval');
      // Iterations of the decision map count too: subtract them.
      const decisionIterations = Math.min(done, bills);
      if (done - decisionIterations + waiting + quiet >= bills) return;
      await new Promise((r) => setTimeout(r, 5));
    }
  }

  /** After a failed execution, the bill recorded for it (RecordDocumentFailure wrote it). */
  private async failedBills(submission: Submission): Promise<OutcomeRow[]> {
    const { billIdFor } = await import('../../core/submission.ts');
    const { outcomeRow } = await import('../../core/output.ts');
    const b = await this.deps.store.getBill(billIdFor(submission, 0));
    return b ? [outcomeRow(b)] : [];
  }
}

/** Step Functions execution names (the one definition, shared with the starter). */
export { executionName };

/** Per bill (Map iteration index): the top-level states and that iteration's states, in order. */
function traces(events: readonly EventLog[]): string[][] {
  const entered = events.filter((e): e is EventLog & { state: { name: string } } => e.type === 'StateEntered' && e.state !== undefined);
  const indexes = [...new Set(entered.map((e) => e.index).filter((i): i is number => i !== undefined))].sort((a, b) => a - b);
  const top = (e: (typeof entered)[number]) => e.index === undefined;
  if (indexes.length === 0) return [entered.filter(top).map((e) => e.state.name)];
  return indexes.map((i) => entered.filter((e) => top(e) || e.index === i).map((e) => e.state.name));
}
