/**
 * `bm sync` against a running local stack: Drive sync through the Google API fake, an HTTPS
 * portal and an SFTP server on loopback; the portals' bills land in the stack's drop folder and go
 * through the pipeline. And `bm start`'s master-data drop folder.
 */
import { chmod, copyFile, mkdir, readdir, readFile, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { main } from '../../lambdas/cli/main.ts';
import { localMasterDeps, MASTER_DROP_DIR, recordCurrentSet, startMasterDropFolder } from '../../lambdas/lanes/local.ts';
import { LANE_LEASE_MS, LaneBusyError, type DropOutcome } from '../../lambdas/lanes/master-drop.ts';
import { makeServiceAccount, startGoogleFake, type GoogleFake } from '../support/google-fake.ts';
import { DEMO, testStack, waitFor, type TestStack } from '../support/local.ts';
import { startHttpsPortal, startSftpServer, TEST_CA, type HttpsPortalServer, type SftpServer } from '../support/portal-servers.ts';

const FIXTURE_BILL = join(import.meta.dirname, '..', 'fixtures', 'readers');

function io() {
  const out: string[] = [];
  const err: string[] = [];
  return { out, err, io: { stdout: (t: string) => void out.push(t), stderr: (t: string) => void err.push(t) } };
}

describe('bm sync', () => {
  let stack: TestStack;
  let google: GoogleFake;
  let https: HttpsPortalServer;
  let sftp: SftpServer;
  beforeEach(async () => {
    stack = await testStack();
    const account = makeServiceAccount();
    google = await startGoogleFake(account);
    https = await startHttpsPortal({ token: 'tok-1' });
    sftp = await startSftpServer({ username: 'nw', password: 'pw', folder: '/out' });
    await writeFile(join(stack.home, 'sa.json'), JSON.stringify(account.key));
    await writeFile(
      join(stack.home, 'lanes.json'),
      JSON.stringify({
        drive: { fileId: google.fileId, keyFile: 'sa.json', rootUrl: google.rootUrl },
        portals: [
          { id: 'brightline', kind: 'https', base_url: https.baseUrl, list: { path: '/api/bills', format: 'json', items: 'data.bills', fields: { url: 'links.pdf', name: 'file_name', date: 'posted_at' } }, auth: { kind: 'bearer' } },
          { id: 'initech', kind: 'sftp', host: '127.0.0.1', port: sftp.port, path: '/out', host_key_sha256: sftp.hostKeySha256, pattern: '\\.(pdf|xml)$' },
        ],
        secrets: { 'bm/portals/brightline': { token: 'tok-1', ca: TEST_CA }, 'bm/portals/initech': { username: 'nw', password: 'pw' } },
      }),
    );
    await chmod(join(stack.home, 'lanes.json'), 0o600);
    // As `bm import bin/demo/master` leaves it: the current set the sheet is merged with (its policy).
    await recordCurrentSet(join(stack.home, 'documents'), join(DEMO, 'master'));
  });
  afterEach(async () => {
    await Promise.all([google.close(), https.close(), sftp.close()]);
    await stack.dispose();
  });

  it('runs Drive sync and every portal once; bills from the portals go through the pipeline', async () => {
    const ubl = await readFile(join(FIXTURE_BILL, 'ubl-invoice.xml'));
    https.bills.push({ id: 'b1', name: 'INV-77.xml', date: '2026-03-02T08:00:00Z', bytes: ubl });
    sftp.files.set('INV-78.xml', { bytes: ubl, mtime: 1_772_400_000 });
    const a = io();
    expect(await main(['sync', '--home', stack.home], a.io)).toBe(0);
    expect(a.err.join('')).toBe('');
    expect(a.out.join('')).toContain('drive    sheet version 57: imported');
    expect(a.out.join('')).toContain('portal   brightline: landed INV-77.xml in the drop folder');
    // The same bytes on the SFTP server: not landed twice.
    expect(a.out.join('')).toContain('portal   initech: nothing new (1 already landed)');
    expect((await stack.store.purchaseOrder('PO-2001'))?.lines[0]?.item_code).toBe('SUP-HRS');
    const bill = await waitFor('the portal bill decided', async () => (await stack.store.listBills()).find((b) => b.source.input.startsWith('brightline-')), 20_000);
    expect(bill.source.submitter).toBeNull();

    const b = io();
    expect(await main(['sync', '--home', stack.home, '--only', 'drive'], b.io)).toBe(0);
    expect(b.out.join('')).toBe('drive    sheet version 57: unchanged, nothing imported\n');
  });

  it('exits 1 naming a failed portal and a refused sheet, and still runs the rest', async () => {
    const lines = google.tabs.get('PO lines')!.map((r) => [...r]);
    lines[1]![4] = 'twenty';
    google.edit('PO lines', lines);
    const cfg = JSON.parse(await readFile(join(stack.home, 'lanes.json'), 'utf8'));
    cfg.secrets['bm/portals/brightline'].token = 'expired';
    await writeFile(join(stack.home, 'lanes.json'), JSON.stringify(cfg));
    sftp.files.set('INV-9.pdf', { bytes: new TextEncoder().encode('%PDF-1.4\n%%EOF\n'), mtime: 1_772_400_000 });
    const a = io();
    expect(await main(['sync', '--home', stack.home], a.io)).toBe(1);
    expect(a.err.join('')).toContain('drive    sheet version 58: refused, nothing imported:\n  PO lines, row 2 (PO PO-1001: POs, row 2): quantity "twenty" is not a decimal number\n');
    expect(a.err.join('')).toContain('portal   brightline: failed: portal brightline: the listing refused (HTTP 401)');
    expect(a.out.join('')).toContain('portal   initech: landed INV-9.pdf');
    // The refusal went to the ops address, in the stack's outbox.
    expect((await stack.outbox.list()).some((e) => e.to.includes('ops@localhost') && e.subject.startsWith('Master data refused: 1 problem'))).toBe(true);
  });

  it('says what is missing when there is no lanes file', async () => {
    const a = io();
    expect(await main(['sync', '--home', stack.home, '--config', join(stack.home, 'none.json')], a.io)).toBe(1);
    expect(a.err.join('')).toMatch(/no lanes configured: .*none\.json does not exist/);
  });
});

describe("bm start's master-data drop folder", () => {
  let stack: TestStack;
  beforeEach(async () => {
    stack = await testStack();
  });
  afterEach(async () => stack.dispose());

  it('imports a file dropped into it, merged with the current set, and moves it to processed/', async () => {
    await recordCurrentSet(join(stack.home, 'documents'), join(DEMO, 'master'));
    // Wired as bm start wires it: the stack re-matches after an import that changed records.
    const lane = localMasterDeps({ endpoint: stack.dynamo.endpoint, tableName: stack.dynamo.tableName, documentsDir: stack.documentsDir, mailer: stack.mailer, rematch: (r) => stack.rematch(r) });
    const seen: [string, DropOutcome | Error][] = [];
    const dir = join(stack.home, MASTER_DROP_DIR);
    const folder = await startMasterDropFolder(dir, lane.deps, (n, o) => void seen.push([n, o]), 100);
    try {
      const vendors = (await readFile(join(DEMO, 'master', 'vendors.csv'), 'utf8')).replace('DE89370400440532013000', 'DE02120300000000202051');
      await mkdir(dir, { recursive: true });
      await writeFile(join(dir, 'vendors.csv'), vendors);
      await waitFor('the drop imported', async () => seen.length > 0, 15_000);
      expect(seen[0]![1]).toMatchObject({ status: 'imported' });
      expect((await stack.store.vendor('V100'))?.iban).toBe('DE02120300000000202051');
      await waitFor('moved to processed/', async () => (await readFile(join(dir, 'processed', 'vendors.csv')).catch(() => null)) !== null);
      // A bad file: refused, reported in the outbox, moved to processed/ all the same (it was handled).
      await copyFile(join(DEMO, 'master', 'policy.json'), join(dir, 'x-policy.json'));
      await writeFile(join(dir, 'goods_receipts.csv'), 'grn_number,po_number,line_no,received_quantity\nG1,PO-NONE,1,1\n');
      await waitFor('both handled', async () => seen.length >= 3, 15_000);
      const refused = seen.find(([n]) => n === 'goods_receipts.csv')![1] as DropOutcome;
      expect(refused).toMatchObject({ status: 'refused', problems: ['goods_receipts.csv:2: PO-NONE line 1 is not in purchase_orders.csv'] });
    } finally {
      await folder.stop();
      lane.close();
    }
  });

  it('leaves a file in the folder while another import holds the lane, and imports it once the lane is free', async () => {
    await recordCurrentSet(join(stack.home, 'documents'), join(DEMO, 'master'));
    const lane = localMasterDeps({ endpoint: stack.dynamo.endpoint, tableName: stack.dynamo.tableName, documentsDir: stack.documentsDir, mailer: stack.mailer });
    // Another import (a `bm sync` run) holds the lane.
    const held = await lane.deps.state.get<{ holder: string; until: number }>('LANE#LOCK#MASTER', 'LOCK');
    await lane.deps.state.put('LANE#LOCK#MASTER', 'LOCK', { holder: 'sheet:1', until: Date.now() + LANE_LEASE_MS }, held?.version ?? 0);
    const seen: [string, DropOutcome | Error][] = [];
    const dir = join(stack.home, MASTER_DROP_DIR);
    const folder = await startMasterDropFolder(dir, lane.deps, (n, o) => void seen.push([n, o]), 100);
    try {
      const vendors = (await readFile(join(DEMO, 'master', 'vendors.csv'), 'utf8')).replace('DE89370400440532013000', 'DE02120300000000202051');
      await writeFile(join(dir, 'vendors.csv'), vendors);
      await waitFor('told it waits', async () => seen.length > 0, 15_000);
      expect(seen[0]![1]).toBeInstanceOf(LaneBusyError);
      // Still there, not failed: a few more scans change nothing and say nothing more.
      await folder.scan();
      await folder.scan();
      expect(await readdir(dir)).toContain('vendors.csv');
      expect(await readdir(folder.failedDir)).toEqual([]);
      expect(seen).toHaveLength(1);
      expect((await lane.deps.store.vendor('V100'))?.iban).toBe('DE89370400440532013000');
      // The other import ends: the file is imported at the next scan.
      await lane.deps.state.put('LANE#LOCK#MASTER', 'LOCK', { holder: 'sheet:1', until: 0 }, (held?.version ?? 0) + 1);
      await waitFor('imported', async () => seen.length > 1, 15_000);
      expect(seen[1]![1]).toMatchObject({ status: 'imported' });
      expect((await lane.deps.store.vendor('V100'))?.iban).toBe('DE02120300000000202051');
      expect(await readdir(folder.processedDir)).toEqual(['vendors.csv']);
    } finally {
      await folder.stop();
      lane.close();
    }
  });
});
