/**
 * Reviewing a `needs_review` bill: the clerk's correction is checked, then the same workflow
 * decides it again as the next version of the same bill (DynamoDB Local, the ASL interpreter),
 * with an audit row naming the reviewer and the changed fields; an approver is asked when the
 * corrected bill needs one.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { ReviewConflictError, ReviewRefusedError, changedFields, submitReview } from '../../lambdas/core/review.ts';
import { misreadCastorBill, submitBill, testStack, waitFor, type TestStack } from '../support/local.ts';

describe('reviewing a bill', () => {
  let stack: TestStack;
  beforeAll(async () => {
    stack = await testStack({ honourWaits: false });
  }, 60_000);
  afterAll(async () => stack?.dispose());

  async function inReview(invoice: string) {
    const bill = await submitBill(stack, misreadCastorBill(invoice), `${invoice}.bill.json`);
    expect(bill.state).toBe('needs_review');
    return bill;
  }

  it('decides the corrected bill again as its next version, asks its approver, and audits who changed what', async () => {
    const bill = await inReview('CT-1001');
    const corrected = { ...bill.canonical!, total: '1523.20' };
    const submission = await submitReview(
      { billId: bill.bill_id, expectedVersion: bill.version, corrected, reviewer: 'clerk@northwind.example', note: 'digits swapped on the scan' },
      {
        store: stack.store,
        documents: stack.documents,
        now: () => Date.parse('2026-03-04T10:00:00+01:00'),
        start: async (s) => {
          const outcome = await stack.workflow.run(s);
          expect(outcome.bills.map((b) => b.bill_id)).toEqual([bill.bill_id]);
        },
      },
    );
    // Version 1 is the decision; the review link emailed for it (an audit row) makes it 2.
    expect(submission.review).toMatchObject({ bill_id: bill.bill_id, expected_version: 2, changes: ['total: "1532.20" → "1523.20"'] });

    const after = (await stack.store.getBill(bill.bill_id))!;
    // Version 3 is the new decision (the bill's second revision); the approval request (its task token) makes it 4.
    expect(after).toMatchObject({ version: 4, revision: 2, state: 'awaiting_approval', total: '1523.20', approvers: ['workshop@northwind.example'], created_at: bill.created_at });
    // The confirmed bill carries no confidence any more, and keeps where it came from.
    expect(after.canonical?.confidence).toBeUndefined();
    expect(after.source).toEqual(bill.source);

    const audit = await stack.store.audit(bill.bill_id);
    const reviewed = audit.find((a) => a.action === 'reviewed')!;
    expect(reviewed).toMatchObject({ actor: 'clerk@northwind.example', from_state: 'needs_review' });
    expect(reviewed.message).toContain('total: "1532.20" → "1523.20"');
    expect(reviewed.message).toContain('digits swapped on the scan');
    expect(audit[audit.indexOf(reviewed) + 1]).toMatchObject({ actor: 'system', from_state: 'needs_review', to_state: 'awaiting_approval' });

    const email = await waitFor('the approval email', async () => (await stack.outbox.list()).find((e) => e.billId === bill.bill_id && e.tag === 'approval-request'));
    expect(email.to).toContain('workshop@northwind.example');
  });

  it('refuses a correction made on an older version, and writes nothing', async () => {
    const bill = await inReview('CT-1002');
    let started = false;
    await expect(
      submitReview(
        { billId: bill.bill_id, expectedVersion: bill.version - 1 || 99, corrected: { ...bill.canonical!, total: '1523.20' }, reviewer: 'clerk@northwind.example' },
        { store: stack.store, documents: stack.documents, now: Date.now, start: async () => void (started = true) },
      ),
    ).rejects.toBeInstanceOf(ReviewConflictError);
    expect(started).toBe(false);
    expect((await stack.store.getBill(bill.bill_id))!.version).toBe(bill.version);
    expect(await stack.documents.get(`reviews/${bill.bill_id}/v${bill.version}.bill.json`)).toBeNull();
  });

  it('names each bad field and writes nothing', async () => {
    const bill = await inReview('CT-1003');
    const corrected = { ...bill.canonical!, lines: [{ ...bill.canonical!.lines![0]!, quantity: 'two' }] };
    const err = await submitReview(
      { billId: bill.bill_id, expectedVersion: bill.version, corrected, reviewer: 'clerk@northwind.example' },
      { store: stack.store, documents: stack.documents, now: Date.now, start: async () => expect.fail('must not start') },
    ).catch((e: unknown) => e);
    expect(err).toBeInstanceOf(ReviewRefusedError);
    expect((err as ReviewRefusedError).problems.map((p) => p.field)).toContain('lines[0].quantity');
    expect((await stack.store.getBill(bill.bill_id))!.version).toBe(bill.version);

    // Sums that still do not add up are refused the same way, naming the total.
    const stillWrong = await submitReview(
      { billId: bill.bill_id, expectedVersion: bill.version, corrected: { ...bill.canonical!, total: '1500.00' }, reviewer: 'clerk@northwind.example' },
      { store: stack.store, documents: stack.documents, now: Date.now, start: async () => expect.fail('must not start') },
    ).catch((e: unknown) => e);
    expect((stillWrong as ReviewRefusedError).problems.map((p) => p.message).join(' ')).toContain('TOTALS_INCONSISTENT');
  });

  it('refuses a bill that is not in review, and a review without a reviewer', async () => {
    const bill = await inReview('CT-1004');
    await expect(
      submitReview({ billId: bill.bill_id, expectedVersion: bill.version, corrected: bill.canonical, reviewer: '  ' }, { store: stack.store, documents: stack.documents, now: Date.now, start: async () => expect.fail('must not start') }),
    ).rejects.toThrow(/email address/);
    const decided = (await stack.store.listBills({ state: 'ready_for_payment' }))[0] ?? (await stack.store.listBills({ state: 'awaiting_approval' }))[0];
    expect(decided).toBeDefined();
    await expect(
      submitReview({ billId: decided!.bill_id, expectedVersion: decided!.version, corrected: decided!.canonical, reviewer: 'clerk@northwind.example' }, { store: stack.store, documents: stack.documents, now: Date.now, start: async () => expect.fail('must not start') }),
    ).rejects.toThrow(/not needs_review/);
  });

  it('a review delivered twice is decided once', async () => {
    const bill = await inReview('CT-1005');
    const corrected = { ...bill.canonical!, total: '1523.20' };
    const submission = await submitReview(
      { billId: bill.bill_id, expectedVersion: bill.version, corrected, reviewer: 'clerk@northwind.example' },
      { store: stack.store, documents: stack.documents, now: Date.now, start: async (s) => void (await stack.workflow.run(s)) },
    );
    // The same submission again (a redelivered message): the execution name is taken.
    await expect(stack.workflow.run(submission)).rejects.toThrow();
    expect((await stack.store.audit(bill.bill_id)).filter((a) => a.action === 'reviewed')).toHaveLength(1);
    // And DecideBill retried on the same review finds it applied, deciding nothing again.
    const { decideSubmittedBill } = await import('../../lambdas/core/submission.ts');
    const before = (await stack.store.getBill(bill.bill_id))!;
    const part = { part: 0, format: 'bill-json', bill: corrected as Record<string, unknown>, exceptions: [], document_hash: 'x', document_part: null, origin: null, email: null, needs_extraction: false, extraction: null };
    expect(await decideSubmittedBill({ submission, part }, { store: stack.store, now: Date.now })).toMatchObject({ bill_id: bill.bill_id, state: before.state });
    expect((await stack.store.getBill(bill.bill_id))!.version).toBe(before.version);
  });
});

describe('changedFields', () => {
  it('lists every changed leaf as path: old → new, ignoring confidence', () => {
    expect(
      changedFields(
        { total: '10', supplier: { name: 'A' }, lines: [{ quantity: '1' }], confidence: { total: 0.2 } },
        { total: '12', supplier: { name: 'A', tax_id: 'DE1' }, lines: [{ quantity: '1' }, { quantity: '3' }] },
      ),
    ).toEqual(['lines[1].quantity: (empty) → "3"', 'supplier.tax_id: (empty) → "DE1"', 'total: "10" → "12"']);
  });
});

describe('segregation of duties in review', () => {
  let stack: TestStack;
  beforeAll(async () => {
    stack = await testStack({ honourWaits: false });
  }, 60_000);
  afterAll(async () => stack?.dispose());

  it("the vendor's approver who corrected the bill does not approve it: the next in line is asked", async () => {
    const bill = await submitBill(stack, misreadCastorBill('CT-1101'), 'CT-1101.bill.json');
    await submitReview(
      { billId: bill.bill_id, expectedVersion: bill.version, corrected: { ...bill.canonical!, total: '1523.20' }, reviewer: 'Workshop@Northwind.example' },
      { store: stack.store, documents: stack.documents, now: Date.now, start: async (s) => void (await stack.workflow.run(s)) },
    );
    const after = (await stack.store.getBill(bill.bill_id))!;
    expect(after.state).toBe('awaiting_approval');
    expect(after.approvers).toEqual(['ap-admin@northwind.example']);
  });
});

describe('a review the bill outgrew', () => {
  let stack: TestStack;
  beforeAll(async () => {
    stack = await testStack({ honourWaits: false });
  }, 60_000);
  afterAll(async () => stack?.dispose());

  it('is not applied: the bill stays as it was, and its trail says whose correction and why', async () => {
    const bill = await submitBill(stack, misreadCastorBill('CT-1201'), 'CT-1201.bill.json');
    await submitReview(
      { billId: bill.bill_id, expectedVersion: bill.version, corrected: { ...bill.canonical!, total: '1523.20' }, reviewer: 'clerk@northwind.example' },
      {
        store: stack.store,
        documents: stack.documents,
        now: Date.now,
        async start(s) {
          // Someone else changes the bill between the check and the decision.
          const now = (await stack.store.getBill(bill.bill_id))!;
          await stack.store.commitTransition({
            bill: { ...now, version: now.version + 1 },
            expectedVersion: now.version,
            audit: [{ at: new Date().toISOString(), actor: 'other@northwind.example', action: 'note', from_state: now.state, to_state: now.state, message: 'looked at it', codes: [] }],
            nonce: null,
            spend: null,
            releases: [],
            duplicateClaim: null,
          });
          await stack.workflow.run(s);
        },
      },
    );
    const after = (await stack.store.getBill(bill.bill_id))!;
    expect(after.state).toBe('needs_review');
    expect(after.total).toBe('1532.20');
    const trail = await stack.store.audit(bill.bill_id);
    expect(trail.some((a) => a.action === 'reviewed')).toBe(false);
    expect(trail.at(-1)).toMatchObject({ action: 'review_not_applied' });
    expect(trail.at(-1)!.message).toMatch(/correction by clerk@northwind\.example .* was not applied: ReviewConflictError/);
  });
});
