/**
 * DynamoDB Local under supervision: when it dies the stack says so, refuses mail with 451 and
 * leaves the drop folder alone, starts it again and takes documents again; /healthz answers
 * JSON throughout; one database per folder; `kill -9` of `bm start` leaves no Java behind.
 */
import { spawn } from 'node:child_process';
import { copyFile, mkdtemp, readdir, readFile, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { loadMasterFolder } from '../../lambdas/adapters/local/master-folder.ts';
import { startLocalStack, type StackEvent } from '../../lambdas/adapters/local/stack.ts';
import { startSupervisedDatabase } from '../../lambdas/adapters/local/supervisor.ts';
import { DEMO, sendMail, waitFor } from '../support/local.ts';

const alive = (pid: number) => {
  try {
    process.kill(pid, 0);
    return true;
  } catch {
    return false;
  }
};
const lockOf = async (dbDir: string) => JSON.parse(await readFile(join(dbDir, 'bm-dynamodb.lock'), 'utf8')) as { pid: number; java: number };

describe('DynamoDB Local under supervision', () => {
  const homes: string[] = [];
  afterAll(async () => {
    for (const h of homes) await rm(h, { recursive: true, force: true });
  });

  it('when it dies: says so, answers 451, leaves the drop folder alone, restarts it, then takes documents again', async () => {
    const home = await mkdtemp(join(tmpdir(), 'bm-sup-'));
    homes.push(home);
    const events: StackEvent[] = [];
    const stack = await startLocalStack({ home, persistent: true, dropIntervalMs: 100, retryIntervalMs: 200, onEvent: (e) => events.push(e) });
    try {
      await stack.store.importMaster(await loadMasterFolder(join(DEMO, 'master')));
      const health = async () => {
        const r = await fetch(`${stack.webUrl}/healthz`);
        expect(r.headers.get('content-type')).toMatch(/^application\/json/);
        return { status: r.status, body: (await r.json()) as { status: string; intake: string } };
      };
      expect(await health()).toMatchObject({ status: 200, body: { status: 'ok', intake: 'open' } });

      const { java } = await lockOf(stack.dbDir!);
      process.kill(java, 'SIGKILL');
      await waitFor('the stack to notice', async () => events.some((e) => e.kind === 'notice' && /DynamoDB Local exited/.test(e.message)), 20_000);
      expect(await health()).toMatchObject({ status: 503, body: { status: 'degraded', intake: 'paused' } });
      const mail = { from: 'ap@acme.example', subject: 'Invoice', text: 'attached', messageId: '<sup-1@acme.example>', attachments: [{ filename: 'a.xml', path: join(DEMO, 'bills', '01-acme-office.xml') }] };
      await expect(sendMail(stack, mail)).rejects.toThrow(/451/);
      await copyFile(join(DEMO, 'bills', '06-delta-freight.xml'), join(stack.dropDir, 'delta.xml'));
      await new Promise((r) => setTimeout(r, 400));
      expect(await readdir(stack.dropDir)).toContain('delta.xml');

      await waitFor('DynamoDB Local to be back', async () => events.some((e) => e.kind === 'notice' && /running again \(restart 1\)/.test(e.message)), 60_000);
      expect(alive(java)).toBe(false);
      expect((await lockOf(stack.dbDir!)).java).not.toBe(java);
      expect(await health()).toMatchObject({ status: 200, body: { status: 'ok' } });
      expect((await sendMail(stack, mail)).response).toMatch(/^250 /);
      await waitFor('the dropped file to be taken', async () => (await readdir(join(stack.dropDir, 'processed'))).includes('delta.xml'));
      await stack.idle();
      // The data survived (persistent folder): master data and both documents.
      expect((await stack.store.listBills()).map((b) => b.state).sort()).toEqual(['blocked', 'ready_for_payment']);
    } finally {
      await stack.stop();
    }
  }, 120_000);

  it('refuses a second DynamoDB Local on the same folder while the first runs', async () => {
    const dir = await mkdtemp(join(tmpdir(), 'bm-lock-'));
    homes.push(dir);
    const first = await startSupervisedDatabase({ dbPath: dir, onDown: () => undefined, onUp: () => undefined });
    try {
      // Another process owns it: simulate with the lock naming a live process (this test's parent).
      const { writeFile } = await import('node:fs/promises');
      await writeFile(join(dir, 'bm-dynamodb.lock'), JSON.stringify({ pid: process.ppid, java: (await lockOf(dir)).java }));
      await expect(startSupervisedDatabase({ dbPath: dir, onDown: () => undefined, onUp: () => undefined })).rejects.toThrow(/in use by process/);
    } finally {
      await first.stop();
    }
  }, 60_000);

  it('kill -9 of bm start leaves no Java, and the next start on the same home takes over', async () => {
    const home = await mkdtemp(join(tmpdir(), 'bm-kill-'));
    homes.push(home);
    const bm = join(import.meta.dirname, '../../bin/bm.mjs');
    const startBm = () => {
      const child = spawn(process.execPath, [bm, 'start', '--home', home, '--port', '0', '--smtp-port', '0'], { stdio: ['ignore', 'pipe', 'pipe'] });
      let out = '';
      child.stdout.on('data', (d: Buffer) => (out += d.toString()));
      child.stderr.on('data', (d: Buffer) => (out += d.toString()));
      return { child, out: () => out };
    };
    const a = startBm();
    await waitFor('bm start', async () => a.out().includes('web page'), 90_000);
    const { java } = await lockOf(join(home, 'db'));
    expect(alive(java)).toBe(true);
    a.child.kill('SIGKILL');
    await waitFor('Java to go with its parent', async () => !alive(java), 10_000);

    const b = startBm();
    try {
      await waitFor('the second bm start', async () => b.out().includes('web page'), 90_000);
      expect(b.out()).not.toContain('already runs');
    } finally {
      b.child.kill('SIGTERM');
      await new Promise((r) => b.child.once('exit', r));
    }
    const after = await lockOf(join(home, 'db')).catch(() => null);
    expect(after).toBeNull();
  }, 240_000);
});
