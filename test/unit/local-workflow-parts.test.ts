/**
 * What the local workflow keeps off the disk and what it keeps in order: the parts of a document
 * being processed are held in memory (on the disk only past a limit) and go when the execution
 * ends; an email composed ahead of its turn is written to the outbox only in its turn, named in
 * the order it was sent.
 */
import { existsSync } from 'node:fs';
import { mkdtemp, readdir, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { FolderDocumentStore } from '../../lambdas/adapters/local/folder-documents.ts';
import { OutboxMailer, OutboxReader } from '../../lambdas/adapters/local/outbox.ts';
import { PartsInMemory } from '../../lambdas/adapters/local/parts-in-memory.ts';
import { sendingWhen } from '../../lambdas/adapters/local/sending-order.ts';
import type { OutgoingEmail } from '../../lambdas/core/ports/mailer.ts';

let dir: string;
beforeEach(async () => {
  dir = await mkdtemp(join(tmpdir(), 'bm-parts-'));
});
afterEach(async () => {
  await rm(dir, { recursive: true, force: true });
});

const bytes = (n: number, fill = 1) => new Uint8Array(n).fill(fill);

describe('the parts of running executions', () => {
  it('are held in memory, not written; other documents are written as before', async () => {
    const parts = new PartsInMemory(new FolderDocumentStore(dir));
    await parts.put('parts/abc/read/0.json', bytes(10, 7));
    await parts.put('inbox/ab/abc-message.eml', bytes(5, 3));

    expect(existsSync(join(dir, 'parts'))).toBe(false);
    expect(existsSync(join(dir, 'inbox', 'ab', 'abc-message.eml'))).toBe(true);
    expect(await parts.get('parts/abc/read/0.json')).toEqual(bytes(10, 7));
    expect(await parts.get('inbox/ab/abc-message.eml')).toEqual(bytes(5, 3));
    expect(await parts.get('parts/abc/read/1.json')).toBeNull();
  });

  it('go when their execution ends, every stage of that submission and no other', async () => {
    const parts = new PartsInMemory(new FolderDocumentStore(dir));
    await parts.put('parts/one/read/0.json', bytes(10));
    await parts.put('parts/one/extracted/0.json', bytes(20));
    await parts.put('parts/two/read/0.json', bytes(30));
    expect(parts.bytesHeld).toBe(60);

    parts.release('parts/one/');

    expect(parts.bytesHeld).toBe(30);
    expect(await parts.get('parts/one/read/0.json')).toBeNull();
    expect(await parts.get('parts/one/extracted/0.json')).toBeNull();
    expect(await parts.get('parts/two/read/0.json')).toEqual(bytes(30));
  });

  it('past the limit held at once are written to the document store, and read back from it', async () => {
    const parts = new PartsInMemory(new FolderDocumentStore(dir), 100);
    await parts.put('parts/one/read/0.json', bytes(60, 1));
    await parts.put('parts/one/read/1.json', bytes(60, 2));

    expect(parts.bytesHeld).toBe(60);
    expect(existsSync(join(dir, 'parts', 'one', 'read', '0.json'))).toBe(false);
    expect(existsSync(join(dir, 'parts', 'one', 'read', '1.json'))).toBe(true);
    expect(await parts.get('parts/one/read/1.json')).toEqual(bytes(60, 2));
    // A part written again replaces its bytes, counted once.
    await parts.put('parts/one/read/0.json', bytes(40, 3));
    expect(parts.bytesHeld).toBe(40);
    expect(await parts.get('parts/one/read/0.json')).toEqual(bytes(40, 3));
  });
});

describe('an email sent in its turn', () => {
  const email = (subject: string): OutgoingEmail => ({ to: ['ap@example.com'], subject, text: `${subject}: body`, tag: 'receipt' });

  it('is composed at once and written to the outbox only when its turn comes, in the order of the turns', async () => {
    // A second passes at every reading of the clock: the later email's Date header is the earlier one.
    let clock = Date.parse('2026-03-03T09:00:00Z');
    const outbox = new OutboxMailer(dir, { now: () => (clock += 1000) });
    const compose = outbox.compose.bind(outbox);
    let composed = 0;
    const bothComposed = new Promise<void>((done) => {
      outbox.compose = async (e) => {
        const c = await compose(e);
        if (++composed === 2) done();
        return c;
      };
    });
    let first!: () => void;
    const firstTurn = new Promise<void>((r) => (first = r));
    let second!: () => void;
    const secondTurn = firstTurn.then(() => new Promise<void>((r) => (second = r)));

    // The later execution is ready to tell first.
    const later = sendingWhen(outbox, secondTurn).send(email('later'));
    const earlier = sendingWhen(outbox, firstTurn).send(email('earlier'));
    await bothComposed;
    expect(await readdir(dir)).toEqual([]);

    first();
    await earlier;
    expect(await readdir(dir)).toHaveLength(1);
    second();
    await later;

    const names = (await readdir(dir)).sort();
    expect(names).toHaveLength(2);
    const reader = new OutboxReader(dir);
    const sent = await Promise.all(names.map((n) => reader.read(n)));
    expect(sent.map((m) => m?.subject)).toEqual(['earlier', 'later']);
    // Composed in the other order, so dated in the other order; the outbox lists them as sent, newest first.
    expect(sent[0]!.date! > sent[1]!.date!).toBe(true);
    expect((await reader.list()).map((m) => m.subject)).toEqual(['later', 'earlier']);
  });

  it('through a mailer that does not compose apart, is sent whole in its turn', async () => {
    const sent: string[] = [];
    const mailer = { send: async (e: OutgoingEmail) => (sent.push(e.subject), { messageId: e.subject }) };
    let go!: () => void;
    const turn = new Promise<void>((r) => (go = r));
    const sending = sendingWhen(mailer, turn).send(email('one'));
    await new Promise((r) => setImmediate(r));
    expect(sent).toEqual([]);
    go();
    await expect(sending).resolves.toEqual({ messageId: 'one' });
    expect(sent).toEqual(['one']);
  });
});
