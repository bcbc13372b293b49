/**
 * Portal poll against a real HTTPS portal and a real SFTP server on loopback; the cursors and
 * records in DynamoDB Local; bills landing in a drop folder.
 */
import { randomBytes } from 'node:crypto';
import { readdir } from 'node:fs/promises';
import { join } from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { DropFolderUploads } from '../../lambdas/lanes/local.ts';
import { pollPortals, type UploadTarget } from '../../lambdas/lanes/portals/poll.ts';
import { configuredPortals, portalsConfigSchema, type PortalConfig } from '../../lambdas/lanes/portals/registry.ts';
import { LANE_KEYS } from '../../lambdas/lanes/state.ts';
import { laneWorld, type LaneWorld } from '../support/lanes.ts';
import { startHttpsPortal, startSftpServer, TEST_CA, type HttpsPortalServer, type SftpServer } from '../support/portal-servers.ts';

const pdf = (text: string) => new TextEncoder().encode(`%PDF-1.4\n% ${text}\n${randomBytes(8).toString('hex')}\n%%EOF\n`);

describe('portal poll', () => {
  let w: LaneWorld;
  let https: HttpsPortalServer;
  let sftp: SftpServer;
  let dropDir: string;
  let uploads: DropFolderUploads;
  let secrets: Record<string, unknown>;

  beforeEach(async () => {
    w = await laneWorld();
    https = await startHttpsPortal({ username: 'northwind', password: 'right', token: 'tok-123' });
    sftp = await startSftpServer({ username: 'northwind', password: 'sftp-pass', folder: '/outbox' });
    dropDir = join(w.dir, 'drop');
    uploads = new DropFolderUploads(dropDir);
    secrets = {
      'bm/portals/acme': { username: 'northwind', password: 'wrong', ca: TEST_CA },
      'bm/portals/brightline': { token: 'tok-123', ca: TEST_CA },
      'bm/portals/globex': { username: 'northwind', password: 'right', ca: TEST_CA },
      'bm/portals/initech': { username: 'northwind', password: 'sftp-pass' },
    };
  });
  afterEach(async () => {
    await https.close();
    await sftp.close();
    await w.close();
  });

  const configs = (): PortalConfig[] =>
    portalsConfigSchema.parse([
      { id: 'acme', kind: 'https', base_url: https.baseUrl, list: { path: '/bills.html', format: 'html' }, auth: { kind: 'cookie', sign_in_path: '/login', username_field: 'user', password_field: 'pass' } },
      {
        id: 'brightline',
        kind: 'https',
        base_url: https.baseUrl,
        list: { path: '/api/bills', format: 'json', items: 'data.bills', fields: { id: 'id', url: 'links.pdf', name: 'file_name', date: 'posted_at' } },
        auth: { kind: 'bearer' },
      },
      { id: 'globex', kind: 'https', base_url: https.baseUrl, list: { path: '/bills.html', format: 'html' }, auth: { kind: 'cookie', sign_in_path: '/login', username_field: 'user', password_field: 'pass' } },
      { id: 'initech', kind: 'sftp', host: '127.0.0.1', port: sftp.port, path: '/outbox', host_key_sha256: sftp.hostKeySha256 },
    ]);
  const portals = (only?: string[], target: UploadTarget = uploads) => ({
    list: configuredPortals(
      configs().filter((c) => !only || only.includes(c.id)),
      async (name) => secrets[name],
      { timeoutMs: 10_000 },
    ),
    deps: { state: w.state, uploads: target, now: () => Date.now() },
  });
  const landed = async () => (await readdir(dropDir).catch(() => [] as string[])).filter((n) => !n.startsWith('.') && n !== 'processed' && n !== 'failed').sort();

  it('a portal that fails sign-in does not stop the others, and its failure is recorded', async () => {
    https.bills.push({ id: 'b1', name: 'INV-1.pdf', date: '2026-03-01T10:00:00Z', bytes: pdf('one') });
    sftp.files.set('INV-9.pdf', { bytes: pdf('nine'), mtime: 1_772_400_000 });
    const { list, deps } = portals(['acme', 'brightline', 'initech']);
    const results = await pollPortals(list, deps);
    expect(results.map((r) => [r.portal, r.status, r.landed])).toEqual([
      ['acme', 'failed', []],
      ['brightline', 'ok', ['INV-1.pdf']],
      ['initech', 'ok', ['INV-9.pdf']],
    ]);
    expect(results[0]!.error).toBe('portal acme: sign-in refused (HTTP 401)');
    expect(await w.state.get(LANE_KEYS.portal('acme'), 'STATUS')).toMatchObject({ value: { status: 'failed', error: 'portal acme: sign-in refused (HTTP 401)' } });
    expect((await landed()).map((n) => n.replace(/-[0-9a-f]{16}-/, '-#-')).sort()).toEqual(['brightline-#-INV-1.pdf', 'initech-#-INV-9.pdf']);
  });

  it('lands the same PDF listed twice (and on two portals) once, and downloads nothing twice', async () => {
    const same = pdf('same');
    https.bills.push({ id: 'b1', name: 'INV-1.pdf', date: '2026-03-01T10:00:00Z', bytes: same }, { id: 'b2', name: 'INV-1 (copy).pdf', date: '2026-03-01T10:05:00Z', bytes: same });
    const { list, deps } = portals(['brightline', 'globex']);
    const first = await pollPortals(list, deps);
    expect(first.map((r) => [r.portal, r.status, r.landed.length, r.duplicates])).toEqual([
      ['brightline', 'ok', 1, 1],
      ['globex', 'ok', 0, 2],
    ]);
    expect(https.signIns).toBe(1); // globex signed in with its cookie form
    expect(await landed()).toHaveLength(1);
    const downloads = https.downloads.length;
    const second = await pollPortals(list, deps);
    expect(second.every((r) => r.status === 'ok' && r.landed.length === 0)).toBe(true);
    expect(https.downloads.length).toBe(downloads);
    // A new bill after the cursor is picked up.
    https.bills.push({ id: 'b3', name: 'INV-3.pdf', date: '2026-03-02T08:00:00Z', bytes: pdf('three') });
    const third = await pollPortals(portals(['brightline']).list, deps);
    expect(third[0]!.landed).toEqual(['INV-3.pdf']);
    expect(await w.state.get(LANE_KEYS.portal('brightline'), 'CURSOR')).toMatchObject({ value: { cursor: '2026-03-02T08:00:00Z' } });
  });

  it('a crash between landing a bill and saving the cursor loses no bill and lands none twice', async () => {
    for (const [i, name] of ['A.pdf', 'B.pdf', 'C.pdf'].entries()) sftp.files.set(name, { bytes: pdf(name), mtime: 1_772_400_000 + i * 60 });
    sftp.files.set('readme.txt', { bytes: new TextEncoder().encode('not a bill'), mtime: 1_772_400_000 });
    let writes = 0;
    // The process dies right after the second bill is written: before its records and the cursor.
    const crashing: UploadTarget = {
      async putOnce(key, bytes) {
        const r = await uploads.putOnce(key, bytes);
        if (++writes === 2) throw new Error('crash');
        return r;
      },
    };
    const first = await pollPortals(portals(['initech'], crashing).list, portals(['initech'], crashing).deps);
    expect(first[0]).toMatchObject({ status: 'failed', error: 'crash', landed: ['A.pdf'] });
    expect(await w.state.get(LANE_KEYS.portal('initech'), 'CURSOR')).toMatchObject({ value: { cursor: String(1_772_400_000 * 1000).padStart(15, '0') } });

    const { list, deps } = portals(['initech']);
    const second = await pollPortals(list, deps);
    expect(second[0]).toMatchObject({ status: 'ok', landed: ['B.pdf', 'C.pdf'] });
    expect((await landed()).map((n) => n.replace(/-[0-9a-f]{16}-/, '-#-')).sort()).toEqual(['initech-#-A.pdf', 'initech-#-B.pdf', 'initech-#-C.pdf']);
    expect(sftp.downloads.filter((d) => d === 'A.pdf')).toHaveLength(1); // A was seen: not downloaded again
    expect(await w.state.get(LANE_KEYS.portal('initech'), 'CURSOR')).toMatchObject({ value: { cursor: String((1_772_400_000 + 120) * 1000).padStart(15, '0') } });
    // And again: nothing new.
    expect((await pollPortals(list, deps))[0]!.landed).toEqual([]);
    expect(await landed()).toHaveLength(3);
  });

  it('refuses an SFTP server whose host key is not the pinned one', async () => {
    const c = configs().find((p) => p.id === 'initech')!;
    const wrong = { ...c, host_key_sha256: `SHA256:${'A'.repeat(43)}` } as PortalConfig;
    const [r] = await pollPortals(configuredPortals([wrong], async (n) => secrets[n], { timeoutMs: 10_000 }), { state: w.state, uploads, now: Date.now });
    expect(r).toMatchObject({ status: 'failed' });
    expect(r!.error).toMatch(/^portal initech: host key SHA256:\S+ is not the pinned SHA256:A+; refused$/);
  });

  it('refuses a listing link that leads off the portal (credentials go to the portal only) and lands nothing of that listing', async () => {
    https.bills.push({ id: 'x', name: 'x.pdf', date: '2026-03-01', bytes: pdf('x'), href: 'https://collector.example/x.pdf' });
    const [r] = await pollPortals(portals(['brightline']).list, portals(['brightline']).deps);
    expect(r).toMatchObject({ status: 'failed', error: 'portal brightline: a bill link leads off the portal (https://collector.example); refused', landed: [] });
    expect(await landed()).toEqual([]);
    expect(() => portalsConfigSchema.parse([{ ...configs()[1], base_url: 'http://portal.example' }])).toThrow(/https:\/\//);
  });
});
