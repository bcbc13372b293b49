/**
 * The one definition of the bills table, used by the CDK stack (lib/) and by the local
 * stack (CreateTable on DynamoDB Local). Single-table design; access patterns:
 *
 * | pattern                                  | key                                             |
 * |------------------------------------------|-------------------------------------------------|
 * | policy                                   | pk `POLICY`, sk `POLICY`                        |
 * | vendor by id / its spend                 | pk `VENDOR#<id>`, sk `VENDOR` / `SPEND`         |
 * | vendors by tax id, by normalized name    | pk `VTAX#<id>` / `VNAME#<name>`, sk `VENDOR#<id>` |
 * | PO by normalized reference / its billed  | pk `PO#<ref>`, sk `PO` / `BILLED`               |
 * | a vendor's open POs                      | gsi1 pk `OPENPO#<vendor>`                       |
 * | bill, its audit trail (in order)         | pk `BILL#<id>`, sk `BILL` / `AUDIT#<ver>#<i>`   |
 * | bills by state, by amount                | gsi1 pk `STATE#<state>`, sk `<amount key>#<id>` |
 * | worklist: bills by state, by arrival     | gsi3 pk `WL#<state>`, sk `<UTC created>#<id>`   |
 * | worklist: by invoice no., PO, vendor     | gsi3 pk `FIND#INV#<n>` / `FIND#PO#<ref>` / `FIND#VEND#<id>`, sk `<UTC created>#<id>` (items `BILL#<id>`/`FIND#…`) |
 * | master data lists (vendors, POs, GRNs)   | gsi3 pk `MLIST#<version>#VENDOR` / `#PO` / `#GRN`  |
 * | a month's bills and audit rows (summary) | gsi2 pk `MONTH#<UTC yyyy-mm>`, sk `<UTC ISO time>#B#<id>` / `#A#<id>#<ver>#<n>` |
 * | monthly summary claim                    | pk `SUMMARY#<yyyy-mm>`, sk `SUMMARY`             |
 * | duplicate claim (vendor, type, number)   | pk `DUP#<key>`, sk `DUP`                        |
 * | document claim (bytes hash, part)        | pk `DOC#<hash>#<part>`, sk `DOC`                |
 * | spent approval-link nonce (TTL)          | pk `NONCE#<nonce>`, sk `NONCE`                  |
 * | local workflow execution name            | pk `EXEC#<name>`, sk `EXEC`                     |
 * | the lanes' state (imports, cursors, …)   | pk `LANE#…` (lambdas/lanes/state.ts)            |
 */
import type { CreateTableCommandInput } from '@aws-sdk/client-dynamodb';

export const BILLS_TABLE = {
  partitionKey: 'pk',
  sortKey: 'sk',
  gsi1: { indexName: 'gsi1', partitionKey: 'gsi1pk', sortKey: 'gsi1sk' },
  /** By month: a bill under the UTC month of its arrival, an audit row under the month of its time. */
  gsi2: { indexName: 'gsi2', partitionKey: 'gsi2pk', sortKey: 'gsi2sk' },
  /**
   * The worklist and the master data lists (one index, overloaded; docs/data-model.md). It
   * projects only the compact row and the attributes the worklist filters on, not the bill.
   */
  gsi3: { indexName: 'gsi3', partitionKey: 'gsi3pk', sortKey: 'gsi3sk' },
  /** What gsi3 carries besides its keys. */
  gsi3Projection: ['state', 'wl', 'wl_at', 'wl_amt', 'wl_codes', 'wl_wait', 'wl_vendor', 'data'],
  ttlAttribute: 'expires_at',
} as const;

/** CreateTable input for DynamoDB Local (on-demand, same keys and index as the cloud). */
export function createBillsTableInput(tableName: string): CreateTableCommandInput {
  const t = BILLS_TABLE;
  return {
    TableName: tableName,
    BillingMode: 'PAY_PER_REQUEST',
    AttributeDefinitions: [
      { AttributeName: t.partitionKey, AttributeType: 'S' },
      { AttributeName: t.sortKey, AttributeType: 'S' },
      { AttributeName: t.gsi1.partitionKey, AttributeType: 'S' },
      { AttributeName: t.gsi1.sortKey, AttributeType: 'S' },
      { AttributeName: t.gsi2.partitionKey, AttributeType: 'S' },
      { AttributeName: t.gsi2.sortKey, AttributeType: 'S' },
      { AttributeName: t.gsi3.partitionKey, AttributeType: 'S' },
      { AttributeName: t.gsi3.sortKey, AttributeType: 'S' },
    ],
    KeySchema: [
      { AttributeName: t.partitionKey, KeyType: 'HASH' },
      { AttributeName: t.sortKey, KeyType: 'RANGE' },
    ],
    GlobalSecondaryIndexes: [
      {
        IndexName: t.gsi1.indexName,
        KeySchema: [
          { AttributeName: t.gsi1.partitionKey, KeyType: 'HASH' },
          { AttributeName: t.gsi1.sortKey, KeyType: 'RANGE' },
        ],
        Projection: { ProjectionType: 'ALL' },
      },
      {
        IndexName: t.gsi2.indexName,
        KeySchema: [
          { AttributeName: t.gsi2.partitionKey, KeyType: 'HASH' },
          { AttributeName: t.gsi2.sortKey, KeyType: 'RANGE' },
        ],
        Projection: { ProjectionType: 'ALL' },
      },
      {
        IndexName: t.gsi3.indexName,
        KeySchema: [
          { AttributeName: t.gsi3.partitionKey, KeyType: 'HASH' },
          { AttributeName: t.gsi3.sortKey, KeyType: 'RANGE' },
        ],
        Projection: { ProjectionType: 'INCLUDE', NonKeyAttributes: [...t.gsi3Projection] },
      },
    ],
  };
}
