/**
 * Several executions in flight decide in the order they were started: the second copy of a bill
 * is the duplicate even when its document is read first, and the same name started twice while
 * the first still runs is refused once the first has finished (not run again as a redrive).
 */
import { readFileSync } from 'node:fs';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { FolderDocumentStore } from '../../lambdas/adapters/local/folder-documents.ts';
import { ExecutionAlreadyExists, LocalWorkflow } from '../../lambdas/adapters/local/local-workflow.ts';
import { loadMasterFolder } from '../../lambdas/adapters/local/master-folder.ts';
import { MemoryOutbox } from '../../lambdas/adapters/local/memory-outbox.ts';
import { makeHandler as makeReadDocument } from '../../lambdas/read-document/handler.ts';
import { freshStore } from '../support/db.ts';
import { DEMO } from '../support/local.ts';

const NOW = Date.parse('2026-03-03T10:00:00+01:00');

describe('executions in flight', () => {
  let dir: string;
  let workflow: LocalWorkflow;
  let documents: FolderDocumentStore;

  beforeAll(async () => {
    dir = await mkdtemp(join(tmpdir(), 'bm-inflight-'));
    const store = await freshStore();
    await store.importMaster(await loadMasterFolder(join(DEMO, 'master')));
    documents = new FolderDocumentStore(dir);
    const read = makeReadDocument({ documents, store });
    workflow = new LocalWorkflow({
      store,
      documents,
      now: () => NOW,
      approvals: { mailer: new MemoryOutbox(), secret: new Uint8Array(32), baseUrl: 'http://127.0.0.1:9' },
      // The first document is read slowly: the second one's reading ends first.
      override: {
        'read-document': async (input) => {
          const id = (input as { submission: { id: string } }).submission.id;
          if (id.startsWith('slow-')) await new Promise((r) => setTimeout(r, 400));
          return read(input as never);
        },
      },
    });
  });
  afterAll(async () => {
    workflow?.abortAll();
    await rm(dir, { recursive: true, force: true });
  });

  const submission = (id: string) => ({ id, document_key: `uploads/${id}`, name: `${id}.xml`, submitter: null, received_at: new Date(NOW).toISOString() });

  it('the copy started second is the duplicate, though its document was read first', async () => {
    const bytes = new Uint8Array(readFileSync(join(DEMO, 'bills', '02-brightline-laptops.cii.xml')));
    await documents.put('uploads/slow-first', bytes);
    await documents.put('uploads/fast-second', bytes);
    const [first, second] = await Promise.all([workflow.run(submission('slow-first')), workflow.run(submission('fast-second'))]);
    expect(first.bills[0]?.exceptions.map((e) => e.code) ?? []).not.toContain('DUPLICATE');
    expect(second.bills[0]?.exceptions.map((e) => e.code)).toContain('DUPLICATE');
  }, 120_000);

  it('the same name started again while the first runs is refused once the first has finished', async () => {
    const bytes = new Uint8Array(readFileSync(join(DEMO, 'bills', '01-acme-office.xml')));
    await documents.put('uploads/slow-twice', bytes);
    const [a, b] = await Promise.allSettled([workflow.run(submission('slow-twice')), workflow.run(submission('slow-twice'))]);
    expect(a.status).toBe('fulfilled');
    expect(b.status === 'rejected' && b.reason).toBeInstanceOf(ExecutionAlreadyExists);
  }, 120_000);
});
