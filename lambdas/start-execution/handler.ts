/**
 * The starter between the submissions queue and the workflow: one Step Functions execution per
 * submission, named after the submission id. A redelivered message finds its execution there
 * (`ExecutionAlreadyExists`) and counts as done, so a document runs once. Failed messages are
 * reported one by one (ReportBatchItemFailures): they come back, and after five receives go to
 * the dead-letter queue.
 */
import { StartExecutionCommand } from '@aws-sdk/client-sfn';
import { executionName, queueMessageSchema, sqsEventSchema } from '../shared/intake.ts';
import { startDeps } from '../adapters/aws/start-deps.ts';
import { lambdaEntry } from '../shared/powertools.ts';

export interface StartDeps {
  /** The SFN client as far as the starter uses it (tests pass a fake). */
  readonly sfn: { send(command: StartExecutionCommand): Promise<unknown> };
  readonly stateMachineArn: string;
  /** Told about each message that failed, by id and error name (never its body). */
  readonly onFailure?: (messageId: string, error: Error) => void;
}

export interface BatchResponse {
  batchItemFailures: { itemIdentifier: string }[];
}

export function makeHandler(deps: StartDeps) {
  return async (event: unknown): Promise<BatchResponse> => {
    const { Records } = sqsEventSchema.parse(event);
    const batchItemFailures: { itemIdentifier: string }[] = [];
    for (const record of Records) {
      try {
        const { submission } = queueMessageSchema.parse(JSON.parse(record.body));
        await start(deps, executionName(submission.id), JSON.stringify({ submission }));
      } catch (err) {
        // The message comes back (and after maxReceiveCount lands in the DLQ, where the alarm sees it).
        deps.onFailure?.(record.messageId, err instanceof Error ? err : new Error(String(err)));
        batchItemFailures.push({ itemIdentifier: record.messageId });
      }
    }
    return { batchItemFailures };
  };
}

async function start(deps: StartDeps, name: string, input: string): Promise<void> {
  try {
    await deps.sfn.send(new StartExecutionCommand({ stateMachineArn: deps.stateMachineArn, name, input }));
  } catch (err) {
    // Started before (this is a redelivery): the execution runs, or ran, once.
    if ((err as Error).name === 'ExecutionAlreadyExists') return;
    throw err;
  }
}

let real: ReturnType<typeof makeHandler> | undefined;
export const handler = lambdaEntry('start-execution', (event: unknown) => (real ??= makeHandler(startDeps()))(event), {
  resultKeys: (r) => ({ failed: r.batchItemFailures.length }),
});
