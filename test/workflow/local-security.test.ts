/**
 * The local stack's data belongs to the user alone: its folders are 0700 and its files 0600
 * (documents, emails in the outbox with their signed links, stack.json, the signing key), so
 * another account on the same machine reads none of it.
 */
import { readdir, readFile, stat, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { DEMO, testStack, waitFor, type TestStack } from '../support/local.ts';

async function walk(dir: string): Promise<string[]> {
  const out: string[] = [dir];
  for (const e of await readdir(dir, { withFileTypes: true })) {
    const p = join(dir, e.name);
    if (e.isDirectory()) out.push(...(await walk(p)));
    else out.push(p);
  }
  return out;
}

describe.runIf(process.platform !== 'win32')('local data files', () => {
  let stack: TestStack;
  beforeAll(async () => {
    stack = await testStack({ honourWaits: false });
  }, 60_000);
  afterAll(async () => stack?.dispose());

  it('are readable by the user only: folders 0700, files 0600', async () => {
    await stack.submit({ bytes: await readFile(join(DEMO, 'bills', '01-acme-office.xml')), name: '01-acme-office.xml' });
    await writeFile(join(stack.dropDir, 'dropped.xml'), await readFile(join(DEMO, 'bills', '03-castor-drills.xml')));
    await waitFor('the dropped file processed', async () => (await readdir(join(stack.dropDir, 'processed')).catch(() => [])).length > 0, 30_000);
    await waitFor('an email in the outbox', async () => (await stack.outbox.list()).length > 0, 30_000);
    const paths = (await walk(stack.home)).filter((p) => !p.startsWith(join(stack.dropDir, 'processed') + '/'));
    expect(paths.filter((p) => p.endsWith('.eml')).length).toBeGreaterThan(0);
    for (const p of paths) {
      const s = await stat(p);
      expect({ path: p.slice(stack.home.length), mode: (s.mode & 0o777).toString(8) }).toEqual({ path: p.slice(stack.home.length), mode: s.isDirectory() ? '700' : '600' });
    }
  }, 60_000);
});
