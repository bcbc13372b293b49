/**
 * Nothing acknowledged is lost: a document is journaled (fsync'd) before the SMTP `250`, and
 * every journaled document without an outcome runs again at the next start. An execution name
 * claimed by a run that never recorded an outcome does not make the document "received before".
 */
import { randomUUID } from 'node:crypto';
import { readFileSync } from 'node:fs';
import { mkdtemp, readdir, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { inject } from 'vitest';
import { injectWriteFailure } from '../../lambdas/adapters/local/durable-file.ts';
import { Journal } from '../../lambdas/adapters/local/journal.ts';
import { loadMasterFolder } from '../../lambdas/adapters/local/master-folder.ts';
import { executionName } from '../../lambdas/adapters/local/local-workflow.ts';
import { startLocalStack, type LocalStack, type LocalStackOptions, type StackEvent } from '../../lambdas/adapters/local/stack.ts';
import { FolderDocumentStore } from '../../lambdas/adapters/local/folder-documents.ts';
import { openLocalStore } from '../../lambdas/adapters/local/local-stack.ts';
import { DEMO, sendMail } from '../support/local.ts';
import { main } from '../../lambdas/cli/main.ts';

const bill = (name: string) => join(DEMO, 'bills', name);

describe('durable local intake', () => {
  const cleanup: (() => Promise<void>)[] = [];
  afterEach(async () => {
    injectWriteFailure(null);
    for (const c of cleanup.splice(0).reverse()) await c();
  });

  async function home(): Promise<string> {
    const h = await mkdtemp(join(tmpdir(), 'bm-durable-'));
    cleanup.push(() => rm(h, { recursive: true, force: true }));
    return h;
  }

  async function start(h: string, tableName: string, extra: Partial<LocalStackOptions> = {}): Promise<LocalStack & { events: StackEvent[] }> {
    const events: StackEvent[] = [];
    const stack = await startLocalStack({ home: h, database: { endpoint: inject('dynamoEndpoint'), tableName }, dropIntervalMs: 100, retryIntervalMs: 100, onEvent: (e) => events.push(e), ...extra });
    cleanup.push(() => stack.stop());
    return Object.assign(stack, { events });
  }

  it('runs at start every journaled document that has no outcome, in arrival order, and empties the journal', async () => {
    const h = await home();
    const table = `t-${randomUUID()}`;
    // What a crash leaves: two documents stored and journaled (acknowledged), never run.
    const documents = new FolderDocumentStore(join(h, 'documents'));
    const journal = new Journal(join(h, 'journal'));
    await journal.open();
    const at = Date.parse('2026-03-02T09:00:00Z');
    for (const [i, f] of ['01-acme-office.xml', '05-acme-office-resent.cii.xml'].entries()) {
      await documents.put(`drop/${f}`, readFileSync(bill(f)));
      await journal.append({ id: `drop:${f}`, document_key: `drop/${f}`, name: f, submitter: null, received_at: new Date(at + i).toISOString() }, 'drop', at + i);
    }
    // The database already holds the master data.
    const { store, client } = await openLocalStore(inject('dynamoEndpoint'), table);
    await store.importMaster(await loadMasterFolder(join(DEMO, 'master')));
    client.destroy();

    const stack = await start(h, table);
    await stack.idle();
    expect(stack.events.find((e) => e.kind === 'notice')).toMatchObject({ message: expect.stringMatching(/^2 documents accepted before the last stop had no outcome yet/) });
    const outcomes = stack.events.flatMap((e) => (e.kind === 'outcome' && e.outcome.kind === 'processed' ? e.outcome.execution.bills.map((r) => [r.input, r.state]) : []));
    expect(outcomes).toEqual([
      ['01-acme-office.xml', 'ready_for_payment'],
      ['05-acme-office-resent.cii.xml', 'blocked'],
    ]);
    expect(await readdir(join(h, 'journal'))).toEqual([]);
  });

  it('an entry whose removal a power cut undid (its outcome recorded) is found already processed at start: nothing decided twice', async () => {
    const h = await home();
    const table = `t-${randomUUID()}`;
    const documents = new FolderDocumentStore(join(h, 'documents'));
    const journal = new Journal(join(h, 'journal'));
    await journal.open();
    const f = '01-acme-office.xml';
    const at = Date.parse('2026-03-02T09:00:00Z');
    const submission = { id: `drop:${f}`, document_key: `drop/${f}`, name: f, submitter: null, received_at: new Date(at).toISOString() };
    await documents.put(`drop/${f}`, readFileSync(bill(f)));
    const entry = await journal.append(submission, 'drop', at);
    const { store, client } = await openLocalStore(inject('dynamoEndpoint'), table);
    await store.importMaster(await loadMasterFolder(join(DEMO, 'master')));

    const first = await start(h, table);
    await first.idle();
    expect(first.events.some((e) => e.kind === 'outcome' && e.outcome.kind === 'processed')).toBe(true);
    expect(await readdir(join(h, 'journal'))).toEqual([]);
    await first.stop();

    // The removal was not flushed, and the power went: the entry is back as it was written.
    await journal.append(submission, 'drop', at, entry.name);
    const second = await start(h, table);
    await second.idle();
    expect(second.events.filter((e) => e.kind === 'outcome').map((e) => e.kind === 'outcome' && e.outcome.kind)).toEqual(['already_processed']);
    expect((await store.listBills()).map((b) => b.state)).toEqual(['ready_for_payment']);
    expect(await readdir(join(h, 'journal'))).toEqual([]);
    client.destroy();
  });

  it('a crash during a decision does not make the document "received before": the claimed execution runs again', async () => {
    const h = await home();
    const table = `t-${randomUUID()}`;
    const stack = await start(h, table);
    await stack.store.importMaster(await loadMasterFolder(join(DEMO, 'master')));
    const bytes = readFileSync(bill('01-acme-office.xml'));
    const id = 'mail:crash-during-decision@acme.example';
    // The name was claimed, then the process died before any bill was recorded.
    const original = { id, document_key: 'inbox/x/crashed.eml', name: 'Invoice 1', submitter: 'ap@acme.example', received_at: '2026-03-02T09:00:00.000Z' };
    await stack.documents.put(original.document_key, bytes);
    expect(await stack.store.claimExecutionName(executionName(id), original.received_at, { submission: original })).toBe(true);

    const outcome = await stack.submit({ bytes, name: 'acme.xml', id });
    expect(outcome.kind).toBe('processed');
    const rows = outcome.kind === 'processed' ? outcome.execution.bills : [];
    expect(rows).toHaveLength(1);
    expect(rows[0]!.state).toBe('ready_for_payment');
    // It ran on its original input, as a redrive does.
    expect((await stack.store.getBill(rows[0]!.bill_id))!.source.input).toBe('Invoice 1');
    // Now it has an outcome: a second delivery is received before.
    expect((await stack.submit({ bytes, name: 'acme.xml', id })).kind).toBe('already_processed');
    expect(await stack.store.executionRecord(executionName(id))).toMatchObject({ status: 'SUCCEEDED' });
  });

  it('answers 451 and keeps nothing when the document cannot be written (disk full); the resent mail is decided', async () => {
    const h = await home();
    const stack = await start(h, `t-${randomUUID()}`);
    await stack.store.importMaster(await loadMasterFolder(join(DEMO, 'master')));
    const mail = { from: 'ap@acme.example', subject: 'Invoice', text: 'attached', messageId: '<enospc@acme.example>', attachments: [{ filename: 'a.xml', path: bill('01-acme-office.xml') }] };
    injectWriteFailure('ENOSPC');
    await expect(sendMail(stack, mail)).rejects.toThrow(/451/);
    expect(await readdir(join(h, 'journal'))).toEqual([]);
    injectWriteFailure(null);
    expect((await sendMail(stack, mail)).response).toMatch(/^250 /);
    await stack.idle();
    const bills = await stack.store.listBills();
    expect(bills.map((b) => b.state)).toEqual(['ready_for_payment']);
    expect(await readdir(join(h, 'journal'))).toEqual([]);
  });

  it('leaves a dropped file where it is while it cannot be taken, and takes it once it can', async () => {
    const h = await home();
    const stack = await start(h, `t-${randomUUID()}`);
    await stack.store.importMaster(await loadMasterFolder(join(DEMO, 'master')));
    injectWriteFailure('ENOSPC');
    const { copyFile } = await import('node:fs/promises');
    await copyFile(bill('01-acme-office.xml'), join(stack.dropDir, 'acme.xml'));
    await waitUntil(() => stack.events.some((e) => e.kind === 'problem' && e.message.includes('ENOSPC')));
    expect(await readdir(stack.dropDir)).toContain('acme.xml');
    injectWriteFailure(null);
    await waitUntil(async () => (await readdir(join(stack.dropDir, 'processed'))).includes('acme.xml'));
    await stack.idle();
    expect((await stack.store.listBills()).map((b) => b.state)).toEqual(['ready_for_payment']);
  });

  it('an approval request held for quiet hours survives a restart and is emailed once when its time comes', async () => {
    const h = await home();
    const table = `t-${randomUUID()}`;
    // Tomorrow at 21:00 in Berlin: the request waits for 08:00, for real.
    const tomorrow = new Date(Date.now() + 86_400_000).toISOString().slice(0, 10);
    const nowMs = Date.parse(`${tomorrow}T21:00:00+01:00`);
    const first = await start(h, table, { honourWaits: true, now: () => nowMs });
    await first.store.importMaster(await loadMasterFolder(join(DEMO, 'master')));
    const outcome = await first.submit({ bytes: readFileSync(bill('03-castor-drills.xml')), name: 'drills.xml' });
    const row = outcome.kind === 'processed' ? outcome.execution.bills[0]! : null;
    expect(row?.state).toBe('flagged');
    await first.stop();
    expect(await first.outbox.list()).toEqual([]);

    // Restarted when the hold's time has come (the wait is not honoured: 08:00 is now).
    const second = await start(h, table);
    await waitUntil(async () => (await second.outbox.list()).length > 0);
    expect(second.events.find((e) => e.kind === 'notice')).toMatchObject({ message: expect.stringMatching(/^1 approval request held before the last stop/) });
    const sent = await second.outbox.list();
    expect(sent).toHaveLength(1);
    expect(sent[0]).toMatchObject({ tag: 'approval-request', billId: row!.bill_id });
    await second.stop();

    // Emailed once: a third start sends nothing again.
    const third = await start(h, table);
    await new Promise((r) => setTimeout(r, 500));
    expect(await third.outbox.list()).toHaveLength(1);
  });

  it('bm redrive runs again a document execution that was claimed and never finished, on the running stack', async () => {
    const h = await home();
    const stack = await start(h, `t-${randomUUID()}`);
    await stack.store.importMaster(await loadMasterFolder(join(DEMO, 'master')));
    const original = { id: 'review-like:cut-short', document_key: 'submitted/cut-short.xml', name: 'cut-short.xml', submitter: null, received_at: '2026-03-02T09:00:00.000Z' };
    await stack.documents.put(original.document_key, readFileSync(bill('01-acme-office.xml')));
    await stack.store.claimExecutionName(executionName(original.id), original.received_at, { submission: original });
    let out = '';
    expect(await main(['redrive', '--home', h], { stdout: (t) => (out += t), stderr: (t) => (out += t) })).toBe(0);
    expect(out).toMatch(/1 document execution and 0 approval executions redriven/);
    await waitUntil(async () => (await stack.store.executionRecord(executionName(original.id)))?.status === 'SUCCEEDED');
    expect((await stack.store.listBills()).map((b) => [b.source.input, b.state])).toEqual([['cut-short.xml', 'ready_for_payment']]);
  });

  it('bm redrive --stack redrives every failed, timed-out or aborted execution of both workflows', async () => {
    const calls: { name: string; input: Record<string, unknown> }[] = [];
    const sfn = {
      async send(command: { constructor: { name: string }; input: Record<string, unknown> }) {
        calls.push({ name: command.constructor.name, input: command.input });
        if (command.constructor.name === 'ListExecutionsCommand') {
          return command.input.statusFilter === 'FAILED' && String(command.input.stateMachineArn).endsWith(':doc') ? { executions: [{ executionArn: 'arn:exec:1', name: 'mail-1' }] } : { executions: [] };
        }
        return {};
      },
    };
    const cloudFormation = { send: async () => ({ Stacks: [{ Outputs: [{ OutputKey: 'StateMachineArn', OutputValue: 'arn:sm:doc' }, { OutputKey: 'ApprovalStateMachineArn', OutputValue: 'arn:sm:approve' }] }] }) };
    let out = '';
    const { redriveCommand } = await import('../../lambdas/cli/redrive.ts');
    expect(await redriveCommand(['--stack', 'bm'], { stdout: (t) => (out += t), stderr: (t) => (out += t) }, { sfn: sfn as never, cloudFormation: cloudFormation as never })).toBe(0);
    expect(calls.filter((c) => c.name === 'ListExecutionsCommand').map((c) => `${c.input.stateMachineArn} ${c.input.statusFilter}`)).toEqual([
      'arn:sm:doc FAILED', 'arn:sm:doc TIMED_OUT', 'arn:sm:doc ABORTED', 'arn:sm:approve FAILED', 'arn:sm:approve TIMED_OUT', 'arn:sm:approve ABORTED',
    ]);
    expect(calls.filter((c) => c.name === 'RedriveExecutionCommand').map((c) => c.input.executionArn)).toEqual(['arn:exec:1']);
    expect(out).toContain('1 execution redriven in bm');
  });

  it('a document execution that ended FAILED is recorded from its EventBridge status change: a needs_review bill with the reason', async () => {
    const { makeHandler } = await import('../../lambdas/record-failure/handler.ts');
    const { freshStore } = await import('../support/db.ts');
    const store = await freshStore();
    const submission = { id: 's3-abc', document_key: 'uploads/x.xml', name: 'x.xml', submitter: null, received_at: '2026-03-02T09:00:00.000Z' };
    const ref = await makeHandler({ store, now: Date.now, documents: new FolderDocumentStore(await home()) })({
      source: 'aws.states',
      'detail-type': 'Step Functions Execution Status Change',
      detail: { status: 'FAILED', name: 's3-abc', input: JSON.stringify({ submission }), error: 'BillFailureNotRecorded', cause: 'A bill failed and its failure could not be recorded.' },
    });
    const recorded = (await store.getBill(ref.bill_id))!;
    expect(recorded.state).toBe('needs_review');
    expect(recorded.exceptions[0]!.message).toContain('processing failed after retries: BillFailureNotRecorded');
  });
});

async function waitUntil(probe: () => boolean | Promise<boolean>, timeoutMs = 15_000): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (!(await probe())) {
    if (Date.now() > deadline) throw new Error('timed out');
    await new Promise((r) => setTimeout(r, 50));
  }
}
