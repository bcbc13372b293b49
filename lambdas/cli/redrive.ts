/**
 * `bm redrive`: runs again what a crash or an outage cut short.
 *
 * - Locally (`--home`): every document execution claimed and never finished is written back to
 *   the running stack's journal with its original input (the stack runs it within seconds, or at
 *   its next start), and the stack is asked to resume approval executions whose request never
 *   went out. Documents whose execution failed have their failure recorded (a `needs_review`
 *   bill with the reason) and are listed.
 * - In AWS (`--stack NAME`): every FAILED, TIMED_OUT or ABORTED execution of the document and
 *   approval workflows is redriven (Step Functions `RedriveExecution`: from the state that
 *   failed, with its input; possible for 14 days after it ended).
 */
import { join, resolve } from 'node:path';
import { ListExecutionsCommand, RedriveExecutionCommand, SFNClient, type ExecutionStatus } from '@aws-sdk/client-sfn';
import { CloudFormationClient } from '@aws-sdk/client-cloudformation';
import { submissionSchema } from '../core/submission-schema.ts';
import { durableWrite } from '../adapters/local/durable-file.ts';
import { Journal } from '../adapters/local/journal.ts';
import { openLocalStore } from '../adapters/local/local-stack.ts';
import { readStackFile, REDRIVE_REQUEST } from '../adapters/local/stack.ts';
import { stackOutputs } from '../adapters/aws/stack-outputs.ts';
import { APPROVAL_EXECUTION_PREFIX } from '../adapters/local/local-workflow.ts';
import { CliUsageError, DEFAULT_HOME, parseCli, type CliIo } from './local.ts';

export async function redriveCommand(args: string[], io: CliIo, clients?: { sfn: Pick<SFNClient, 'send'>; cloudFormation: Pick<CloudFormationClient, 'send'> }): Promise<number> {
  const { values, positionals } = parseCli(args, { home: { type: 'string' }, stack: { type: 'string' }, region: { type: 'string' } });
  if (positionals.length > 0) throw new CliUsageError(`redrive takes no argument (got ${positionals[0]})`);
  if (values.stack !== undefined) {
    const region = values.region as string | undefined;
    const c = clients ?? { sfn: new SFNClient(region ? { region } : {}), cloudFormation: new CloudFormationClient(region ? { region } : {}) };
    return redriveStack(values.stack as string, io, c);
  }
  if (values.region !== undefined) throw new CliUsageError('--region goes with --stack (a deployed stack)');
  const home = resolve((values.home as string | undefined) ?? DEFAULT_HOME);
  const stack = await readStackFile(home);
  if (!stack) {
    io.stderr(`bm: no local stack is running in ${home}: start it (\`bm start\`) — it runs again, at start, everything a stop cut short — then redrive\n`);
    return 1;
  }
  const { store, client } = await openLocalStore(stack.dynamodb.endpoint, stack.dynamodb.table);
  try {
    const unfinished = await store.unfinishedExecutions();
    const journal = new Journal(join(home, 'journal'));
    await journal.open();
    let documents = 0;
    let approvals = 0;
    for (const e of unfinished) {
      if (e.name.startsWith(APPROVAL_EXECUTION_PREFIX)) {
        approvals++;
        continue;
      }
      const parsed = submissionSchema.safeParse((e.input as { submission?: unknown } | null)?.submission);
      if (!parsed.success) {
        io.stderr(`bm: execution ${e.name} has no input to run again; skipped\n`);
        continue;
      }
      await journal.append(parsed.data, 'api', Date.now());
      io.stdout(`redriving ${e.name} (${parsed.data.name}), claimed ${e.at} and never finished\n`);
      documents++;
    }
    if (approvals > 0) await durableWrite(join(home, REDRIVE_REQUEST), new Date().toISOString() + '\n');
    io.stdout(`${documents} document execution${documents === 1 ? '' : 's'} and ${approvals} approval execution${approvals === 1 ? '' : 's'} redriven on ${stack.web_url}/\n`);
    return 0;
  } finally {
    client.destroy();
  }
}

const REDRIVABLE: ExecutionStatus[] = ['FAILED', 'TIMED_OUT', 'ABORTED'];

async function redriveStack(stackName: string, io: CliIo, clients: { sfn: Pick<SFNClient, 'send'>; cloudFormation: Pick<CloudFormationClient, 'send'> }): Promise<number> {
  const outputs = await stackOutputs(stackName, clients.cloudFormation);
  const machines = [outputs.StateMachineArn, outputs.ApprovalStateMachineArn].filter((a): a is string => Boolean(a));
  if (machines.length === 0) {
    io.stderr(`bm: stack ${stackName} has no StateMachineArn output\n`);
    return 1;
  }
  let redriven = 0;
  let refused = 0;
  for (const stateMachineArn of machines) {
    for (const statusFilter of REDRIVABLE) {
      let nextToken: string | undefined;
      do {
        const page = (await clients.sfn.send(new ListExecutionsCommand({ stateMachineArn, statusFilter, nextToken, maxResults: 100 }))) as {
          executions?: { executionArn?: string; name?: string }[];
          nextToken?: string;
        };
        for (const e of page.executions ?? []) {
          try {
            await clients.sfn.send(new RedriveExecutionCommand({ executionArn: e.executionArn!, clientToken: `bm-redrive-${e.name}`.slice(0, 64) }));
            io.stdout(`redriven ${e.name} (${statusFilter})\n`);
            redriven++;
          } catch (err) {
            io.stderr(`bm: ${e.name} cannot be redriven: ${(err as Error).name}: ${(err as Error).message}\n`);
            refused++;
          }
        }
        nextToken = page.nextToken;
      } while (nextToken);
    }
  }
  io.stdout(`${redriven} execution${redriven === 1 ? '' : 's'} redriven${refused ? `, ${refused} could not be` : ''} in ${stackName}\n`);
  return refused > 0 ? 1 : 0;
}
