/**
 * Least privilege on the bills table: each function gets the DynamoDB actions it uses, on the
 * partition keys it touches (`dynamodb:LeadingKeys`), and nothing else — no Scan, no Delete, no
 * BatchWrite anywhere (the store never needs them: bills, claims and spend change by conditional
 * Put in a transaction; the master import runs from `bm import` with the operator's own rights).
 *
 * The key design (`lambdas/adapters/aws/table.ts`) puts each kind of item under its own
 * partition-key prefix, so a function that decides bills cannot rewrite the policy, and the
 * approval desk cannot touch vendors. The sort key cannot be conditioned: a writer of `VENDOR#*`
 * (the spend item `VENDOR#<id>/SPEND`) could in principle write the vendor item beside it; only
 * the decision and the approval click hold that right.
 */
import * as iam from 'aws-cdk-lib/aws-iam';
import type { ITableV2 } from 'aws-cdk-lib/aws-dynamodb';
import type { BillFunction } from './bill-function.ts';
import { ENV } from '../lambdas/config.ts';
import { REASONS, arnRef, iam5 } from './nag.ts';

/** The partition-key prefixes of the table (see `lambdas/adapters/aws/table.ts`). */
export const KEY_PREFIXES = {
  policy: 'POLICY',
  vendor: 'VENDOR#*',
  vendorByTaxId: 'VTAX#*',
  vendorByName: 'VNAME#*',
  po: 'PO#*',
  bill: 'BILL#*',
  duplicate: 'DUP#*',
  document: 'DOC#*',
  nonce: 'NONCE#*',
  summary: 'SUMMARY#*',
} as const;
type Prefix = (typeof KEY_PREFIXES)[keyof typeof KEY_PREFIXES];

export interface TableAccess {
  /** Partition keys it reads (GetItem, Query). */
  readonly read: readonly Prefix[];
  /** Partition keys it writes (conditional Put, ConditionCheck in a transaction). */
  readonly write?: readonly Prefix[];
  /** Partition keys whose items it deletes, conditionally (a rejected bill's document claim). */
  readonly delete?: readonly Prefix[];
  /** Partition keys it updates in place (UpdateItem, conditional). */
  readonly update?: readonly Prefix[];
  /** Queries the indexes (bills by state, a vendor's open POs, a month's bills and audit rows). */
  readonly index?: boolean;
}

const P = KEY_PREFIXES;
const MASTER_READS = [P.policy, P.vendor, P.vendorByTaxId, P.vendorByName, P.po] as const;

/** What each function does on the table, in one place (asserted by test/infra/permissions.test.ts). */
export const TABLE_ACCESS = {
  /** The policy's limits and thresholds only. */
  'read-document': { read: [P.policy] },
  extract: { read: [P.policy] },
  /** Decides a bill: master data, claims, quantities and spend; writes the bill and its claims. */
  'decide-bill': {
    read: [...MASTER_READS, P.bill, P.duplicate, P.document],
    write: [P.bill, P.duplicate, P.document, P.po, P.vendor],
    index: true,
  },
  /** A failed document or review: the bill and its document claim. */
  'record-failure': { read: [P.policy, P.bill, P.document], write: [P.bill, P.document] },
  /** Records the task token and the links it sends on the bill. */
  'approval-desk': { read: [P.policy, P.vendor, P.bill], write: [P.bill, P.nonce] },
  /** A click: the gate re-checks spend, claims and quantities; spends the link's nonce. */
  ack: { read: [...MASTER_READS, P.bill, P.duplicate, P.document, P.nonce], write: [P.bill, P.duplicate, P.po, P.vendor, P.nonce], delete: [P.document] },
  /** Reminders: bills by state, vendors' addresses, the policy; records each reminder on the bill. */
  sweep: { read: [P.policy, P.vendor, P.bill], write: [P.bill], index: true },
  /** The month's figures from the month index; the month's claim, so that it is sent once. */
  summary: { read: [P.policy, P.vendor, P.bill, P.summary], write: [P.summary], update: [P.summary], index: true },
  /**
   * The workspace pages: bills (by state through the index), their audit trails, master data and
   * the policy. It writes a bill only when a clerk dismisses it; a review is queued, not written.
   * Nothing on the approval path (no nonce, no spend, no claims): approving is by signed link only.
   */
  workspace: { read: [...MASTER_READS, P.bill], write: [P.bill], index: true },
} as const satisfies Record<string, TableAccess>;

/** Grants `access` on `table` to `fn`: one statement per kind, each on its leading keys. */
export function grantTableAccess(fn: BillFunction, table: ITableV2, access: TableAccess): void {
  const leading = (keys: readonly string[]) => ({ 'ForAllValues:StringLike': { 'dynamodb:LeadingKeys': [...keys] } });
  fn.addToRolePolicy(new iam.PolicyStatement({ actions: ['dynamodb:GetItem', 'dynamodb:Query'], resources: [table.tableArn], conditions: leading(access.read) }));
  if (access.write?.length) {
    fn.addToRolePolicy(
      new iam.PolicyStatement({ actions: ['dynamodb:PutItem', 'dynamodb:ConditionCheckItem'], resources: [table.tableArn], conditions: leading(access.write) }),
    );
  }
  if (access.delete?.length) {
    fn.addToRolePolicy(new iam.PolicyStatement({ actions: ['dynamodb:DeleteItem'], resources: [table.tableArn], conditions: leading(access.delete) }));
  }
  if (access.update?.length) {
    fn.addToRolePolicy(new iam.PolicyStatement({ actions: ['dynamodb:UpdateItem'], resources: [table.tableArn], conditions: leading(access.update) }));
  }
  if (access.index) {
    // LeadingKeys names the table's partition key; the index is read-only and holds summaries.
    fn.addToRolePolicy(new iam.PolicyStatement({ actions: ['dynamodb:Query'], resources: [`${table.tableArn}/index/*`] }));
    fn.acknowledgeOnRole({ [iam5.resource(`${arnRef(table)}/index/*`)]: REASONS.tableIndexes });
  }
  fn.addEnvironment(ENV.TABLE_NAME, table.tableName);
}
