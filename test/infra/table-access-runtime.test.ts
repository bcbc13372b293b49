/**
 * Least privilege, proved at run time: each function's real use cases run through a store whose
 * client is checked by an IAM simulation (test/support/iam-sim.ts) against that function's role
 * as synthesized (the statements `grantTableAccess` produced, read from the template), on
 * DynamoDB Local. DynamoDB Local checks no permissions, so without this a store call outside a
 * role's actions or leading keys passes every other test and fails in AWS with
 * AccessDeniedException.
 *
 * Every new function, and every new store access of an existing one, belongs here: build its
 * store with `guardedStore('<function name>')` and run what its handler runs.
 */
import { randomUUID } from 'node:crypto';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { inject } from 'vitest';
import type { DynamoDBClient } from '@aws-sdk/client-dynamodb';
import { DynamoBillStore } from '../../lambdas/adapters/aws/dynamo-store.ts';
import { DynamoPolicyReader } from '../../lambdas/adapters/aws/policy-reader.ts';
import { localClient, openLocalStore } from '../../lambdas/adapters/local/local-stack.ts';
import { MemoryOutbox } from '../../lambdas/adapters/local/memory-outbox.ts';
import { handleBillView, handleReview } from '../../lambdas/ack/people-pages.ts';
import { handleWait } from '../../lambdas/ack/wait-pages.ts';
import { requestApproval } from '../../lambdas/core/approval-desk.ts';
import { actOnLink, approvalLinks, viewLink, type ApprovalDeps } from '../../lambdas/core/approvals.ts';
import type { CanonicalBill } from '../../lambdas/core/bill.ts';
import { billLink, notifyPeople } from '../../lambdas/core/notify.ts';
import type { DocumentStore } from '../../lambdas/core/ports/documents.ts';
import { readSubmission } from '../../lambdas/core/read-submission.ts';
import { decideSubmittedBill, recordFailure, type Submission } from '../../lambdas/core/submission.ts';
import { sendMonthlySummary } from '../../lambdas/core/summary/send.ts';
import { dailySweep } from '../../lambdas/core/sweep.ts';
import { syncSheet, type SheetSource } from '../../lambdas/lanes/drive-sync.ts';
import { DynamoLaneState } from '../../lambdas/lanes/dynamo-state.ts';
import { dropFromFiles, importMasterDrop, type MasterDropDeps } from '../../lambdas/lanes/master-drop.ts';
import { pollPortals } from '../../lambdas/lanes/portals/poll.ts';
import type { BillFunctionName } from '../../lib/bundle.ts';
import type { WebAuth } from '../../lambdas/adapters/local/web/auth.ts';
import { workspaceApp } from '../../lambdas/workspace/app.ts';
import { bill, GRN_CSV, master, POLICY_JSON, POS_CSV, VENDORS_CSV } from '../support/builders.ts';
import { guardClient, isAllowed, requestsOf, resolveStatements, tableArn, type SimLog, type SimStatement } from '../support/iam-sim.ts';
import { EVERY_LANE, logicalId, statementsOfRole, SYNTH_TIMEOUT, templates, templatesWithEveryLane } from './support.ts';

const SECRET = new TextEncoder().encode('table-access-runtime-secret-of-enough-length');
const T0 = Date.parse('2026-03-03T10:00:00+01:00');
const DAY = 86_400_000;

let t: ReturnType<typeof templates>;
let tableId: string;
beforeAll(() => {
  // Every lane configured, so that every function of the product is in the template.
  t = templatesWithEveryLane();
  tableId = logicalId(t.s.main.storage.table, t.s.main);
}, SYNTH_TIMEOUT);

/** The DynamoDB-relevant statements of a function's role, as deployed, resolved against `tableName`. */
function roleStatements(fn: BillFunctionName, tableName: string): SimStatement[] {
  const roles = Object.entries(t.main.findResources('AWS::IAM::Role')).filter(([, r]) => r.Properties.Description === `bill matcher ${fn}: only what this function uses`);
  expect(roles.map(([id]) => id), `the role of ${fn}`).toHaveLength(1);
  const [id, role] = roles[0]!;
  expect(role.Properties.ManagedPolicyArns ?? [], `${fn} has no managed policies`).toEqual([]);
  const inline = ((role.Properties.Policies ?? []) as { PolicyDocument: { Statement: unknown[] } }[]).flatMap((p) => p.PolicyDocument.Statement);
  return resolveStatements([...statementsOfRole(t.main, id), ...inline], { [tableId]: tableName });
}

// --- the world: one table, master data imported with the operator's rights --------------------

const VENDORS = `${VENDORS_CSV}V003,Blocked Supply AG,,DE111111111,,orders@blocked.example,EUR,,0,true,buyer@example.com,\n`;
/** A PO with room for many bills (no receipt needed), beside the builders' PO-7001. */
const POS = `${POS_CSV}PO-7100,V001,2026-02-01,EUR,open,1,A-100,Widget,1000,12.50,false\n`;
/** Touchless up to 100.00, so that 148.75 waits for an approver. */
const POLICY = POLICY_JSON.replace('"500"', '"100"');

interface World {
  readonly tableName: string;
  /** The unguarded store: the operator's `bm import`, and setting the scene. */
  readonly admin: DynamoBillStore;
  readonly clients: DynamoDBClient[];
  readonly outbox: MemoryOutbox;
  readonly documents: MemoryDocuments;
  clock: number;
}

class MemoryDocuments implements DocumentStore {
  readonly objects = new Map<string, Uint8Array>();
  async put(key: string, bytes: Uint8Array): Promise<void> {
    this.objects.set(key, bytes);
  }
  async get(key: string): Promise<Uint8Array | null> {
    return this.objects.get(key) ?? null;
  }
}

let w: World;
beforeAll(async () => {
  const tableName = `t-${randomUUID()}`;
  const { store, client } = await openLocalStore(inject('dynamoEndpoint'), tableName);
  await store.importMaster(master({ 'vendors.csv': VENDORS, 'purchase_orders.csv': POS, 'policy.json': POLICY }));
  w = { tableName, admin: store, clients: [client], outbox: new MemoryOutbox(), documents: new MemoryDocuments(), clock: T0 };
});
afterAll(() => {
  for (const c of w?.clients ?? []) c.destroy();
});

/** A client on the world's table that only does what `fn`'s deployed role allows (its decisions in `log`). */
function guardedClient(fn: BillFunctionName): { client: DynamoDBClient; log: SimLog } {
  const log: SimLog = { denied: [], allowed: [] };
  const client = guardClient(localClient(inject('dynamoEndpoint')), fn, roleStatements(fn, w.tableName), log);
  w.clients.push(client);
  return { client, log };
}

/** The store a function's handler builds, under that function's role. */
function guardedStore(fn: BillFunctionName): { store: DynamoBillStore; log: SimLog } {
  const { client, log } = guardedClient(fn);
  return { store: new DynamoBillStore({ tableName: w.tableName, client }), log };
}

/** The lane functions' store and lane state, on one guarded client (as lambdas/lanes/aws.ts builds them, two clients one role). */
function guardedLane(fn: 'master-drop' | 'drive-sync' | 'portal-poll'): { store: DynamoBillStore; state: DynamoLaneState; log: SimLog } {
  const { client, log } = guardedClient(fn);
  return { store: new DynamoBillStore({ tableName: w.tableName, client }), state: new DynamoLaneState({ tableName: w.tableName, client }), log };
}

const refused = (log: SimLog) => log.denied.map((d) => `${d.request.action} ${d.request.resource.replace(/^.*:table\/[^/]+/, 'table')} [${d.request.leadingKeys.join(', ')}]`);

let seq = 0;
function submission(name: string): Submission {
  seq++;
  return { id: `sub-${seq}-${randomUUID()}`, document_key: `mail/${seq}/${name}`, name, submitter: 'clerk@example.com', sender_check: 'off', received_at: new Date(w.clock + seq * 1000).toISOString() };
}

/** A bill document through read-document then decide-bill, each under its own role. */
async function arrive(b: CanonicalBill | string, name = 'bill.bill.json', more: Partial<Submission> = {}) {
  const s = { ...submission(name), ...more };
  await w.documents.put(s.document_key, new TextEncoder().encode(typeof b === 'string' ? b : JSON.stringify(b)));
  // The document reader reads the policy only, through its own reader (as its handler builds it).
  const reader = guardedClient('read-document');
  const read = await readSubmission(s, { documents: w.documents, store: new DynamoPolicyReader({ tableName: w.tableName, client: reader.client }) });
  expect(refused(reader.log), 'read-document').toEqual([]);
  const decider = guardedStore('decide-bill');
  const rows = [];
  for (const part of read.parts) rows.push(await decideSubmittedBill({ submission: s, part }, { store: decider.store, now: () => w.clock }));
  expect(refused(decider.log), 'decide-bill').toEqual([]);
  return { submission: s, rows, bills: await Promise.all(rows.map(async (r) => (await w.admin.getBill(r.bill_id))!)) };
}

/** `quantity` widgets at 12.50 + 19 % against PO-7100. */
const widgets = (n: string, quantity: number, o: Partial<CanonicalBill> = {}) => {
  // In cents, exactly (12.50 × 19 % is a whole number of cents for any quantity).
  const cents = (c: bigint) => `${c / 100n}.${String(c % 100n).padStart(2, '0')}`;
  const netCents = BigInt(quantity) * 1250n;
  const [net, tax, total] = [cents(netCents), cents((netCents * 19n) / 100n), cents((netCents * 119n) / 100n)];
  return bill({ invoice_number: n, po_reference: 'PO-7100', lines: [{ line_id: '1', item_code: 'A-100', po_line: null, description: 'Widget', quantity: String(quantity), unit_code: 'C62', unit_price: '12.50', price_base_quantity: '1', net_amount: net }], net_total: net, tax_total: tax, total, ...o });
};
/** 59.50: under the touchless limit. */
const touchless = (n: string) => widgets(n, 4);
/** Above 100.00: waits for the vendor's approver (each its own amount, so that none looks like another). */
const awaiting = (n: string, quantity: number) => widgets(n, quantity);

describe('the simulation itself', () => {
  it('refuses what IAM refuses: a key outside the leading keys, an action not granted, a transaction item of another kind', () => {
    const st = roleStatements('read-document', 'T');
    const policy = { action: 'dynamodb:GetItem', resource: tableArn('T'), leadingKeys: ['POLICY'] };
    expect(isAllowed(st, policy)).toBe(true);
    expect(isAllowed(st, { ...policy, leadingKeys: ['BILL#b1'] })).toBe(false);
    expect(isAllowed(st, { ...policy, resource: tableArn('other') })).toBe(false);
    expect(isAllowed(st, { ...policy, action: 'dynamodb:PutItem' })).toBe(false);
    expect(isAllowed(st, { action: 'dynamodb:Scan', resource: tableArn('T'), leadingKeys: [] })).toBe(false);
    // A transaction is authorized item by item, each with its own action.
    expect(requestsOf('TransactWriteItemsCommand', { TransactItems: [{ Put: { TableName: 'T', Item: { pk: { S: 'BILL#1' } } } }, { Delete: { TableName: 'T', Key: { pk: { S: 'DOC#x' } } } }] })).toEqual([
      { action: 'dynamodb:PutItem', resource: tableArn('T'), leadingKeys: ['BILL#1'] },
      { action: 'dynamodb:DeleteItem', resource: tableArn('T'), leadingKeys: ['DOC#x'] },
    ]);
    expect(requestsOf('QueryCommand', { TableName: 'T', IndexName: 'gsi1', KeyConditionExpression: '#pk = :pk', ExpressionAttributeNames: { '#pk': 'gsi1pk' }, ExpressionAttributeValues: { ':pk': { S: 'STATE#flagged' } } })).toEqual([
      { action: 'dynamodb:Query', resource: `${tableArn('T')}/index/gsi1`, leadingKeys: ['STATE#flagged'] },
    ]);
    // A batch is refused whole when one item's key is outside the role's keys.
    const drop = roleStatements('master-drop', 'T');
    const batch = (...pks: string[]) => requestsOf('BatchWriteItemCommand', { RequestItems: { T: pks.map((pk) => ({ PutRequest: { Item: { pk: { S: pk } } } })) } })[0]!;
    expect(isAllowed(drop, batch('POLICY', 'VENDOR#V1', 'PO#P1'))).toBe(true);
    expect(isAllowed(drop, batch('VENDOR#V1', 'BILL#b1'))).toBe(false);
    // An explicit Deny wins over an Allow; a condition the simulation does not know is not guessed.
    expect(isAllowed([...st, { Effect: 'Deny', Action: 'dynamodb:*', Resource: '*' }], policy)).toBe(false);
    expect(() => isAllowed([{ Effect: 'Allow', Action: 'dynamodb:GetItem', Resource: '*', Condition: { StringEquals: { 'dynamodb:Select': 'SPECIFIC_ATTRIBUTES' } } }], policy)).toThrow(/does not evaluate/);
    expect(requestsOf('BatchGetItemCommand', { RequestItems: { T: { Keys: [{ pk: { S: 'VENDOR#1' } }, { pk: { S: 'PO#2' } }] } } })).toEqual([{ action: 'dynamodb:BatchGetItem', resource: tableArn('T'), leadingKeys: ['VENDOR#1', 'PO#2'] }]);
  });

  it('answers a refused request with AccessDeniedException, before it reaches the table', async () => {
    const { store, log } = guardedStore('read-document');
    const err = await store.getBill('b-anything').catch((e: unknown) => e as Error & { $metadata: { httpStatusCode: number } });
    expect(err).toMatchObject({ name: 'AccessDeniedException', $metadata: { httpStatusCode: 400 } });
    expect((err as Error).message).toMatch(/not authorized to perform: dynamodb:GetItem on resource: arn:aws:dynamodb:.*:table\/t-.*leading keys: BILL#b-anything/);
    expect(refused(log)).toEqual(['dynamodb:GetItem table [BILL#b-anything]']);
  });
});

describe('each function, its use cases, under its own role (IAM simulated over DynamoDB Local)', () => {
  it('read-document and decide-bill: touchless, needing approval, duplicate, blocked vendor, credit note, by name without a PO', async () => {
    const ok = await arrive(touchless('T-1'));
    expect(ok.bills[0]).toMatchObject({ state: 'ready_for_payment' });
    const waits = await arrive(awaiting('A-1', 10));
    expect(waits.bills[0]).toMatchObject({ state: 'awaiting_approval', approvers: ['buyer@example.com'] });
    const dup = await arrive(touchless('T-1'));
    expect(dup.bills[0]!.exceptions.map((e) => e.code)).toContain('DUPLICATE');
    const blocked = await arrive(bill({ invoice_number: 'B-1', supplier: { name: 'Blocked Supply AG', tax_id: 'DE111111111', iban: null, email: null }, po_reference: null }));
    expect(blocked.bills[0]).toMatchObject({ state: 'blocked' });
    const credit = await arrive({ ...touchless('CN-1'), document_type: 'credit_note' });
    expect(credit.bills).toHaveLength(1);
    const byName = await arrive(bill({ invoice_number: 'N-1', supplier: { name: 'Acme Widgets', tax_id: null, iban: null, email: null }, po_reference: null }));
    expect(byName.bills[0]!.vendor_id).toBe('V001');
    // A clerk's correction of a bill read with low confidence: decided again as its next version.
    const unsure = (await arrive(widgets('R-1', 16, { total: '283.00', confidence: { total: 0.5 } }))).bills[0]!;
    expect(unsure.state).toBe('needs_review');
    const review = { bill_id: unsure.bill_id, expected_version: unsure.version, reviewer: 'clerk@example.com', note: null, changes: ['total: "283.00" → "238.00"'] };
    const reviewed = await arrive(widgets('R-1', 16), 'R-1.bill.json', { review });
    expect(reviewed.rows[0]!.bill_id).toBe(unsure.bill_id);
    expect((await w.admin.getBill(unsure.bill_id))!.revision).toBe(2);
    // The same part again (a retried task): the bill it already made.
    const again = guardedStore('decide-bill');
    const s = ok.submission;
    const read = await readSubmission(s, { documents: w.documents });
    expect((await decideSubmittedBill({ submission: s, part: read.parts[0]! }, { store: again.store, now: () => w.clock })).bill_id).toBe(ok.rows[0]!.bill_id);
    expect(refused(again.log)).toEqual([]);
  });

  it('BatchGetItem: what a use case asks for together goes out as one batch, allowed on the keys GetItem may read', async () => {
    // decide-bill: the decision's claims, the PO's billed quantities and the vendor's spend in one request.
    const s = submission('G-1.bill.json');
    await w.documents.put(s.document_key, new TextEncoder().encode(JSON.stringify(widgets('G-1', 19))));
    const read = await readSubmission(s, { documents: w.documents });
    const decider = guardedStore('decide-bill');
    const row = await decideSubmittedBill({ submission: s, part: read.parts[0]! }, { store: decider.store, now: () => w.clock });
    expect(row.state).toBe('awaiting_approval');
    const decided = decider.log.allowed.filter((a) => a.command === 'BatchGetItemCommand');
    // (A new store reads the master data it needs first: the PO may go in a batch of its own.)
    expect(decided.length).toBeGreaterThan(0);
    expect(decided.flatMap((a) => a.request.leadingKeys.map((k) => k.split('#')[0])).sort()).toEqual(expect.arrayContaining(['DOC', 'DUP', 'DUP', 'PO', 'VENDOR']));
    expect(refused(decider.log)).toEqual([]);
    // approval-desk: NotifyPeople reads a document's bills at once.
    const other = (await arrive(awaiting('G-2', 21))).rows[0]!;
    const desk = guardedStore('approval-desk');
    await notifyPeople({ submission: s, bills: [row, other] }, { store: desk.store, mailer: w.outbox, secret: SECRET, baseUrl: 'https://ack.example', now: () => w.clock });
    expect(desk.log.allowed.filter((a) => a.command === 'BatchGetItemCommand').map((a) => a.request.leadingKeys)).toEqual([[`BILL#${row.bill_id}`, `BILL#${other.bill_id}`]]);
    expect(refused(desk.log)).toEqual([]);
    // A batch with one key outside the role's is refused whole, as IAM refuses it.
    const reader = roleStatements('read-document', w.tableName);
    const batch = (...keys: string[]) => ({ action: 'dynamodb:BatchGetItem', resource: tableArn(w.tableName), leadingKeys: keys });
    expect(isAllowed(reader, batch('MASTER', 'POLICY'))).toBe(true);
    expect(isAllowed(reader, batch('POLICY', `BILL#${row.bill_id}`))).toBe(false);
  });

  it('read-document: its policy reader reads the current version’s policy, as the store does, and nothing else', async () => {
    const { client, log } = guardedClient('read-document');
    expect(await new DynamoPolicyReader({ tableName: w.tableName, client }).policy()).toEqual(await w.admin.policy());
    expect(refused(log)).toEqual([]);
  });

  it('extract: the policy’s confidence threshold (its only table read)', async () => {
    const { store, log } = guardedStore('extract');
    expect((await store.policy()).auto_approve_max.toString()).toBe('100');
    expect(refused(log)).toEqual([]);
  });

  it('record-failure: a whole document, one bill of it, and a review that could not be decided', async () => {
    const { store, log } = guardedStore('record-failure');
    const s = submission('broken.pdf');
    const row = await recordFailure({ submission: s, error: { Error: 'Boom', Cause: 'the reader fell over' } }, { store, now: () => w.clock });
    expect(row.state).toBe('needs_review');
    const again = await recordFailure({ submission: s, error: { Error: 'Boom' } }, { store, now: () => w.clock });
    expect(again.bill_id).toBe(row.bill_id);

    const one = submission('F-1.bill.json');
    await w.documents.put(one.document_key, new TextEncoder().encode(JSON.stringify(widgets('F-1', 17))));
    const [part] = (await readSubmission(one, { documents: w.documents })).parts;
    expect((await recordFailure({ submission: one, part: part!, error: { Error: 'States.Timeout' } }, { store, now: () => w.clock })).state).toBe('needs_review');

    const inReview = (await arrive(widgets('F-2', 18, { total: '999.00', confidence: { total: 0.5 } }))).bills[0]!;
    const review = { bill_id: inReview.bill_id, expected_version: inReview.version, reviewer: 'clerk@example.com', note: null, changes: [] };
    const failed = await recordFailure({ submission: { ...submission('F-2.bill.json'), review }, error: { Error: 'Boom' } }, { store, now: () => w.clock });
    expect(failed.bill_id).toBe(inReview.bill_id);
    expect((await w.admin.audit(inReview.bill_id)).map((a) => a.action)).toContain('review_not_applied');
    expect(refused(log)).toEqual([]);
  });

  it('approval-desk: records the task token and the links it sends; receipts and review links', async () => {
    const { bills } = await arrive(awaiting('D-1', 11));
    const desk = guardedStore('approval-desk');
    const deps = { store: desk.store, mailer: w.outbox, secret: SECRET, baseUrl: 'https://ack.example', now: () => w.clock, apInbox: 'ap@example.com' };
    expect(await requestApproval({ bill_id: bills[0]!.bill_id, task_token: 'task-token-1' }, deps)).toBe(true);
    expect((await w.admin.getBill(bills[0]!.bill_id))!.task_token).toBe('task-token-1');
    const unreadable = await arrive('this is not a bill', 'note.txt');
    expect(unreadable.bills[0]!.state).toBe('needs_review');
    expect(await notifyPeople({ submission: unreadable.submission, bills: unreadable.rows }, deps)).toMatchObject({ reviews: 1 });
    expect(refused(desk.log)).toEqual([]);
  });

  it('ack: approve, reject, override of a blocked bill, query; the bill page and the review page', async () => {
    const ack = guardedStore('ack');
    const deps: ApprovalDeps = { store: ack.store, secret: SECRET, now: () => w.clock, notifySupplier: async () => undefined, onSettled: async () => undefined };
    const links = async (id: string, who: string) => approvalLinks((await w.admin.getBill(id))!, w.clock, SECRET)[who]!;

    const a = (await arrive(awaiting('K-1', 12))).bills[0]!;
    expect(await viewLink((await links(a.bill_id, 'buyer@example.com')).approve, deps)).toMatchObject({ kind: 'confirm' });
    expect(await actOnLink((await links(a.bill_id, 'buyer@example.com')).approve, {}, deps)).toMatchObject({ kind: 'done', bill: { state: 'ready_for_payment' } });

    const r = (await arrive(bill({ invoice_number: 'K-2', lines: [{ line_id: '2', item_code: 'B-200', po_line: null, description: 'Gadget', quantity: '5', unit_code: 'C62', unit_price: '20.00', price_base_quantity: '1', net_amount: '100.00' }], net_total: '100.00', tax_total: '19.00', total: '119.00' }))).bills[0]!;
    expect(r.state).toBe('awaiting_approval');
    expect(await actOnLink((await links(r.bill_id, 'buyer@example.com')).reject, { reason: 'not ordered' }, deps)).toMatchObject({ kind: 'done', bill: { state: 'rejected' } });

    const b = (await arrive(bill({ invoice_number: 'K-3', supplier: { name: 'Blocked Supply AG', tax_id: 'DE111111111', iban: null, email: null }, po_reference: null }))).bills[0]!;
    expect(b.state).toBe('blocked');
    expect(await actOnLink((await links(b.bill_id, 'ap-admin@example.com')).approve, { reason: 'unblocked by the CFO, ticket 42' }, deps)).toMatchObject({ kind: 'done', bill: { state: 'ready_for_payment' } });

    const q = (await arrive(awaiting('K-4', 13))).bills[0]!;
    expect(await actOnLink((await links(q.bill_id, 'buyer@example.com')).query, { message: 'Which delivery is this?' }, deps)).toMatchObject({ kind: 'done', bill: { state: 'waiting_on_supplier' } });

    // The supplier answers by sending the bill again: decide-bill makes it the waiting bill's next version.
    const resent = await arrive(awaiting('K-4', 13));
    expect(resent.rows[0]!.bill_id).toBe(q.bill_id);
    expect((await w.admin.getBill(q.bill_id))!.state).not.toBe('waiting_on_supplier');

    const people = { store: ack.store, secret: SECRET, now: () => w.clock, baseUrl: 'https://ack.example', documents: w.documents, startReview: async () => undefined };
    const view = decodeURIComponent(billLink(a.bill_id, people).split('?t=')[1]!);
    expect((await handleBillView(view, people)).status).toBe(200);
    // The review link the approval desk emailed for an unreadable document (its own test, above, or here).
    const unreadable = await arrive('still not a bill', 'note2.txt');
    const desk = guardedStore('approval-desk');
    await notifyPeople({ submission: unreadable.submission, bills: unreadable.rows }, { store: desk.store, mailer: w.outbox, secret: SECRET, baseUrl: 'https://ack.example', now: () => w.clock, apInbox: 'ap@example.com' });
    const review = w.outbox.sent.filter((m) => m.tag === 'review-request' && m.billId === unreadable.rows[0]!.bill_id);
    expect(review).toHaveLength(1);
    const token = decodeURIComponent(/\/review\?t=(\S+)/.exec(review[0]!.text)![1]!);
    expect((await handleReview('GET', token, {}, people)).status).toBe(200);
    expect(refused(ack.log)).toEqual([]);
    expect(refused(desk.log)).toEqual([]);
  });

  it('sweep: reminders and escalations days later, recorded on the bills; the supplier reminder’s link answered on the ack function', async () => {
    const s1 = (await arrive(awaiting('S-1', 14))).bills[0]!;
    const s2 = (await arrive(awaiting('S-2', 15))).bills[0]!;
    const ack = guardedStore('ack');
    const links = approvalLinks((await w.admin.getBill(s2.bill_id))!, w.clock, SECRET)['buyer@example.com']!;
    expect(await actOnLink(links.query, { message: 'Which delivery?' }, { store: ack.store, secret: SECRET, now: () => w.clock })).toMatchObject({ kind: 'done', bill: { state: 'waiting_on_supplier' } });

    const sweep = guardedStore('sweep');
    const later = w.clock + 8 * DAY;
    const r = await dailySweep({ store: sweep.store, mailer: w.outbox, secret: SECRET, baseUrl: 'https://ack.example', now: () => later });
    expect(r.approvalReminders + (r.escalations ?? 0)).toBeGreaterThan(0);
    expect(r.supplierReminders).toBeGreaterThan(0);
    expect((await w.admin.audit(s1.bill_id)).length).toBeGreaterThan(1);
    expect(refused(sweep.log)).toEqual([]);

    const wait = w.outbox.sent.find((m) => m.billId === s2.bill_id && /\/wait\?t=/.test(m.text));
    const token = decodeURIComponent(/\/wait\?t=(\S+)/.exec(wait!.text)![1]!);
    const page = await handleWait('POST', token, { decision: 'resume', note: 'the supplier answered by phone' }, { store: ack.store, secret: SECRET, now: () => later });
    expect(page.status).toBe(200);
    expect((await w.admin.getBill(s2.bill_id))!.state).not.toBe('waiting_on_supplier');
    expect(refused(ack.log)).toEqual([]);
  });

  it('summary: the month’s figures from the month index, its claim, sent once', async () => {
    const summary = guardedStore('summary');
    const deps = { store: summary.store, mailer: w.outbox, chart: null, model: null, modelId: null, recipients: ['finance@example.com'], now: () => Date.parse('2026-04-06T09:00:00+02:00'), runId: () => randomUUID() };
    expect(await sendMonthlySummary({ month: '2026-03' }, deps)).toMatchObject({ status: 'sent', month: '2026-03' });
    expect(await sendMonthlySummary({ month: '2026-03' }, deps)).toEqual({ status: 'already_sent', month: '2026-03' });
    expect(refused(summary.log)).toEqual([]);
  });
});

describe('the lanes, under their own roles', () => {
  const dropDeps = (lane: ReturnType<typeof guardedLane>): MasterDropDeps => ({ store: lane.store, documents: w.documents, state: lane.state, now: () => (w.clock += 1000), ops: { mailer: w.outbox, to: 'ops@example.com' }, rematch: undefined });
  const file = (name: string, text: string) => ({ name, bytes: new TextEncoder().encode(text) });

  it('master-drop: a drop imported (audited against the current master data), the same drop again, a refused drop', async () => {
    const lane = guardedLane('master-drop');
    const changed = VENDORS.replace('Other Corp.,', 'Other Corporation,');
    // Everything else as it is (the drop is the whole set).
    const drop = dropFromFiles('drop', 's3://documents/master/incoming/drop.zip', [file('vendors.csv', changed), file('purchase_orders.csv', POS), file('goods_receipts.csv', GRN_CSV), file('policy.json', POLICY)]);
    const out = await importMasterDrop(drop, dropDeps(lane));
    expect(out.status).toBe('imported');
    expect(out.status === 'imported' && out.changes.map((c) => `${c.kind} ${c.id}`)).toContain('vendor V002');
    expect((await importMasterDrop(drop, dropDeps(lane))).status).toBe('duplicate');
    expect((await importMasterDrop(dropFromFiles('bad', 's3://documents/master/incoming/bad.csv', [file('vendors.csv', 'vendor_id,name\n,\n')]), dropDeps(lane))).status).toBe('refused');
    w.admin.forgetMasterVersion();
    expect((await w.admin.vendor('V002'))!.name).toBe('Other Corporation');
    expect(refused(lane.log)).toEqual([]);
  });

  it('drive-sync: a sheet revision into the drop lane, then nothing while unchanged', async () => {
    const lane = guardedLane('drive-sync');
    const rows = (csv: string) => csv.trim().split('\n').map((l) => l.split(','));
    const poHead = ['po_number', 'vendor_id', 'po_date', 'currency', 'status'];
    const sheet: SheetSource = {
      file: async () => ({ name: 'Orders', version: '7', modifiedTime: null }),
      tabs: async () => ({
        Vendors: rows(VENDORS),
        POs: [poHead, ['PO-7001', 'V001', '2026-02-01', 'EUR', 'open'], ['PO-7002', 'V002', '2026-02-01', 'EUR', 'open']],
        'PO lines': [['po_number', 'line_no', 'item_code', 'description', 'quantity', 'unit_price', 'receipt_required'], ['PO-7001', '1', 'A-100', 'Widget', '10', '12.50', 'true'], ['PO-7001', '2', 'B-200', 'Gadget', '5', '20.00', 'true'], ['PO-7002', '1', 'C-1', 'Consulting day', '12', '800', 'false']],
        Receipts: rows(GRN_CSV),
      }),
    };
    expect(await syncSheet(EVERY_LANE.driveSync.fileId, sheet, dropDeps(lane))).toMatchObject({ status: 'imported', version: '7' });
    expect(await syncSheet(EVERY_LANE.driveSync.fileId, sheet, dropDeps(lane))).toEqual({ status: 'unchanged', version: '7' });
    expect(refused(lane.log)).toEqual([]);
  });

  it('portal-poll: cursor, listing entries and downloads remembered; a bill landed once', async () => {
    const lane = guardedLane('portal-poll');
    const landed: string[] = [];
    const portal = {
      id: 'acme',
      open: async () => ({
        id: 'acme',
        signIn: async () => ({
          list: async () => [{ id: 'inv-1', name: 'inv-1.pdf', cursor: '2026-03-01T00:00:00Z' }],
          download: async () => new TextEncoder().encode('%PDF-1.4\n%%EOF\n'),
          close: async () => undefined,
        }),
      }),
    };
    const deps = { state: lane.state, uploads: {
        putOnce: async (key: string) => {
          landed.push(key);
          return 'written' as const;
        },
      }, now: () => w.clock };
    expect(await pollPortals([portal], deps)).toMatchObject([{ status: 'ok', landed: ['inv-1.pdf'] }]);
    expect(await pollPortals([portal], deps)).toMatchObject([{ status: 'ok', landed: [] }]);
    expect(landed).toHaveLength(1);
    expect(refused(lane.log)).toEqual([]);
  });
});

describe('the workspace, under its own role', () => {
  it('workspace: the worklist with its filters, searches and pages, a bill page, the master pages with their import history', async () => {
    const { client, log } = guardedClient('workspace');
    const store = new DynamoBillStore({ tableName: w.tableName, client });
    const origin = 'https://workspace.example';
    // The signed-in clerk (how the sign-in works is test/e2e/workspace-signin.test.ts's).
    const auth = {
      principal: async () => ({ user: 'clerk@example.com', groups: ['clerk'], session: 's1', kind: 'cookie' }),
      routes: () => [],
      unauthenticated: () => ({ status: 401 }),
      csrfToken: () => 'token',
    } as unknown as WebAuth;
    const app = workspaceApp({ store, lanes: new DynamoLaneState({ tableName: w.tableName, client }), documents: w.documents, now: () => w.clock, startReview: async () => undefined, auth, origin });
    const get = async (path: string) => {
      const r = await app.request(`${origin}${path}`, { headers: { host: 'workspace.example' } });
      return { status: r.status, text: await r.text() };
    };
    const bills = await w.admin.listBills();
    expect(bills.length).toBeGreaterThan(3);
    const some = bills.find((b) => b.invoice_number && b.po_number) ?? bills[0]!;
    const paths = [
      '/',
      '/?state=flagged',
      '/?state=awaiting_approval&sort=amount_desc',
      `/?q=${encodeURIComponent(some.invoice_number ?? '')}`,
      `/?q=${encodeURIComponent(some.po_number ?? 'PO-1')}`,
      '/?code=PRICE_VARIANCE',
      `/bills/${encodeURIComponent(some.bill_id)}`,
      '/master',
      '/master/vendors',
      '/master/purchase-orders',
      '/master/receipts',
      '/master/policy',
    ];
    for (const p of paths) expect({ p, status: (await get(p)).status }).toEqual({ p, status: 200 });
    const first = (await get('/')).text;
    expect(first).toContain(some.bill_id);
    // A page link (next) is followed as a browser would.
    const next = /href="(\/\?[^"]*(?:after|cursor|page)=[^"]+)"/.exec(first)?.[1]?.replaceAll('&amp;', '&');
    if (next) expect((await get(next)).status).toBe(200);
    expect(refused(log)).toEqual([]);
  });
});
