/**
 * The policy, and nothing else, for the functions that read only the policy (the document reader:
 * its limits). The whole store (`dynamo-store.ts`) brings the worklist keys, the normalization
 * tables and the summary reads into a bundle; this reads the same two items the store reads:
 * the current master version's pointer, then that version's policy.
 */
import { DynamoDBClient } from '@aws-sdk/client-dynamodb';
import { DynamoDBDocumentClient, GetCommand } from '@aws-sdk/lib-dynamodb';
import type { Policy } from '../../core/master.ts';
import { NoMasterDataError, type BillStore } from '../../core/ports/store.ts';
import { policyFromJson } from './codec.ts';
import { masterKeys, MASTER_POINTER } from './master-keys.ts';
import { BILLS_TABLE as T } from './table.ts';

export class DynamoPolicyReader implements Pick<BillStore, 'policy'> {
  private readonly doc: DynamoDBDocumentClient;

  constructor(private readonly options: { tableName: string; client?: DynamoDBClient }) {
    this.doc = DynamoDBDocumentClient.from(options.client ?? new DynamoDBClient({}));
  }

  private async get(pk: string, sk: string): Promise<Record<string, unknown> | undefined> {
    const r = await this.doc.send(new GetCommand({ TableName: this.options.tableName, Key: { [T.partitionKey]: pk, [T.sortKey]: sk }, ConsistentRead: true }));
    return r.Item;
  }

  async policy(): Promise<Policy> {
    const pointer = await this.get(MASTER_POINTER.pk, MASTER_POINTER.current);
    const version = (pointer?.version as string | undefined) ?? '';
    const item = await this.get('POLICY', masterKeys(version).policy);
    if (!item) throw new NoMasterDataError();
    return policyFromJson(JSON.parse(item.data as string));
  }
}
