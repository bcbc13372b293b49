/**
 * Whole-or-nothing writes: the folder is created (private) when missing, and only then; a file in
 * place of the folder is an error that leaves nothing behind.
 */
import { mkdtempSync, readdirSync, readFileSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { atomicWrite, durableWrite } from '../../lambdas/adapters/local/durable-file.ts';

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

  it('fails where a file stands in place of the folder, and leaves that file as it was', async () => {
    const blocker = join(root, `${name}-blocker`);
    writeFileSync(blocker, 'not a folder');
    await expect(write(join(blocker, 'x.txt'), 'data')).rejects.toMatchObject({ code: expect.stringMatching(/ENOTDIR|EEXIST/) });
    expect(readFileSync(blocker, 'utf8')).toBe('not a folder');
  });
});
