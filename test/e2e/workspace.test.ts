/**
 * The AP workspace in real Chromium, in its two homes (test/support/homes.ts): `bm start`'s server
 * with the local session, and the workspace Lambda handler behind an API Gateway event bridge with
 * Cognito sign-in (ID tokens signed by a test key set, verified for real). The worklist over 10,000
 * bills (seeded straight into the table with batch writes) and a few decided by the
 * pipeline, the bill page, the master data pages, formatting, accessibility (axe-core) and 390 px
 * phones. The tests themselves (workspace-pages.ts) take a base URL and a signed-in page only.
 */
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterAll, beforeAll, inject } from 'vitest';
import { localClient } from '../../lambdas/adapters/local/local-stack.ts';
import { loadMasterFolder } from '../../lambdas/adapters/local/master-folder.ts';
import { DynamoLaneState } from '../../lambdas/lanes/dynamo-state.ts';
import { importWithAudit } from '../../lambdas/lanes/master-drop.ts';
import { forEachHome } from '../support/homes.ts';
import { DEMO, misreadCastorBill, submitBill, type TestStack } from '../support/local.ts';
import { generatedBill, SEED_BROTLI_QUALITY, seedBills } from '../support/worklist-bills.ts';
import { workspacePageTests, type WorkspaceHome } from './workspace-pages.ts';

/** What both homes show: seeded once into the stack they share. */
type Seeded = Omit<WorkspaceHome, 'baseUrl' | 'page' | 'user' | 'local'>;
let seeded: Promise<Seeded> | null = null;

async function seed(stack: TestStack): Promise<Seeded> {
  const submit = async (name: string) => {
    const o = await stack.submit({ bytes: readFileSync(join(DEMO, 'bills', name)), name });
    if (o.kind !== 'processed') throw new Error(`${name}: ${o.kind}`);
    return (await stack.store.getBill(o.execution.bills[0]!.bill_id))!;
  };
  await submit('01-acme-office.xml');
  const castor = await submit('03-castor-drills.xml');
  await submit('08-gamma-electrical.xml');
  const review = await submitBill(stack, misreadCastorBill('CT-90001'), 'misread.bill.json');

  // 10,000 bills straight into the table; bob's approvals go to the signed-in user.
  const bills = Array.from({ length: 10_000 }, (_, i) => generatedBill(i, Date.parse('2026-10-01T07:00:00.000Z'))).map((b) => ({
    ...b,
    approvers: b.approvers.map((a) => (a === 'bob@example.com' ? stack.user : a)),
  }));
  const client = localClient(inject('dynamoEndpoint'));
  await seedBills(client, stack.dynamo.tableName, bills, { brotliQuality: SEED_BROTLI_QUALITY });

  // An import by a person that changes a vendor's IBAN: audited with the importer.
  const master = await loadMasterFolder(join(DEMO, 'master'));
  const v = master.vendors[0]!;
  const newIban = 'DE02120300000000202051';
  await importWithAudit(
    { ...master, vendors: master.vendors.map((x) => (x.vendor_id === v.vendor_id ? { ...x, iban: newIban } : x)) },
    { store: stack.store, state: new DynamoLaneState({ tableName: stack.dynamo.tableName, client }), now: Date.now },
    { by: 'ops@northwind.example', source: 'bm import bin/demo/master (IBAN changed)' },
  );
  stack.store.forgetMasterVersion();
  client.destroy();

  const mine = bills.find((b) => b.state === 'awaiting_approval' && b.approvers.includes(stack.user))!;
  return {
    counts: (await stack.store.countBills()).counts,
    mine: { billId: mine.bill_id, invoice: mine.invoice_number! },
    matched: { billId: castor.bill_id, invoice: castor.invoice_number!, po: castor.po_number! },
    review: { billId: review.bill_id },
    changedVendor: { id: v.vendor_id, by: 'ops@northwind.example', oldIban: v.iban!, newIban },
    po: master.goodsReceipts[0]!.po_number,
  };
}

forEachHome('the AP workspace', (home) => {
  let wh: WorkspaceHome;

  beforeAll(async () => {
    const stack = home().stack;
    const data = await (seeded ??= seed(stack));
    // The signed-in user is the one the seeded approvals wait on; a clerk (reviews) and an approver.
    const page = await home().signedInPage(['clerk', 'approver', 'admin'], stack.user, { bypassCSP: true });
    wh = { ...data, baseUrl: home().baseUrl, page, user: stack.user, local: home().name === 'local' };
  }, 180_000);

  afterAll(async () => wh?.page.context().close());

  workspacePageTests(() => wh);
});
