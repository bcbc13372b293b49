/**
 * cdk-nag (AwsSolutions) acknowledgements: every finding the product keeps is acknowledged here
 * or next to the resource, on the narrowest construct, with the reason it is acceptable.
 * cdk-nag 3 matches each finding by its own id (`AwsSolutions-IAM5[Resource::…]`); the helpers
 * build those ids from the resources' logical ids so that they follow renames.
 */
import { Stack, Validations, type CfnElement } from 'aws-cdk-lib';
import type { IConstruct } from 'constructs';

/** Acknowledges one cdk-nag finding on a construct (and its children). */
export function acknowledge(scope: IConstruct, id: string, reason: string): void {
  Validations.of(scope).acknowledge({ id, reason });
}

/** `<LogicalId.Arn>` as cdk-nag writes a resource's ARN in a finding id. */
export function arnRef(resource: IConstruct): string {
  const cfn = (resource.node.defaultChild ?? resource) as CfnElement;
  return `<${Stack.of(resource).resolve(Stack.of(resource).getLogicalId(cfn)) as string}.Arn>`;
}

/** The IAM5 finding id of a wildcard action or resource. */
export const iam5 = {
  action: (action: string) => `AwsSolutions-IAM5[Action::${action}]`,
  resource: (resource: string) => `AwsSolutions-IAM5[Resource::${resource}]`,
};

/** Reasons shared by several acknowledgements. */
export const REASONS = {
  xray: 'X-Ray PutTraceSegments and PutTelemetryRecords (active tracing) have no resource-level permissions; CDK grants them on *.',
  nodeRuntime:
    'Node.js 22 is the runtime the project targets and tests (package.json engines >= 22, esbuild target node22); moving to a newer runtime is a deliberate, tested change, not an automatic one.',
  tableIndexes:
    'CDK table grants include the table\'s indexes (<table>/index/*): the functions query gsi1 (bills by state, a vendor\'s open POs), gsi2 (a month\'s bills and audit rows, for the summary) and gsi3 (the worklist, its search items and the master data lists).',
  s3ReadGrant:
    'CDK\'s bucket read grant (s3:GetObject*, s3:GetBucket*, s3:List*) on one bucket or prefix: reads of object versions and metadata of that bucket only.',
  s3PutGrant: 'CDK\'s bucket put grant (s3:PutObject*, s3:Abort*) limited to one key prefix of one bucket.',
  objectsOfPrefix: 'Object-level permissions apply to every object under one key prefix of one bucket (object keys are not known in advance).',
} as const;
