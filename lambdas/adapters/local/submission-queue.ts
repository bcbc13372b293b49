/**
 * The laptop's stand-in for the SQS queue in front of the workflow: submissions run one at a
 * time, in the order they arrived, so that a later bill always sees the earlier ones (its
 * duplicate, the quantities already billed). A document delivered twice runs once: the
 * workflow refuses a second execution with the same name.
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

export class SubmissionQueue {
  private tail: Promise<unknown> = Promise.resolve();
  private pending = 0;
  private closed = false;

  constructor(
    private readonly workflow: QueueRunner,
    private readonly onOutcome: (o: QueueOutcome) => void = () => undefined,
  ) {}

  /** Submissions waiting or running. */
  get size(): number {
    return this.pending;
  }

  /** Queues one submission; resolves with its outcome once it has run. Never rejects. */
  submit(submission: Submission): Promise<QueueOutcome> {
    if (this.closed) return Promise.resolve({ kind: 'error', submission, error: new Error('the local stack is stopping') });
    this.pending++;
    const job = this.tail.then(() => this.process(submission));
    this.tail = job.finally(() => this.pending--);
    return job;
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
    try {
      this.onOutcome(outcome);
    } catch {
      // A listener's failure is not the submission's.
    }
    return outcome;
  }
}
