/**
 * The lane functions as Lambda runs them: bundled exactly as `BillFunction` bundles them (ssh2
 * without its optional native add-ons, the Google clients), run against the SFTP server and the
 * Google API fake on loopback.
 */
import { mkdirSync, mkdtempSync, rmSync, symlinkSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { pathToFileURL } from 'node:url';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { bundleFunction, PROJECT_ROOT } from '../../lib/bundle.ts';
import { MemoryLaneState } from '../../lambdas/lanes/state.ts';
import { dropFromFiles, importMasterDrop } from '../../lambdas/lanes/master-drop.ts';
import { makeServiceAccount, startGoogleFake, type GoogleFake } from '../support/google-fake.ts';
import { laneWorld, POLICY, type LaneWorld } from '../support/lanes.ts';
import { startSftpServer, type SftpServer } from '../support/portal-servers.ts';

const dir = mkdtempSync(join(tmpdir(), 'bm-lane-bundles-'));
mkdirSync(join(dir, 'node_modules'));
symlinkSync(join(PROJECT_ROOT, 'node_modules', '@aws-sdk'), join(dir, 'node_modules', '@aws-sdk'));
afterAll(() => rmSync(dir, { recursive: true, force: true }));

async function load<T>(name: 'portal-poll' | 'drive-sync'): Promise<T> {
  await bundleFunction(name, join(dir, name));
  return (await import(pathToFileURL(join(dir, name, 'index.mjs')).href)) as T;
}

describe('the portal-poll bundle', () => {
  let sftp: SftpServer;
  beforeAll(async () => {
    sftp = await startSftpServer({ username: 'nw', password: 'pw', folder: '/out' });
  });
  afterAll(async () => sftp.close());

  it('polls a real SFTP server with ssh2 in pure JavaScript', async () => {
    sftp.files.set('INV-1.pdf', { bytes: new TextEncoder().encode('%PDF-1.4\n%%EOF\n'), mtime: 1_772_400_000 });
    type Mod = { makeHandler(json: string, secret: (n: string) => Promise<unknown>, deps: unknown): (e: unknown) => Promise<{ portals: { portal: string; status: string; landed: string[]; error?: string }[] }> };
    const mod = await load<Mod>('portal-poll');
    const landed: string[] = [];
    const handler = mod.makeHandler(
      JSON.stringify([{ id: 'initech', kind: 'sftp', host: '127.0.0.1', port: sftp.port, path: '/out', host_key_sha256: sftp.hostKeySha256 }]),
      async () => ({ username: 'nw', password: 'pw' }),
      { state: new MemoryLaneState(), uploads: { putOnce: async (key: string) => (landed.push(key), 'written') }, now: Date.now },
    );
    const r = await handler({});
    expect(r.portals).toEqual([{ portal: 'initech', status: 'ok', listed: 1, landed: ['INV-1.pdf'], duplicates: 0 }]);
    expect(landed).toEqual([expect.stringMatching(/^uploads\/portals\/initech\/initech-[0-9a-f]{16}-INV-1\.pdf$/)]);
  }, 120_000);
});

describe('the drive-sync bundle', () => {
  let google: GoogleFake;
  let w: LaneWorld;
  const account = makeServiceAccount();
  beforeAll(async () => {
    google = await startGoogleFake(account);
    w = await laneWorld();
    await importMasterDrop(dropFromFiles('seed', 'seed', [{ name: 'policy.json', bytes: new TextEncoder().encode(POLICY) }, { name: 'vendors.csv', bytes: new TextEncoder().encode('vendor_id,name\nV0,Seed\n') }]), w.deps);
  });
  afterAll(async () => {
    await google.close();
    await w.close();
  });

  it('syncs the sheet with the bundled Google clients', async () => {
    type Mod = {
      makeHandler(fileId: string, source: () => Promise<unknown>, deps: unknown): (e: unknown) => Promise<{ status: string; version: string }>;
      sheetSource(keyText: string, where: string, rootUrl?: string): unknown;
    };
    const mod = await load<Mod>('drive-sync');
    // The bundle's own copy of the Google clients and auth library.
    const handler = mod.makeHandler(google.fileId, async () => mod.sheetSource(JSON.stringify(account.key), 'test key', google.rootUrl), w.deps);
    expect(await handler({})).toMatchObject({ status: 'imported', version: '57' });
  }, 120_000);
});
