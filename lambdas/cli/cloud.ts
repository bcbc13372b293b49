/**
 * The commands that work on a deployed stack, whose table is found by the stack's `TableName`
 * output; AWS credentials and region come from the usual places (the environment, `~/.aws`,
 * `--region`):
 * - `bm import DIR --stack NAME`: the same import as the local one; the folder is checked whole
 *   first, and a bad row refuses it before AWS is asked anything;
 * - `bm audit BILL_ID --stack NAME`: a bill's audit trail (the bill item itself is compressed);
 * - `bm summary --stack NAME [--month YYYY-MM]`: the month's summary figures, read by queries on
 *   the month index (`lambdas/cli/summary.ts`);
 * - `bm review BILL_ID --stack NAME --file F --reviewer E`: a clerk's correction of a bill in
 *   `needs_review` (`lambdas/core/review.ts`): checked here, then stored in the documents bucket
 *   and decided again by a new execution of the workflow.
 */
import { readFile } from 'node:fs/promises';
import { CloudFormationClient } from '@aws-sdk/client-cloudformation';
import { DynamoDBClient } from '@aws-sdk/client-dynamodb';
import { S3Client } from '@aws-sdk/client-s3';
import { SendTaskSuccessCommand, SFNClient, StartExecutionCommand, TaskDoesNotExist, TaskTimedOut } from '@aws-sdk/client-sfn';
import { rematchBills, type RematchResult } from '../core/rematch.ts';
import { formatRematch } from './rematch-format.ts';
import { S3DocumentStore } from '../adapters/aws/s3-documents.ts';
import { parseJsonExact } from '../core/bill.ts';
import { ReviewConflictError, ReviewRefusedError, submitReview } from '../core/review.ts';
import { executionName } from '../shared/intake.ts';
import { DynamoBillStore } from '../adapters/aws/dynamo-store.ts';
import { stackOutputs, StackNotFoundError } from '../adapters/aws/stack-outputs.ts';
import type { AuditRecord } from '../core/ports/store.ts';
import type { CliIo } from './local.ts';
import { importWithProgress, loadMasterWithProgress } from './progress.ts';
import { fileProblem } from './args.ts';
import { placeOf, problemInWords } from '../core/issues.ts';

/** The clients the command uses; tests give their own (DynamoDB Local, recorded outputs). */
export interface CloudClients {
  readonly cloudFormation: Pick<CloudFormationClient, 'send'>;
  readonly dynamodb: DynamoDBClient;
  readonly s3?: S3Client;
  readonly sfn?: Pick<SFNClient, 'send'>;
}

export function awsClients(region: string | undefined): CloudClients {
  const options = region ? { region } : {};
  return { cloudFormation: new CloudFormationClient(options), dynamodb: new DynamoDBClient(options), s3: new S3Client(options), sfn: new SFNClient(options) };
}

/**
 * The outputs of a deployed stack that a command needs, or null (said on stderr) when the stack
 * is not found or lacks one of them.
 */
async function stackResources<K extends string>(stackName: string, needed: readonly K[], io: CliIo, clients: CloudClients): Promise<Record<K, string> | null> {
  let outputs: Record<string, string>;
  try {
    outputs = await stackOutputs(stackName, clients.cloudFormation);
  } catch (err) {
    if (!(err instanceof StackNotFoundError)) throw err;
    io.stderr(`bm: ${err.message}\n`);
    return null;
  }
  const missing = needed.filter((k) => !outputs[k]);
  if (missing.length > 0) {
    io.stderr(`bm: stack ${stackName} has no ${missing.join(', ')} output: is it the bill matcher's main stack (not ${stackName}-InboundMail)?\n`);
    return null;
  }
  return outputs as Record<K, string>;
}

/** The store of a deployed stack, or null (said on stderr) when the stack or its table is not found. */
export async function stackTableStore(stackName: string, io: CliIo, clients: CloudClients): Promise<{ store: DynamoBillStore; tableName: string } | null> {
  return stackStore(stackName, io, clients);
}

async function stackStore(stackName: string, io: CliIo, clients: CloudClients): Promise<{ store: DynamoBillStore; tableName: string } | null> {
  const found = await stackResources(stackName, ['TableName'], io, clients);
  if (!found) return null;
  return { store: new DynamoBillStore({ tableName: found.TableName, client: clients.dynamodb }), tableName: found.TableName };
}

export async function importIntoStack(dir: string, stackName: string, io: CliIo, clients: CloudClients): Promise<number> {
  // All or nothing: a bad row refuses the whole folder before AWS is asked anything.
  const master = await loadMasterWithProgress(dir, io, 'bm import');
  const found = await stackStore(stackName, io, clients);
  if (!found) return 1;
  await importWithProgress(found.store, master, io, 'bm import');
  const poLines = master.purchaseOrders.reduce((n, po) => n + po.lines.length, 0);
  io.stdout(
    `imported ${dir}: ${master.vendors.length} vendors, ${master.purchaseOrders.length} purchase orders (${poLines} lines), ${master.goodsReceipts.length} goods receipts and the policy, into table ${found.tableName} of stack ${stackName}\n`,
  );
  io.stdout(formatRematch(await rematchInStore(found.store, `bm import ${dir}`, clients)));
  return 0;
}

/** `bm rematch --stack NAME`: the re-match pass on a deployed stack's table. */
export async function rematchInStack(stackName: string, io: CliIo, clients: CloudClients): Promise<number> {
  const found = await stackStore(stackName, io, clients);
  if (!found) return 1;
  io.stdout(formatRematch(await rematchInStore(found.store, 'bm rematch', clients)));
  return 0;
}

/**
 * Re-match from the operator's machine: a bill that left the approval states resumes its waiting
 * execution (SendTaskSuccess); one still pending is emailed to its approvers by the next daily
 * sweep (their old links say the bill changed).
 */
async function rematchInStore(store: DynamoBillStore, reason: string, clients: CloudClients): Promise<RematchResult> {
  return rematchBills(reason, {
    store,
    now: Date.now,
    async afterRedecide(before, after) {
      if (!before.task_token || ['awaiting_approval', 'flagged', 'blocked'].includes(after.state)) return;
      try {
        await (clients.sfn ?? new SFNClient({})).send(new SendTaskSuccessCommand({ taskToken: before.task_token, output: JSON.stringify({ bill_id: after.bill_id, state: after.state }) }));
      } catch (err) {
        if (!(err instanceof TaskDoesNotExist || err instanceof TaskTimedOut)) throw err;
      }
    },
  });
}

/** A bill's audit trail from a deployed stack, or null (said on stderr) when there is no such bill. */
export async function auditInStack(billId: string, stackName: string, io: CliIo, clients: CloudClients): Promise<AuditRecord[] | null> {
  const found = await stackStore(stackName, io, clients);
  if (!found) return null;
  if (!(await found.store.getBill(billId))) {
    io.stderr(`bm: there is no bill ${billId} in stack ${stackName}\n`);
    return null;
  }
  return found.store.audit(billId);
}

export interface ReviewArgs {
  readonly billId: string;
  readonly file: string;
  readonly reviewer: string;
  readonly note: string | null;
}

/** Submits a correction of a `needs_review` bill to a deployed stack: exit 0 once the workflow runs it. */
export async function reviewInStack(args: ReviewArgs, stackName: string, io: CliIo, clients: CloudClients, now: () => number = Date.now): Promise<number> {
  let corrected: unknown;
  let text: string;
  try {
    text = await readFile(args.file, 'utf8');
  } catch (err) {
    io.stderr(`bm: ${fileProblem(args.file, err)}\n`);
    return 1;
  }
  try {
    corrected = parseJsonExact(text);
  } catch (err) {
    io.stderr(`bm: ${args.file}: not a bill JSON file (${(err as Error).message})\n`);
    return 1;
  }
  const found = await stackResources(stackName, ['TableName', 'DocumentsBucketName', 'StateMachineArn'], io, clients);
  if (!found) return 1;
  const { TableName: table, DocumentsBucketName: bucket, StateMachineArn: stateMachineArn } = found;
  const store = new DynamoBillStore({ tableName: table, client: clients.dynamodb });
  let execution = '';
  try {
    await submitReview(
      // The bill as it is now: the file was made from it moments ago (`bm show`).
      { billId: args.billId, corrected, reviewer: args.reviewer, note: args.note },
      {
        store,
        documents: new S3DocumentStore(bucket, clients.s3 ?? new S3Client({})),
        now,
        async start(submission) {
          execution = executionName(submission.id);
          await (clients.sfn ?? new SFNClient({})).send(new StartExecutionCommand({ stateMachineArn, name: execution, input: JSON.stringify({ submission }) }));
        },
      },
    );
  } catch (err) {
    if (err instanceof ReviewRefusedError) {
      io.stderr(`bm: not submitted: ${err.message}${reviewProblems(args.file, err.problems).map((p) => `\n  ${p}`).join('')}\n`);
      return 1;
    }
    if (err instanceof ReviewConflictError) {
      io.stderr(`bm: not submitted: ${err.message}\n`);
      return 1;
    }
    throw err;
  }
  io.stdout(`review of ${args.billId} submitted: execution ${execution} decides it again; see bm audit ${args.billId} --stack ${stackName}\n`);
  return 0;
}

/**
 * A refused correction's problems, each naming the file and the field in words:
 * `bill.json: line 1: line_id is missing`, `bill.json: total: TOTALS_INCONSISTENT: …`.
 */
export function reviewProblems(file: string, problems: readonly { readonly field: string; readonly message: string }[]): string[] {
  return problems.map((p) => {
    if (p.field === 'reviewer') return `--reviewer ${p.message}`;
    // Shape problems are words already ("is missing"); the checks' own messages carry their code.
    if (/^[A-Z_]+: /.test(p.message)) return `${file}: ${placeOf(p.field)}: ${p.message}`;
    return `${file}: ${problemInWords(p.field, p.message)}`;
  });
}

/** Prints a bill of a deployed stack as read (its canonical JSON, to correct for `bm review`). */
export async function showInStack(billId: string, stackName: string, io: CliIo, clients: CloudClients): Promise<number> {
  const found = await stackStore(stackName, io, clients);
  if (!found) return 1;
  const bill = await found.store.getBill(billId);
  if (!bill) {
    io.stderr(`bm: there is no bill ${billId} in stack ${stackName}\n`);
    return 1;
  }
  io.stdout(JSON.stringify(bill.canonical ?? {}, null, 2) + '\n');
  io.stderr(`bm: ${billId} is ${bill.state} (version ${bill.version})${bill.exceptions.length ? `: ${bill.exceptions.map((e) => e.message).join('; ')}` : ''}\n`);
  return 0;
}
