/**
 * The commands that work on a deployed stack, whose table is found by the stack's `TableName`
 * output; AWS credentials and region come from the usual places (the environment, `~/.aws`,
 * `--region`):
 * - `bm import DIR --stack NAME`: the same import as the local one; the folder is checked whole
 *   first, and a bad row refuses it before AWS is asked anything;
 * - `bm audit BILL_ID --stack NAME`: a bill's audit trail (the bill item itself is compressed).
 */
import { CloudFormationClient } from '@aws-sdk/client-cloudformation';
import { DynamoDBClient } from '@aws-sdk/client-dynamodb';
import { DynamoBillStore } from '../adapters/aws/dynamo-store.ts';
import { stackOutputs, StackNotFoundError } from '../adapters/aws/stack-outputs.ts';
import { loadMasterFolder } from '../adapters/local/master-folder.ts';
import type { AuditRecord } from '../core/ports/store.ts';
import type { CliIo } from './local.ts';

/** The clients the command uses; tests give their own (DynamoDB Local, recorded outputs). */
export interface CloudClients {
  readonly cloudFormation: Pick<CloudFormationClient, 'send'>;
  readonly dynamodb: DynamoDBClient;
}

export function awsClients(region: string | undefined): CloudClients {
  const options = region ? { region } : {};
  return { cloudFormation: new CloudFormationClient(options), dynamodb: new DynamoDBClient(options) };
}

/** The store of a deployed stack, or null (said on stderr) when the stack or its table is not found. */
async function stackStore(stackName: string, io: CliIo, clients: CloudClients): Promise<{ store: DynamoBillStore; tableName: string } | null> {
  let tableName: string | undefined;
  try {
    tableName = (await stackOutputs(stackName, clients.cloudFormation)).TableName;
  } catch (err) {
    if (!(err instanceof StackNotFoundError)) throw err;
    io.stderr(`bm: ${err.message}\n`);
    return null;
  }
  if (!tableName) {
    io.stderr(`bm: stack ${stackName} has no TableName output: is it the bill matcher's main stack (not ${stackName}-InboundMail)?\n`);
    return null;
  }
  return { store: new DynamoBillStore({ tableName, client: clients.dynamodb }), tableName };
}

export async function importIntoStack(dir: string, stackName: string, io: CliIo, clients: CloudClients): Promise<number> {
  // All or nothing: a bad row refuses the whole folder before AWS is asked anything.
  const master = await loadMasterFolder(dir);
  const found = await stackStore(stackName, io, clients);
  if (!found) return 1;
  await found.store.importMaster(master);
  const poLines = master.purchaseOrders.reduce((n, po) => n + po.lines.length, 0);
  io.stdout(
    `imported ${dir}: ${master.vendors.length} vendors, ${master.purchaseOrders.length} purchase orders (${poLines} lines), ${master.goodsReceipts.length} goods receipts and the policy, into table ${found.tableName} of stack ${stackName}\n`,
  );
  return 0;
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
