/** What the lanes' tests share: a fresh table in the run's DynamoDB Local, a documents folder, an outbox. */
import { randomUUID } from 'node:crypto';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { inject } from 'vitest';
import type { DynamoBillStore } from '../../lambdas/adapters/aws/dynamo-store.ts';
import { FolderDocumentStore } from '../../lambdas/adapters/local/folder-documents.ts';
import { openLocalStore } from '../../lambdas/adapters/local/local-stack.ts';
import { MemoryOutbox } from '../../lambdas/adapters/local/memory-outbox.ts';
import { DynamoLaneState } from '../../lambdas/lanes/dynamo-state.ts';
import type { MasterDropDeps, RematchHook } from '../../lambdas/lanes/master-drop.ts';

export const POLICY = JSON.stringify({
  timezone: 'Europe/Berlin',
  auto_approve_max: '1000',
  admin_approver: 'ap-admin@northwind.example',
  second_approver: 'controller@northwind.example',
});

export const VENDORS = [
  'vendor_id,name,aliases,tax_id,iban,email,currency,authorization_cap,ytd_spend,blocked,approver,category',
  'V100,Acme Office Supplies GmbH,Acme Office,DE129273398,DE89370400440532013000,billing@acme-office.example,EUR,,0,false,purchasing@northwind.example,',
  'V200,Brightline IT Services B.V.,Brightline,NL859934412B01,NL91ABNA0417164300,invoices@brightline.example,EUR,,0,false,,it',
].join('\n');

export const POS = [
  'po_number,vendor_id,po_date,currency,status,line_no,item_code,description,quantity,unit_price,receipt_required',
  'PO-1001,V100,2026-02-10,EUR,open,1,PAP-A4-80,Copy paper,20,21.50,true',
  'PO-1001,V100,2026-02-10,EUR,open,2,TON-59A,Toner,4,64.00,true',
].join('\n');

export const RECEIPTS = ['grn_number,po_number,line_no,received_quantity,received_date', 'GRN-5101,PO-1001,1,20,2026-02-20'].join('\n');

export interface LaneWorld {
  readonly store: DynamoBillStore;
  readonly deps: MasterDropDeps;
  readonly state: DynamoLaneState;
  readonly outbox: MemoryOutbox;
  readonly documents: FolderDocumentStore;
  readonly rematches: Parameters<RematchHook>[0][];
  readonly dir: string;
  close(): Promise<void>;
}

export async function laneWorld(options: { rematch?: boolean } = {}): Promise<LaneWorld> {
  const tableName = `t-${randomUUID()}`;
  const { store, client } = await openLocalStore(inject('dynamoEndpoint'), tableName);
  const state = new DynamoLaneState({ tableName, client });
  const dir = await mkdtemp(join(tmpdir(), 'bm-lanes-'));
  const documents = new FolderDocumentStore(join(dir, 'documents'));
  const outbox = new MemoryOutbox();
  const rematches: Parameters<RematchHook>[0][] = [];
  let clock = Date.parse('2026-03-02T09:00:00Z');
  const deps: MasterDropDeps = {
    store,
    documents,
    state,
    now: () => (clock += 1000),
    ops: { mailer: outbox, to: 'ops@northwind.example' },
    ...(options.rematch === false ? {} : { rematch: async (c) => void rematches.push(c) }),
  };
  return {
    store,
    deps,
    state,
    outbox,
    documents,
    rematches,
    dir,
    async close() {
      client.destroy();
      await rm(dir, { recursive: true, force: true });
    },
  };
}
