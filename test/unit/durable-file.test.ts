/**
 * Whole-or-nothing writes: the folder is created (private) when missing, and only then; every
 * byte lands, whether written directly (small) or in libuv's pool (large); a file in place of the
 * folder is an error that leaves nothing behind.
 */
import { mkdtempSync, readdirSync, readFileSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { atomicWrite, durableWrite } from '../../lambdas/adapters/local/durable-file.ts';
import { FolderDocumentStore } from '../../lambdas/adapters/local/folder-documents.ts';

const root = mkdtempSync(join(tmpdir(), 'bm-durable-'));
afterAll(() => rmSync(root, { recursive: true, force: true }));

describe.each([
  ['durableWrite', durableWrite],
  ['atomicWrite', atomicWrite],
] as const)('%s', (name, write) => {
  it('creates the missing folders, private, then writes beside the first file in the folder it made', async () => {
    const dir = join(root, name, 'a', 'b');
    await write(join(dir, 'one.txt'), 'first', { mode: 0o600 });
    await write(join(dir, 'two.txt'), 'second');
    expect(readFileSync(join(dir, 'one.txt'), 'utf8')).toBe('first');
    expect(readFileSync(join(dir, 'two.txt'), 'utf8')).toBe('second');
    expect(statSync(dir).mode & 0o777).toBe(0o700);
    expect(statSync(join(root, name, 'a')).mode & 0o777).toBe(0o700);
    expect(statSync(join(dir, 'one.txt')).mode & 0o777).toBe(0o600);
    // Replaced whole; no temporary file left.
    await write(join(dir, 'one.txt'), 'again');
    expect(readFileSync(join(dir, 'one.txt'), 'utf8')).toBe('again');
    expect(readdirSync(dir).sort()).toEqual(['one.txt', 'two.txt']);
  });

  it('writes every byte, of a small file written directly and of a large one written in the thread pool', async () => {
    const dir = join(root, name, 'sizes');
    // Past the 256 KiB written directly: a string of multi-byte characters and bytes of every value.
    const text = 'Übergröße €\n'.repeat(40_000);
    const bytes = Uint8Array.from({ length: 3 * 1024 * 1024 + 7 }, (_, i) => (i * 31 + (i >> 8)) & 0xff);
    await write(join(dir, 'small.txt'), 'small ✓');
    await write(join(dir, 'large.txt'), text);
    await write(join(dir, 'large.bin'), bytes);
    expect(readFileSync(join(dir, 'small.txt'), 'utf8')).toBe('small ✓');
    expect(readFileSync(join(dir, 'large.txt'), 'utf8')).toBe(text);
    expect(Buffer.compare(readFileSync(join(dir, 'large.bin')), Buffer.from(bytes))).toBe(0);
    // A shorter file written over a longer one is the shorter one, whole.
    await write(join(dir, 'large.bin'), 'short');
    expect(readFileSync(join(dir, 'large.bin'), 'utf8')).toBe('short');
    expect(readdirSync(dir).sort()).toEqual(['large.bin', 'large.txt', 'small.txt']);
  });

  it('fails where a file stands in place of the folder, and leaves that file as it was', async () => {
    const blocker = join(root, `${name}-blocker`);
    writeFileSync(blocker, 'not a folder');
    await expect(write(join(blocker, 'x.txt'), 'data')).rejects.toMatchObject({ code: expect.stringMatching(/ENOTDIR|EEXIST/) });
    expect(readFileSync(blocker, 'utf8')).toBe('not a folder');
  });
});

describe('FolderDocumentStore', () => {
  it('reads back every byte of a small document (read directly) and of a large one (read in the pool); a missing key is null', async () => {
    const store = new FolderDocumentStore(join(root, 'documents'));
    const small = new TextEncoder().encode('<Invoice>ok</Invoice>');
    const large = Uint8Array.from({ length: 2 * 1024 * 1024 + 3 }, (_, i) => (i * 7 + (i >> 10)) & 0xff);
    await store.put('inbox/a/small.xml', small);
    await store.put('inbox/b/large.pdf', large);
    expect(await store.get('inbox/a/small.xml')).toEqual(small);
    expect(Buffer.compare(Buffer.from((await store.get('inbox/b/large.pdf'))!), Buffer.from(large))).toBe(0);
    expect(await store.get('inbox/c/missing.xml')).toBeNull();
    await expect(store.get('../outside')).rejects.toThrow(/escapes the store/);
  });
});
