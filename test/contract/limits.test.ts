/**
 * Document limits (spec/domain.md §10): at most `max_bills_per_document` bills per document and
 * 5,000 lines per bill; beyond either, one result — part 0, UNREADABLE naming the limit — and
 * nothing of the document decided. Against DynamoDB Local, through the read and decide tasks.
 */
import { describe, expect, it } from 'vitest';
import type { DocumentStore } from '../../lambdas/core/ports/documents.ts';
import { readSubmission } from '../../lambdas/core/read-submission.ts';
import { decideSubmittedBill, type Submission } from '../../lambdas/core/submission.ts';
import { master, POLICY_JSON } from '../support/builders.ts';
import { freshStore } from '../support/db.ts';

const HEADER = 'invoice_number,issue_date,due_date,currency,supplier_name,supplier_tax_id,po_reference,line_id,item_code,description,quantity,unit_code,unit_price,net_amount,net_total,tax_total,total';

/** `bills` one-line bills in one CSV. */
function csvOf(bills: number): string {
  const rows = Array.from({ length: bills }, (_, i) => `C-${i + 1},2026-03-02,,EUR,Acme GmbH,DE123456789,PO-7001,1,A-100,Widget,1,C62,12.50,12.50,12.50,2.38,14.88`);
  return `${HEADER}\n${rows.join('\n')}\n`;
}

/** One bill with `lines` lines. */
function csvLines(lines: number): string {
  const rows = Array.from({ length: lines }, (_, i) =>
    i === 0
      ? `BIG-1,2026-03-02,,EUR,Acme GmbH,DE123456789,PO-7001,1,A-100,Widget,1,C62,1.00,1.00,${lines}.00,0.00,${lines}.00`
      : `,,,,,,,${i + 1},A-100,Widget,1,C62,1.00,1.00,,,`,
  );
  return `${HEADER}\n${rows.join('\n')}\n`;
}

function docs(files: Record<string, string>): DocumentStore {
  const enc = new TextEncoder();
  return {
    get: async (k: string) => (files[k] === undefined ? null : enc.encode(files[k])),
    put: async () => undefined,
  } as unknown as DocumentStore;
}

const submission = (key: string): Submission => ({ id: `s-${key}`, document_key: key, name: key, submitter: null, received_at: '2026-03-03T09:00:00.000Z' });

async function world(policy: Record<string, unknown> = {}) {
  const store = await freshStore();
  await store.importMaster(master({ 'policy.json': JSON.stringify({ ...JSON.parse(POLICY_JSON), ...policy }) }));
  return store;
}

describe('document limits', () => {
  it('a CSV of 101 bills gives one UNREADABLE result naming the limit, and nothing is decided but that', async () => {
    const store = await world();
    const documents = docs({ 'many.csv': csvOf(101) });
    const out = await readSubmission(submission('many.csv'), { documents, store });
    expect(out.parts).toHaveLength(1);
    expect(out.parts[0]).toMatchObject({ part: 0, bill: null, exceptions: [{ code: 'UNREADABLE', message: expect.stringContaining('101 bills, over the limit of 100 bills per document (policy max_bills_per_document)') }] });
    const row = await decideSubmittedBill({ submission: submission('many.csv'), part: out.parts[0]! }, { store, now: () => Date.parse('2026-03-03T10:00:00Z') });
    expect(row).toMatchObject({ state: 'needs_review', part: 0 });
    expect(await store.listBills({ state: 'awaiting_approval' })).toEqual([]);
  });

  it('the policy sets the limit: 100 bills are read under the default, 3 refuse under max_bills_per_document 2', async () => {
    const store = await world({ max_bills_per_document: 2 });
    expect((await readSubmission(submission('three.csv'), { documents: docs({ 'three.csv': csvOf(3) }), store })).parts).toHaveLength(1);
    expect((await readSubmission(submission('two.csv'), { documents: docs({ 'two.csv': csvOf(2) }), store })).parts).toHaveLength(2);
    expect((await readSubmission(submission('hundred.csv'), { documents: docs({ 'hundred.csv': csvOf(100) }) })).parts).toHaveLength(100);
  });

  it('a bill of 5,001 lines refuses the document; 5,000 lines are read', async () => {
    const store = await world();
    const over = await readSubmission(submission('over.csv'), { documents: docs({ 'over.csv': csvLines(5001) }), store });
    expect(over.parts).toHaveLength(1);
    expect(over.parts[0]!.exceptions[0]!.message).toContain('bill BIG-1 has 5,001 lines, over the limit of 5,000 lines per bill');
    const at = await readSubmission(submission('at.csv'), { documents: docs({ 'at.csv': csvLines(5000) }), store });
    expect(at.parts).toHaveLength(1);
    expect((at.parts[0]!.bill as { lines: unknown[] }).lines).toHaveLength(5000);
  }, 60_000);

  it('refuses a policy with an impossible max_bills_per_document by name', () => {
    expect(() => master({ 'policy.json': JSON.stringify({ ...JSON.parse(POLICY_JSON), max_bills_per_document: 0 }) })).toThrow(/policy\.json: max_bills_per_document/);
    // Above 5,000 the document workflow's Map output (the bills' ids) would near Step Functions' 256 KiB.
    expect(() => master({ 'policy.json': JSON.stringify({ ...JSON.parse(POLICY_JSON), max_bills_per_document: 5_001 }) })).toThrow(/policy\.json: max_bills_per_document/);
    expect(master({ 'policy.json': JSON.stringify({ ...JSON.parse(POLICY_JSON), max_bills_per_document: 5_000 }) }).policy.max_bills_per_document).toBe(5_000);
  });
});
