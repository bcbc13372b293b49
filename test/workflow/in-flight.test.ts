/**
 * Several executions in flight decide in the order they were started: the second copy of a bill
 * is the duplicate even when its document is read first, a bill decided ahead of its turn waits
 * only for earlier bills that share a claim, a PO or a vendor with it (another vendor's is recorded
 * meanwhile) and is decided again on the quantities they took, and the same name started twice while
 * the first still runs is refused once the first has finished (not run again as a redrive).
 */
import { readFileSync } from 'node:fs';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it, vi } from 'vitest';
import { FolderDocumentStore } from '../../lambdas/adapters/local/folder-documents.ts';
import { ExecutionAlreadyExists, LocalWorkflow, type ExecutionResult } from '../../lambdas/adapters/local/local-workflow.ts';
import { loadMasterFolder } from '../../lambdas/adapters/local/master-folder.ts';
import { MemoryOutbox } from '../../lambdas/adapters/local/memory-outbox.ts';
import { OutboxMailer, OutboxReader } from '../../lambdas/adapters/local/outbox.ts';
import MailComposer from 'nodemailer/lib/mail-composer/index.js';
import { makeHandler as makeReadDocument } from '../../lambdas/read-document/handler.ts';
import type { BillStore, DecisionCommit } from '../../lambdas/core/ports/store.ts';
import { bill, consultingDay, master } from '../support/builders.ts';
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

  it('a bill decided ahead of its turn waits only for earlier bills it shares something with, and is decided again on what they left', async () => {
    const store = await freshStore();
    await store.importMaster(master());
    // The first bill's commit is held back: the later ones are read and decided meanwhile.
    const commits: string[] = [];
    const quantityReads: string[] = [];
    let releaseFirst!: () => void;
    const firstHeld = new Promise<void>((r) => (releaseFirst = r));
    const held = Object.assign(Object.create(store) as typeof store, {
      async billedQuantities(po: string) {
        quantityReads.push(po);
        return (store as BillStore).billedQuantities.call(store, po);
      },
      async commitDecision(c: DecisionCommit) {
        commits.push(c.bill.invoice_number ?? '');
        if (c.bill.invoice_number === 'Q-1') await firstHeld;
        return (store as BillStore).commitDecision.call(store, c);
      },
    });
    const local = new LocalWorkflow({ store: held, documents, now: () => NOW, approvals: { mailer: new MemoryOutbox(), secret: new Uint8Array(32), baseUrl: 'http://127.0.0.1:9' } });
    // each bill the 10 widgets received on PO-7001; O-1, between them, is another vendor's bill on another PO.
    const widgets = (n: string) => bill({ invoice_number: n, lines: [{ line_id: '1', item_code: 'A-100', description: 'Widget', quantity: '10', unit_price: '12.50', net_amount: '125.00' }], net_total: '125.00', tax_total: '0', total: '125.00' });
    const consulting = consultingDay('O-1');
    await documents.put('uploads/q-1', new TextEncoder().encode(JSON.stringify(widgets('Q-1'))));
    await documents.put('uploads/o-1', new TextEncoder().encode(JSON.stringify(consulting)));
    await documents.put('uploads/q-2', new TextEncoder().encode(JSON.stringify(widgets('Q-2'))));
    const json = (id: string) => ({ ...submission(id), name: `${id}.bill.json` });
    const runs = [local.run(json('q-1')), local.run(json('o-1')), local.run(json('q-2'))];
    // While the first is being recorded: the other vendor's bill is recorded; the second bill on PO-7001 is decided but waits.
    await vi.waitFor(
      () => {
        expect(quantityReads.filter((po) => po === 'PO-7001')).toHaveLength(2);
        // Q-1's commit (held) and O-1's, in either order: they share nothing.
        expect([...commits].sort()).toEqual(['O-1', 'Q-1']);
      },
      { timeout: 30_000, interval: 20 },
    );
    releaseFirst();
    const [first, other, second] = (await Promise.all(runs)) as [ExecutionResult, ExecutionResult, ExecutionResult];
    local.abortAll();
    expect(first.bills[0]?.exceptions.map((e) => e.code)).toEqual([]);
    expect(other.bills[0]?.vendor_id).toBe('V002');
    expect(second.bills[0]?.exceptions.map((e) => e.code)).toContain('QUANTITY_VARIANCE');
    // Decided ahead on the quantities before the first bill; once that one is recorded, decided again on what it left.
    expect(quantityReads.filter((po) => po === 'PO-7001')).toHaveLength(3);
    expect(commits.slice(2)).toEqual(['Q-2']);
    // As one after the other: the second holds its 10 too, until an approver decides (a rejection gives them back).
    expect((await store.billedQuantities('PO-7001')).value.get('1')?.toString()).toBe('20');
  }, 120_000);

  it('the receipts go to the outbox in the order the executions started, though the later one is ready to tell first', async () => {
    const plain = await freshStore();
    await plain.importMaster(await loadMasterFolder(join(DEMO, 'master')));
    // The first document's bill, once decided, is read back (by NotifyPeople) only after the
    // second document's receipt is composed (the same vendor's, needing no approver): that one is ready to tell first.
    let pensComposed!: () => void;
    const pensReady = new Promise<void>((r) => (pensComposed = r));
    const store = Object.assign(Object.create(plain) as typeof plain, {
      async getBill(id: string) {
        const b = await (plain as BillStore).getBill.call(plain, id);
        if (b?.invoice_number === 'INV-A-2026-0311') await Promise.race([pensReady, new Promise((r) => setTimeout(r, 30_000).unref())]);
        return b;
      },
    });
    const outboxDir = join(dir, 'outbox');
    const mailer = new OutboxMailer(outboxDir, { now: () => NOW });
    const composed: string[] = [];
    const compose = mailer.compose.bind(mailer);
    mailer.compose = async (e) => {
      const c = await compose(e);
      composed.push(e.subject);
      if (e.subject.startsWith('Received: Pens')) pensComposed();
      return c;
    };
    const local = new LocalWorkflow({ store, documents, now: () => NOW, approvals: { mailer, secret: new Uint8Array(32), baseUrl: 'http://127.0.0.1:9' } });
    const email = async (subject: string, file: string) =>
      new Uint8Array(
        await new MailComposer({ from: 'accounts@supplier.example', to: 'bills@localhost', subject, text: 'Our invoice is attached.', attachments: [{ filename: file, content: readFileSync(join(DEMO, 'bills', file)) }] })
          .compile()
          .build(),
      );
    await documents.put('uploads/mail-acme', await email('Acme invoice', '01-acme-office.xml'));
    await documents.put('uploads/mail-pens', await email('Pens invoice', '09-acme-pens.cii.xml'));
    const mail = (id: string, name: string) => ({ ...submission(id), name, submitter: 'accounts@supplier.example', sender_check: 'off' as const });
    await Promise.all([local.run(mail('mail-acme', 'Acme invoice')), local.run(mail('mail-pens', 'Pens invoice'))]);
    local.abortAll();

    const acme = 'Received: Acme invoice — 1 bill read';
    const pens = 'Received: Pens invoice — 1 bill read';
    // The second receipt was composed while the first bill was still being read back…
    expect(composed.filter((s) => s.startsWith('Received:'))).toEqual([pens, acme]);
    // …and written only after the first receipt.
    const receipts = (await new OutboxReader(outboxDir).list()).filter((m) => m.tag === 'receipt').reverse();
    expect(receipts.map((m) => m.subject)).toEqual([acme, pens]);
  }, 120_000);
});
