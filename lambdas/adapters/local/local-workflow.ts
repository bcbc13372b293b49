/**
 * The workflow on a laptop: the same `state-machines/process-document.asl.json` the CDK stack
 * deploys, run by an ASL interpreter (aws-local-stepfunctions), with every Task bound to the
 * same handler code the Lambda functions run. Execution names are claimed in DynamoDB, as Step
 * Functions refuses a second start with the same name, so a document delivered twice runs once.
 */
import { existsSync, readFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { StateMachine } from 'aws-local-stepfunctions';
import { outcomeRow, type OutcomeRow } from '../../core/output.ts';
import type { DocumentStore } from '../../core/ports/documents.ts';
import type { BillStore } from '../../core/ports/store.ts';
import { billIdFor, type Submission } from '../../core/submission.ts';
import { makeHandler as makeDecideBill } from '../../decide-bill/handler.ts';
import { DecisionOrder, type DecisionPlace } from './decision-order.ts';
import { partsRoot, type PartsRef } from '../../core/parts.ts';
import { PartsInMemory } from './parts-in-memory.ts';
import { makeHandler as makeExtract } from '../../extract/handler.ts';
import { makeHandler as makeReadDocument } from '../../read-document/handler.ts';
import { makeHandler as makeRecordFailure } from '../../record-failure/handler.ts';
import { makeHandler as makeApprovalDesk } from '../../approval-desk/handler.ts';
import type { Mailer } from '../../core/ports/mailer.ts';
import { sendingWhen } from './sending-order.ts';
import { executionName } from '../../shared/intake.ts';

/** Where the state machine definitions live (one file each, used by the cloud and the local stack). */
export const WORKFLOW_DEFINITION = findUp('state-machines/process-document.asl.json');
/** A bill that needs a person: its own execution, started by the document workflow. */
export const APPROVAL_DEFINITION = findUp('state-machines/approve-bill.asl.json');

/** The file at `rel` in this module's folder or the nearest one above (sources, or a bundle). */
function findUp(rel: string): string {
  for (let dir = import.meta.dirname; ; dir = dirname(dir)) {
    if (existsSync(join(dir, rel))) return join(dir, rel);
    if (dirname(dir) === dir) return join(process.cwd(), rel);
  }
}

/** The function placeholders of the definitions, each bound to a function. */
export const WORKFLOW_FUNCTIONS = {
  ReadDocumentFunctionArn: 'read-document',
  ExtractFunctionArn: 'extract',
  DecideBillFunctionArn: 'decide-bill',
  RecordFailureFunctionArn: 'record-failure',
  ApprovalDeskFunctionArn: 'approval-desk',
} as const;
export type WorkflowFunction = (typeof WORKFLOW_FUNCTIONS)[keyof typeof WORKFLOW_FUNCTIONS];
/** The document workflow's placeholder for the approval state machine. */
export const APPROVAL_MACHINE_PLACEHOLDER = 'ApproveBillStateMachineArn';

/** A definition with `${Placeholders}` replaced. Throws when one is left unbound. */
export function workflowDefinition(substitutions: Record<string, string>, file: string = WORKFLOW_DEFINITION): Record<string, unknown> {
  const text = readFileSync(file, 'utf8').replace(/\$\{(\w+)\}/g, (_m, name: string) => {
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
  readonly state?: { readonly name: string; readonly input?: unknown; readonly output?: unknown };
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
  /** Every state's input (entered) and output (exited), as the interpreter passes them (tests measure payloads). */
  readonly onState?: (e: { readonly machine: 'process-document' | 'approve-bill'; readonly state: string; readonly kind: 'input' | 'output'; readonly payload: unknown }) => void;
}

export interface ExecutionResult {
  readonly name: string;
  /** WAITING: every bill is decided and recorded; some wait for an approver in their own executions (see `settled`). */
  readonly status: 'SUCCEEDED' | 'FAILED' | 'WAITING';
  readonly bills: OutcomeRow[];
  /** The states each bill passed through, in order, by part index. */
  readonly traces: string[][];
  readonly error?: { readonly name: string; readonly message: string };
  /** Resolves when the bills' approval executions have ended (all approvals decided), with the final status. */
  readonly settled: Promise<'SUCCEEDED' | 'FAILED' | 'ABORTED'>;
}

/** The local stand-in for Step Functions' execution names and histories (`DynamoBillStore`). */
export interface ExecutionNames {
  claimExecutionName(name: string, at: string, input?: unknown): Promise<boolean>;
  executionRecord(name: string): Promise<{ status: 'RUNNING' | 'SUCCEEDED' | 'FAILED'; input: unknown } | null>;
  finishExecution(name: string, status: 'SUCCEEDED' | 'FAILED', outcome: unknown, at: string): Promise<void>;
  unfinishedExecutions(): Promise<{ name: string; input: unknown; at: string }[]>;
}

/** The execution failed and not even its failure could be recorded (the database went away): it is run again. */
export class ExecutionNotRecorded extends Error {
  override readonly name = 'ExecutionNotRecorded';
}

export class ExecutionAlreadyExists extends Error {
  override readonly name = 'ExecutionAlreadyExists';
}

/** What the `states:startExecution` integration throws for a name already used by a finished execution. */
class StartExecutionAlreadyExists extends Error {
  override readonly name = 'StepFunctions.ExecutionAlreadyExistsException';
}

const TASK_STATE_FUNCTION: Record<string, WorkflowFunction> = {
  ReadDocument: 'read-document',
  ExtractScannedParts: 'extract',
  DecideBill: 'decide-bill',
  RecordBillFailure: 'record-failure',
  RecordDocumentFailure: 'record-failure',
  NotifyPeople: 'approval-desk',
};

/** Definitions (as text) this process has validated already. */
const validatedDefinitions = new Set<string>();

/**
 * The interpreter for a definition, validated (paths, ARNs) the first time this process sees it:
 * validation compiles JSON schemas (about a second of CPU), the same text need not be checked twice.
 */
function validatedMachine(definition: Record<string, unknown>): StateMachine {
  const text = JSON.stringify(definition);
  const checked = validatedDefinitions.has(text);
  const machine = new StateMachine(definition as never, { validationOptions: checked ? { noValidate: true } : { checkPaths: true, checkArn: true } });
  validatedDefinitions.add(text);
  return machine;
}

/** The states that only read the document: they run before the execution's turn to decide. */
const READING_STATES = new Set(['ReadDocument', 'ExtractScannedParts']);

/**
 * An execution's two places in line: `decide` (its decisions, after every earlier execution's
 * that shares something with them: `DecisionOrder`) and `notify` (its emails and approval
 * executions, after every earlier execution's). The first is released once the execution's bills
 * are decided, so the next execution decides while this one tells people; the second once its
 * approval requests are out.
 */
interface Turns {
  readonly decide: DecisionPlace;
  readonly notify: Turn;
}
interface Turn {
  readonly ready: Promise<void>;
  release(): void;
}

/** How soon an approval execution that failed (its request not sent) runs again. */
const APPROVAL_RETRY_MS = 2000;

/** The name prefix of approval executions (`BillRef.approval_name`). */
export const APPROVAL_EXECUTION_PREFIX = 'approve-';

type Settled = 'SUCCEEDED' | 'FAILED' | 'ABORTED';
interface ApprovalRun {
  /** The approval request is out (or waits out quiet hours, or is no longer needed). */
  readonly idle: Promise<void>;
  readonly settled: Promise<Settled>;
}

export class LocalWorkflow {
  private readonly machine: StateMachine;
  private readonly approvalMachine: StateMachine;
  private readonly handlers: Record<WorkflowFunction, Handler>;
  /** DecideBill's own code: it decides ahead and records the bill in the execution's turn. */
  private readonly decideBill: ReturnType<typeof makeDecideBill>;
  /** The document store, with the parts of running executions held in memory (see parts-in-memory.ts). */
  private readonly parts: PartsInMemory;
  /** NotifyPeople's own code (whatever a test put in its place), its emails sent once `ready` resolves. */
  private readonly notifyWhen: (ready: Promise<void>) => Handler;
  /** Approval tasks waiting for their token, as Step Functions keeps them. */
  private readonly waiting = new Map<string, { resolve: (output: unknown) => void; reject: (err: Error) => void }>();
  private readonly running = new Set<{ abort: () => void }>();
  /** Approval executions running in this process, by name. */
  private readonly approvals = new Map<string, ApprovalRun>();
  private stopped = false;
  /** Executions decide, and then tell people, in the order they were started: the decisions where they share something. */
  private readonly decisions = new DecisionOrder();
  /** The last execution's turn to tell people. */
  private lastNotified: Promise<void> = Promise.resolve();
  /**
   * The rows DecideBill returned, by submission and bill, for the execution's outcome: what the
   * decision recorded, so that the bills need not be read back. After the decision only audit rows,
   * links and the task token change on a bill within its execution, none of them in the row.
   */
  private readonly decidedRows = new Map<string, Map<string, OutcomeRow>>();
  /** Executions running in this process, by name: a second start of one waits for the first. */
  private readonly inProcess = new Map<string, Promise<unknown>>();

  constructor(private readonly deps: LocalWorkflowDeps) {
    this.parts = new PartsInMemory(deps.documents);
    const arns: Record<string, string> = Object.fromEntries(
      Object.entries(WORKFLOW_FUNCTIONS).map(([k, fn]) => [k, `arn:aws:lambda:local-1:000000000000:function:bm-${fn}`]),
    );
    arns[APPROVAL_MACHINE_PLACEHOLDER] = 'arn:aws:states:local-1:000000000000:stateMachine:bm-approve-bill';
    this.machine = validatedMachine(workflowDefinition(arns));
    this.approvalMachine = validatedMachine(workflowDefinition(arns, APPROVAL_DEFINITION));
    const decideDeps = { store: deps.store, now: deps.now, documents: this.parts };
    this.notifyWhen = (ready) => makeApprovalDesk({ ...decideDeps, ...deps.approvals, mailer: sendingWhen(deps.approvals.mailer, ready) });
    this.handlers = {
      'read-document': makeReadDocument({ documents: this.parts, store: deps.store }),
      extract: makeExtract(null, { documents: this.parts }),
      'decide-bill': (this.decideBill = makeDecideBill({ ...decideDeps, onDecided: (row, submissionId) => this.decidedRows.get(submissionId)?.set(row.bill_id, row) })),
      'record-failure': makeRecordFailure(decideDeps),
      'approval-desk': makeApprovalDesk({ ...decideDeps, ...deps.approvals }),
      ...deps.override,
    };
    this.handlers['record-failure'] = notForLocalOutages(this.handlers['record-failure']);
  }

  /** SendTaskSuccess: resumes the approval task waiting on this token. False when none waits. */
  resume(taskToken: string, output: unknown): boolean {
    const r = this.waiting.get(taskToken);
    if (!r) return false;
    this.waiting.delete(taskToken);
    r.resolve(output);
    return true;
  }

  /** Stops executions still waiting for approvals (the decisions are recorded; only the wait ends). */
  abortAll(): void {
    this.stopped = true;
    for (const e of this.running) e.abort();
    this.running.clear();
    // A task left waiting holds the interpreter's task timer (the definition's TimeoutSeconds, days),
    // which would keep the process alive: it ends, in an execution already aborted (no next state runs).
    for (const w of this.waiting.values()) w.reject(new Error('the execution was stopped while waiting for an approval'));
    this.waiting.clear();
  }

  /**
   * Starts and awaits one execution for a submission. The execution name is the submission id:
   * a second start with the same name throws `ExecutionAlreadyExists`, as Step Functions does —
   * once the first has recorded its outcome. One cut short (a crash, the database gone) runs
   * again on its original input, as a redrive does; every task is idempotent, so bills already
   * decided are found, not decided twice. `after`: the execution takes its place in the order
   * of decisions now, and starts once `after` resolves (fails if it rejects).
   */
  async run(submitted: Submission, options: { readonly after?: Promise<unknown> } = {}): Promise<ExecutionResult> {
    const name = executionName(submitted.id);
    const turn = this.takeTurns();
    const earlier = this.inProcess.get(name);
    const mine = (async () => {
      try {
        // Started now (its turn taken), running once what it needs is ready (its document stored).
        await options.after;
        // The same name started again while the first runs here: the first's outcome decides (already exists, or run again).
        if (earlier) await earlier.catch(() => undefined);
        return await this.runNamed(name, submitted, turn);
      } finally {
        turn.decide.release();
        turn.notify.release();
      }
    })();
    this.inProcess.set(name, mine);
    void mine.catch(() => undefined).finally(() => this.inProcess.get(name) === mine && this.inProcess.delete(name));
    return mine;
  }

  /**
   * Several executions may run at once (`SubmissionQueue`, `bm run`): each reads its document
   * while earlier ones decide, but takes its decisions only once every execution started before
   * it has decided, and tells people (NotifyPeople, its approval executions) only once every
   * execution started before it has told them and sent its approval requests. So a later bill
   * always sees the earlier ones — its duplicate, the quantities already billed, the spend —
   * exactly as if they ran one after another, and the emails go out in the same order; only an
   * execution's telling overlaps the next one's deciding. Nothing a decision reads is written
   * after the decision: NotifyPeople and the approval desk write the bill's own task token,
   * links and audit rows, never a claim, a reservation or the spend.
   */
  private takeTurns(): Turns {
    let release!: () => void;
    const told = new Promise<void>((r) => (release = r));
    const notify = { ready: this.lastNotified, release };
    // The next execution's turn comes once this one has told people and every earlier one has:
    // an execution that ends without telling anyone (it failed) does not let a later one overtake.
    this.lastNotified = Promise.all([this.lastNotified, told]).then(() => undefined);
    return { decide: this.decisions.take(), notify };
  }

  private async runNamed(name: string, submitted: Submission, turn: Turns): Promise<ExecutionResult> {
    let submission = submitted;
    const at = () => new Date(this.deps.now()).toISOString();
    if (!(await this.deps.store.claimExecutionName(name, at(), { submission }))) {
      const earlier = await this.deps.store.executionRecord(name);
      if (!earlier || earlier.status !== 'RUNNING') throw new ExecutionAlreadyExists(`execution ${name} already exists`);
      const input = (earlier.input as { submission?: Submission } | null)?.submission;
      if (input) submission = input;
    }
    const result = await this.execute(name, submission, turn);
    // A failed execution is complete only when its failure is recorded: the document's needs_review bill.
    if (result.status === 'FAILED' && (result.error?.name !== 'DocumentFailed' || result.bills.length === 0)) {
      throw new ExecutionNotRecorded(`execution ${name} failed and its outcome is not recorded: ${result.error?.name ?? 'Error'}: ${result.error?.message ?? ''}`);
    }
    await this.deps.store.finishExecution(
      name,
      result.status === 'FAILED' ? 'FAILED' : 'SUCCEEDED',
      { bills: result.bills.map((b) => b.bill_id), ...(result.error ? { error: result.error } : {}) },
      at(),
    );
    return result;
  }

  private context(name: string, input: unknown, machine: string) {
    return {
      Execution: { Id: `arn:aws:states:local-1:000000000000:execution:${machine}:${name}`, Name: name, Input: input, StartTime: new Date(this.deps.now()).toISOString() },
      Task: { Token: `local-${name}` },
    } as never;
  }

  private collect(execution: { eventLogs: AsyncGenerator<unknown> }, machine: 'process-document' | 'approve-bill', events?: EventLog[]): Promise<void> {
    const onState = this.deps.onState;
    return (async () => {
      for await (const raw of execution.eventLogs) {
        const e = raw as EventLog;
        events?.push(e);
        if (onState && e.state && (e.type === 'StateEntered' || e.type === 'StateExited')) {
          onState({ machine, state: e.state.name, kind: e.type === 'StateEntered' ? 'input' : 'output', payload: e.type === 'StateEntered' ? e.state.input : e.state.output });
        }
      }
    })().catch(() => undefined);
  }

  private async execute(name: string, submission: Submission, turn: Turns): Promise<ExecutionResult> {
    const children: ApprovalRun[] = [];
    const decided = new Map<string, OutcomeRow>();
    // The document's bills still to be recorded (known once it is read): after the last, the next execution may decide.
    let billsToRecord: number | null = null;
    const billRecorded = (out: unknown): never => {
      if (billsToRecord !== null && --billsToRecord === 0) turn.decide.release();
      return out as never;
    };
    this.decidedRows.set(submission.id, decided);
    const taskResourceLocalHandlers: Record<string, (input: unknown) => Promise<never>> = Object.fromEntries(
      Object.entries(TASK_STATE_FUNCTION).map(([state, fn]) => [
        state,
        // NotifyPeople calls the approval-desk function itself, whatever a test put in its place.
        async (input: unknown) => {
          // Reading runs at once; deciding waits for this execution's turn to decide, telling
          // people for its turn to tell (every bill of the document is decided by then).
          if (state === 'NotifyPeople') {
            turn.decide.release();
            // Told ahead: the bills are read and the emails composed at once; each email is sent
            // in the execution's turn to tell, so that they still go out in the executions' order.
            if (!this.deps.override?.[fn]) return (await this.notifyWhen(turn.notify.ready)(input)) as never;
            await turn.notify.ready;
          } else if (state === 'DecideBill' && !this.deps.override?.[fn]) {
            // Decided ahead, on what the table holds now; recorded in turn (decided again on a conflict).
            // A document of one bill declares what its decision touches; one of several waits its plain turn.
            const turnFor = async (footprint: readonly string[] | null) => {
              const alone = footprint !== null && billsToRecord === 1;
              if (alone) turn.decide.declare(footprint);
              return turn.decide.ready(alone ? footprint : null);
            };
            return billRecorded(await this.decideBill(input, { turn: turnFor }));
          } else if (!READING_STATES.has(state)) await turn.decide.ready(null);
          const out = await this.handlers[fn](input);
          if (READING_STATES.has(state)) billsToRecord = (out as Partial<PartsRef> | null)?.parts?.length ?? null;
          return (state === 'DecideBill' || state === 'RecordBillFailure' ? billRecorded(out) : out) as never;
        },
      ]),
    );
    // The `states:startExecution` integration: the bill's own approval execution, not awaited.
    taskResourceLocalHandlers.StartApproval = (async (params: unknown) => {
      // Between the document's decisions: an approval request waits for the earlier executions' requests.
      await turn.decide.ready(null);
      await turn.notify.ready;
      const p = params as { StateMachineArn: string; Name: string; Input: { bill_id: string; notify_at: string } };
      children.push(await this.startApproval(p.Name, p.Input));
      return { ExecutionArn: `${p.StateMachineArn.replace(':stateMachine:', ':execution:')}:${p.Name}`, StartDate: new Date(this.deps.now()).toISOString() };
    }) as never;
    // Retries wait milliseconds, not seconds, on a laptop; the policy (which errors, how often) is the definition's.
    const retryIntervalOverrides = Object.fromEntries([...Object.keys(TASK_STATE_FUNCTION), 'StartApproval'].map((s) => [s, 10]));
    const execution = this.machine.run({ submission } as never, {
      overrides: { taskResourceLocalHandlers, retryIntervalOverrides },
      noThrowOnAbort: true,
      context: this.context(name, { submission }, 'bm-process-document'),
    });
    this.running.add(execution);
    const events: EventLog[] = [];
    const collecting = this.collect(execution, 'process-document', events);
    let error: ExecutionResult['error'];
    const status = await execution.result.then(
      (out) => (out === null ? 'ABORTED' : 'SUCCEEDED') as 'SUCCEEDED' | 'ABORTED',
      (err: Error) => {
        error = { name: err.name, message: err.message };
        return 'FAILED' as const;
      },
    );
    this.running.delete(execution);
    await collecting;
    // Its parts are read by no one else: a later run of the same document reads it again.
    this.parts.release(partsRoot(submission));
    turn.decide.release();
    // Each approval execution has sent its request (or waits out quiet hours) before this returns,
    // and before the next execution tells anyone.
    await Promise.all(children.map((c) => c.idle));
    turn.notify.release();
    if (this.decidedRows.get(submission.id) === decided) this.decidedRows.delete(submission.id);
    const bills = await this.billsOf(submission, events, decided);
    const settled: Promise<Settled> = Promise.all(children.map((c) => c.settled)).then((all) =>
      status === 'ABORTED' || all.includes('ABORTED') ? 'ABORTED' : status === 'FAILED' || all.includes('FAILED') ? 'FAILED' : 'SUCCEEDED',
    );
    const pending = await Promise.race([settled.then(() => false), new Promise<boolean>((r) => setImmediate(() => r(true)))]);
    return {
      name,
      status: status === 'SUCCEEDED' ? (pending ? 'WAITING' : 'SUCCEEDED') : 'FAILED',
      bills,
      get traces() {
        return traces(events);
      },
      ...(error ? { error } : {}),
      settled,
    };
  }

  /**
   * The bills the execution recorded, by part: their ids follow from the submission. The rows
   * DecideBill returned in this execution are used as they are; any other (a failure recorded, a
   * bill decided by an earlier run) is read back from the table, all in one request.
   */
  private async billsOf(submission: Submission, events: readonly EventLog[], decided: ReadonlyMap<string, OutcomeRow>): Promise<OutcomeRow[]> {
    const read = [...events].reverse().find((e) => e.type === 'StateExited' && (e.state?.name === 'ReadDocument' || e.state?.name === 'ExtractScannedParts'));
    const parts = ((read?.state?.output as { read?: { parts?: number[] } } | undefined)?.read?.parts ?? [0]).slice();
    const ids = submission.review ? [submission.review.bill_id] : parts.map((n) => billIdFor(submission, n));
    const rows = await Promise.all(ids.map(async (id) => decided.get(id) ?? (await this.deps.store.getBill(id).then((b) => (b ? outcomeRow(b) : null)))));
    return rows.filter((r): r is OutcomeRow => r !== null);
  }

  /** StartExecution of a bill's approval: idempotent by name, as Step Functions is. */
  private async startApproval(name: string, input: { bill_id: string; notify_at: string }): Promise<ApprovalRun> {
    const running = this.approvals.get(name);
    if (running) return running;
    if (!(await this.deps.store.claimExecutionName(name, new Date(this.deps.now()).toISOString(), input))) {
      const earlier = await this.deps.store.executionRecord(name);
      if (!earlier || earlier.status !== 'RUNNING') throw new StartExecutionAlreadyExists(`execution ${name} already exists`);
    }
    return this.runApproval(name, input);
  }

  /**
   * Approval executions whose request never went out (the stack stopped during quiet hours, a
   * crash): run again, as their stored timers say. Returns how many.
   */
  async resumeApprovals(): Promise<number> {
    let n = 0;
    for (const e of await this.deps.store.unfinishedExecutions()) {
      if (!e.name.startsWith(APPROVAL_EXECUTION_PREFIX) || this.approvals.has(e.name)) continue;
      const input = e.input as { bill_id?: string; notify_at?: string } | null;
      if (!input?.bill_id || !input.notify_at) continue;
      void this.runApproval(e.name, { bill_id: input.bill_id, notify_at: input.notify_at });
      n++;
    }
    return n;
  }

  private runApproval(name: string, input: { bill_id: string; notify_at: string }): ApprovalRun {
    let idle!: () => void;
    const idleP = new Promise<void>((r) => (idle = r));
    const desk = this.handlers['approval-desk'];
    const finish = (outcome: unknown) => this.deps.store.finishExecution(name, 'SUCCEEDED', outcome, new Date(this.deps.now()).toISOString());
    // The `.waitForTaskToken` integration: the task returns when `resume(token)` is called.
    const RequestApproval = async (params: unknown) => {
      const { bill_id, task_token } = (params as { Payload: { bill_id: string; task_token: string } }).Payload;
      const token = `${task_token}:${bill_id}`;
      const result = (await desk({ bill_id, task_token: token })) as { requested: boolean };
      // The request is out (or no longer needed): locally, that is the outcome that completes this execution;
      // the approver's decision is recorded on the bill by the ack page, whether or not this process still waits.
      await finish({ requested: result.requested });
      if (!result.requested) {
        idle();
        return { bill_id, state: 'decided' };
      }
      return await new Promise((resolve, reject) => {
        this.waiting.set(token, { resolve, reject });
        idle();
      });
    };
    const waitTimeOverrides: Record<string, number> = this.deps.honourWaits ? {} : { WaitForQuietHours: 0 };
    const execution = this.approvalMachine.run(input as never, {
      overrides: { taskResourceLocalHandlers: { RequestApproval: RequestApproval as never }, retryIntervalOverrides: { RequestApproval: 10 }, waitTimeOverrides },
      noThrowOnAbort: true,
      context: this.context(name, input, 'bm-approve-bill'),
    });
    this.running.add(execution);
    void this.collect(execution, 'approve-bill');
    // Waiting out quiet hours for real is idle too: the bill is decided, its email comes later (a stored timer).
    if (this.deps.honourWaits && Date.parse(input.notify_at) > Date.now()) idle();
    const settled: Promise<Settled> = execution.result.then(
      (out) => (out === null ? 'ABORTED' : 'SUCCEEDED'),
      () => 'FAILED' as const,
    );
    void settled.then((status) => {
      idle();
      this.running.delete(execution);
      this.approvals.delete(name);
      // The request could not be sent (the disk full, the database away): its stored input stays
      // RUNNING, and it is run again shortly, as `bm redrive --stack` redrives it in AWS.
      if (status === 'FAILED' && !this.stopped) setTimeout(() => !this.stopped && !this.approvals.has(name) && this.runApproval(name, input), APPROVAL_RETRY_MS).unref();
    });
    const run = { idle: idleP, settled };
    this.approvals.set(name, run);
    return run;
  }
}

/**
 * A task that failed because the laptop itself did (the disk full, DynamoDB Local away) is not
 * the document's failure: nothing is recorded, the execution fails unrecorded, and the journal
 * runs the document again once the outage is over. Any other failure is recorded with its reason.
 */
const LOCAL_OUTAGE = /\b(ENOSPC|EDQUOT|EROFS|ECONNREFUSED|ECONNRESET|EPIPE)\b/;
function notForLocalOutages(record: Handler): Handler {
  return async (input: unknown) => {
    const e = (input as { error?: { Error?: string; Cause?: string } }).error;
    if (e && LOCAL_OUTAGE.test(`${e.Error ?? ''} ${e.Cause ?? ''}`)) throw new Error(`a local outage, not the document's failure: ${e.Error ?? ''}: ${String(e.Cause ?? '').slice(0, 200)}`);
    return record(input);
  };
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
