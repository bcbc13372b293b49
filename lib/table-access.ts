/**
 * Least privilege on the bills table: each function gets the DynamoDB actions it uses, on the
 * partition keys it touches (`dynamodb:LeadingKeys`), and nothing else — no Scan anywhere, no
 * Delete but the ack's document claim and the master import's in-progress marker, no BatchWrite
 * but the master import's (the lanes; bills, claims and spend change by conditional Put in a
 * transaction; `bm import` runs with the operator's own rights).
 *
 * The key design (`lambdas/adapters/aws/table.ts`) puts each kind of item under its own
 * partition-key prefix, so a function that decides bills cannot rewrite the policy, and the
 * approval desk cannot touch vendors. The sort key cannot be conditioned: a writer of `VENDOR#*`
 * (the spend item `VENDOR#<id>/SPEND`) could in principle write the vendor item beside it; only
 * the decision and the approval click hold that right (and the master import, which writes the
 * vendor items themselves).
 *
 * Master data is versioned: every read of the policy, a vendor or a PO first reads the current
 * version from the `MASTER`/`CURRENT` item (`DynamoBillStore.masterVersion`), so whoever reads a
 * master prefix reads `MASTER` too (`masterReads`). Only the master import writes it.
 *
 * What each role allows is proved against what the code really sends by an IAM simulation over
 * DynamoDB Local (test/infra/table-access-runtime.test.ts): a new function or a new store access
 * must pass it.
 */
import * as iam from 'aws-cdk-lib/aws-iam';
import type { ITableV2 } from 'aws-cdk-lib/aws-dynamodb';
import type { BillFunction } from './bill-function.ts';
import { ENV } from '../lambdas/config.ts';
import { REASONS, arnRef, iam5 } from './nag.ts';

/** The partition-key prefixes of the table (see `lambdas/adapters/aws/table.ts`). */
export const KEY_PREFIXES = {
  /** The current master version (`MASTER`/`CURRENT`) and an import under way (`MASTER`/`IMPORT`). */
  master: 'MASTER',
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
  // The lanes' state (lambdas/lanes/state.ts `LANE_KEYS`).
  /** The lease that serializes master imports through the lanes. */
  laneLock: 'LANE#LOCK#MASTER',
  /** A handled drop, by its hash. */
  laneDrop: 'LANE#DROP#*',
  /** The import history. */
  laneImports: 'LANE#IMPORTS',
  /** A master record's audited changes. */
  laneMasterAudit: 'LANE#MASTER#*',
  /** Drive sync's last revision seen. */
  laneDrive: 'LANE#DRIVE#*',
  /** A portal's cursor, status and listing entries landed. */
  lanePortal: 'LANE#PORTAL#*',
  /** A downloaded portal bill, by its hash. */
  lanePortalDoc: 'LANE#PORTALDOC#*',
} as const;
type Prefix = (typeof KEY_PREFIXES)[keyof typeof KEY_PREFIXES];

export interface TableAccess {
  /** Partition keys it reads (GetItem, BatchGetItem, Query). */
  readonly read: readonly Prefix[];
  /** Partition keys it writes (conditional Put, ConditionCheck in a transaction). */
  readonly write?: readonly Prefix[];
  /** Partition keys whose items it deletes (a rejected bill's document claim; the master import's in-progress marker). */
  readonly delete?: readonly Prefix[];
  /** Partition keys it updates in place (UpdateItem, conditional). */
  readonly update?: readonly Prefix[];
  /** Partition keys it writes in batches (BatchWriteItem: the master import's puts). */
  readonly batchWrite?: readonly Prefix[];
  /** Queries the indexes (bills by state, a vendor's open POs, a month's bills and audit rows). */
  readonly index?: boolean;
}

const P = KEY_PREFIXES;
/** Reading master data reads the current master version first. */
const masterReads = <T extends Prefix[]>(...prefixes: T) => [P.master, ...prefixes] as const;
const MASTER_READS = masterReads(P.policy, P.vendor, P.vendorByTaxId, P.vendorByName, P.po);
/** What a master import writes in batches: the new version's items (VTAX/VNAME are vendors' lookups). */
const MASTER_ITEMS = [P.policy, P.vendor, P.vendorByTaxId, P.vendorByName, P.po] as const;
/** The drop lane's own state. */
const DROP_LANE = [P.laneLock, P.laneDrop, P.laneImports, P.laneMasterAudit] as const;
/**
 * A master import through the drop lane: the changes against the current data (policy, vendors,
 * POs), the new version in batches, the `MASTER` pointer (Put in a transaction, with the Delete of
 * the in-progress marker), and the lane's lease, history and audit rows.
 */
const MASTER_IMPORT = {
  read: [...masterReads(P.policy, P.vendor, P.po), ...DROP_LANE],
  write: [P.master, ...DROP_LANE],
  delete: [P.master],
  batchWrite: MASTER_ITEMS,
} as const satisfies TableAccess;

/** What each function does on the table, in one place (asserted by test/infra/permissions.test.ts). */
export const TABLE_ACCESS = {
  /** The policy's limits and thresholds only. */
  'read-document': { read: masterReads(P.policy) },
  extract: { read: masterReads(P.policy) },
  /** Decides a bill: master data, claims, quantities and spend; writes the bill and its claims. */
  'decide-bill': {
    read: [...MASTER_READS, P.bill, P.duplicate, P.document],
    write: [P.bill, P.duplicate, P.document, P.po, P.vendor],
    index: true,
  },
  /** A failed document or review: the bill and its document claim. */
  'record-failure': { read: [...masterReads(P.policy), P.bill, P.document], write: [P.bill, P.document] },
  /** Records the task token and the links it sends on the bill. */
  'approval-desk': { read: [...masterReads(P.policy, P.vendor), P.bill], write: [P.bill, P.nonce] },
  /** A click: the gate re-checks spend, claims and quantities; spends the link's nonce. */
  ack: { read: [...MASTER_READS, P.bill, P.duplicate, P.document, P.nonce], write: [P.bill, P.duplicate, P.po, P.vendor, P.nonce], delete: [P.document] },
  /** Reminders: bills by state, vendors' addresses, the policy; records each reminder on the bill. */
  sweep: { read: [...masterReads(P.policy, P.vendor), P.bill], write: [P.bill], index: true },
  /** The month's figures from the month index; the month's claim, so that it is sent once. */
  summary: { read: [...masterReads(P.policy, P.vendor), P.bill, P.summary], write: [P.summary], update: [P.summary], index: true },
  /** The master-data drop lane (S3 drops): imports master data; writes no bill. */
  'master-drop': MASTER_IMPORT,
  /** Drive sync: the drop lane's rights, and the sheet's last revision. */
  'drive-sync': { ...MASTER_IMPORT, read: [...MASTER_IMPORT.read, P.laneDrive], write: [...MASTER_IMPORT.write, P.laneDrive] },
  /** Portal poll: its cursors, listing entries and downloads; no master data, no bill (intake takes the uploads). */
  'portal-poll': { read: [P.lanePortal, P.lanePortalDoc], write: [P.lanePortal, P.lanePortalDoc] },
  /**
   * The workspace pages: bills (by state through the index), their audit trails, master data and
   * the policy, the import history and the audited master changes. It writes a bill only when a clerk dismisses it; a review is queued, not written.
   * Nothing on the approval path (no nonce, no spend, no claims): approving is by signed link only.
   */
  workspace: { read: [...MASTER_READS, P.bill, P.laneImports, P.laneMasterAudit], write: [P.bill], index: true },
} as const satisfies Record<string, TableAccess>;

/** Grants `access` on `table` to `fn`: one statement per kind, each on its leading keys. */
export function grantTableAccess(fn: BillFunction, table: ITableV2, access: TableAccess): void {
  const leading = (keys: readonly string[]) => ({ 'ForAllValues:StringLike': { 'dynamodb:LeadingKeys': [...keys] } });
  // BatchGetItem reads what GetItem may read, on the same leading keys (every key of the batch):
  // the store sends the items asked for together as one batch (DynamoBillStore.get).
  fn.addToRolePolicy(
    new iam.PolicyStatement({ actions: ['dynamodb:GetItem', 'dynamodb:BatchGetItem', 'dynamodb:Query'], resources: [table.tableArn], conditions: leading(access.read) }),
  );
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
  if (access.batchWrite?.length) {
    // LeadingKeys holds every item's partition key: one outside the list refuses the whole batch.
    fn.addToRolePolicy(new iam.PolicyStatement({ actions: ['dynamodb:BatchWriteItem'], resources: [table.tableArn], conditions: leading(access.batchWrite) }));
  }
  if (access.index) {
    // LeadingKeys names the table's partition key; the index is read-only and holds summaries.
    fn.addToRolePolicy(new iam.PolicyStatement({ actions: ['dynamodb:Query'], resources: [`${table.tableArn}/index/*`] }));
    fn.acknowledgeOnRole({ [iam5.resource(`${arnRef(table)}/index/*`)]: REASONS.tableIndexes });
  }
  fn.addEnvironment(ENV.TABLE_NAME, table.tableName);
}
