/**
 * A deployed stack's outputs (`CfnOutput`s of lib/stacks.ts: TableName, DocumentsBucketName, …),
 * which is how the command line finds the resources of `bm import --stack NAME`.
 */
import { CloudFormationClient, DescribeStacksCommand } from '@aws-sdk/client-cloudformation';

export class StackNotFoundError extends Error {
  override readonly name = 'StackNotFoundError';
}

export async function stackOutputs(stackName: string, client: Pick<CloudFormationClient, 'send'>): Promise<Record<string, string>> {
  let stacks;
  try {
    ({ Stacks: stacks } = await client.send(new DescribeStacksCommand({ StackName: stackName })));
  } catch (err) {
    if ((err as Error).name === 'ValidationError') throw new StackNotFoundError(`there is no stack ${stackName} in this account and region (${(err as Error).message})`);
    throw err;
  }
  const stack = stacks?.[0];
  if (!stack) throw new StackNotFoundError(`there is no stack ${stackName} in this account and region`);
  return Object.fromEntries((stack.Outputs ?? []).flatMap((o) => (o.OutputKey && o.OutputValue ? [[o.OutputKey, o.OutputValue]] : [])));
}
