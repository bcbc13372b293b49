/**
 * The laptop's stand-in for the SQS queue in front of the workflow: submissions start in the
 * order they arrived, a few at a time (`concurrency`): while one decides, the next ones read
 * their documents. The workflow takes their decisions in the order they started, so a later bill
 * always sees the earlier ones (its duplicate, the quantities already billed), as if they ran one
 * at a time; their outcomes are reported in that order too. A document delivered twice runs once:
 * the workflow refuses a second execution with the same name.
 */
import type { Submission } from '../../core/submission.ts';
import { ExecutionAlreadyExists, type ExecutionResult } from './local-workflow.ts';

export type QueueOutcome =
  | { readonly kind: 'processed'; readonly submission: Submission; readonly execution: ExecutionResult }
  /** The same submission id ran before: nothing was started. */
  | { readonly kind: 'already_processed'; readonly submission: Submission }
  /** The run itself broke (the database went away): nothing is recorded for this submission. */
  | { readonly kind: 'error'; readonly submission: Submission; readonly error: Error };

export interface QueueRunner {
  run(submission: Submission): Promise<ExecutionResult>;
}

/** How many submissions run at once by default: enough to keep DynamoDB Local and Node busy together on two cores. */
export const QUEUE_CONCURRENCY = 4;

export class SubmissionQueue {
  private tail: Promise<unknown> = Promise.resolve();
  private pending = 0;
  private closed = false;
  private running = 0;
  private readonly waiting: (() => void)[] = [];

  constructor(
    private readonly workflow: QueueRunner,
    private readonly onOutcome: (o: QueueOutcome) => void = () => undefined,
    private readonly concurrency: number = QUEUE_CONCURRENCY,
  ) {}

  /** Submissions waiting or running. */
  get size(): number {
    return this.pending;
  }

  /** Queues one submission; resolves with its outcome once it has run. Never rejects. */
  submit(submission: Submission): Promise<QueueOutcome> {
    if (this.closed) return Promise.resolve({ kind: 'error', submission, error: new Error('the local stack is stopping') });
    this.pending++;
    // Started in arrival order (a FIFO of free slots), reported in arrival order.
    const outcome = this.slot().then(() => this.process(submission).finally(() => this.free()));
    const job = this.tail.then(() => outcome).then((o) => {
      try {
        this.onOutcome(o);
      } catch {
        // A listener's failure is not the submission's.
      }
      return o;
    });
    this.tail = job.finally(() => this.pending--);
    return job;
  }

  private slot(): Promise<void> {
    if (this.running < this.concurrency) {
      this.running++;
      return Promise.resolve();
    }
    return new Promise((r) => this.waiting.push(r));
  }

  private free(): void {
    const next = this.waiting.shift();
    if (next) next();
    else this.running--;
  }

  /** Resolves when every submission queued so far (and any queued meanwhile) has run. */
  async idle(): Promise<void> {
    while (this.pending > 0) await this.tail;
  }

  /** Refuses new submissions and waits for the queued ones. */
  async close(): Promise<void> {
    this.closed = true;
    await this.idle();
  }

  private async process(submission: Submission): Promise<QueueOutcome> {
    let outcome: QueueOutcome;
    try {
      outcome = { kind: 'processed', submission, execution: await this.workflow.run(submission) };
    } catch (err) {
      outcome =
        err instanceof ExecutionAlreadyExists
          ? { kind: 'already_processed', submission }
          : { kind: 'error', submission, error: err instanceof Error ? err : new Error(String(err)) };
    }
    return outcome;
  }
}
