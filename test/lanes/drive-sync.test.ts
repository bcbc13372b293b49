/**
 * Drive sync end to end on loopback: the real @googleapis/drive and @googleapis/sheets clients,
 * signing with a generated service-account key, against the recorded Google API responses
 * (test/support/google-fake.ts); the drop lane and the store on DynamoDB Local.
 */
import { afterAll, afterEach, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { syncSheet } from '../../lambdas/lanes/drive-sync.ts';
import { GoogleSheetSource, parseServiceAccountKey } from '../../lambdas/lanes/google.ts';
import { dropFromFiles, importMasterDrop, type ImportHistory, type MasterAuditRow } from '../../lambdas/lanes/master-drop.ts';
import { LANE_KEYS } from '../../lambdas/lanes/state.ts';
import { makeServiceAccount, startGoogleFake, type FakeServiceAccount, type GoogleFake } from '../support/google-fake.ts';
import { laneWorld, POLICY, type LaneWorld } from '../support/lanes.ts';

describe('Drive sync', () => {
  let account: FakeServiceAccount;
  let google: GoogleFake;
  let w: LaneWorld;
  let source: GoogleSheetSource;
  beforeAll(() => {
    account = makeServiceAccount();
  });
  beforeEach(async () => {
    google = await startGoogleFake(account);
    w = await laneWorld();
    source = new GoogleSheetSource({ key: parseServiceAccountKey(JSON.stringify(account.key), 'bm/drive/sa'), rootUrl: google.rootUrl, timeoutMs: 10_000 });
    // The policy is not in the sheet: it is in the current master set.
    const seed = await importMasterDrop(dropFromFiles('policy', 'seed', [{ name: 'policy.json', bytes: new TextEncoder().encode(POLICY) }, { name: 'vendors.csv', bytes: new TextEncoder().encode('vendor_id,name\nV000,Seed Ltd\n') }]), w.deps);
    expect(seed.status).toBe('imported');
    w.rematches.length = 0;
  });
  afterEach(async () => {
    await google.close();
    await w.close();
  });
  afterAll(() => undefined);

  it('imports the sheet, then nothing while its revision is unchanged', async () => {
    const first = await syncSheet(google.fileId, source, w.deps);
    expect(first).toMatchObject({ status: 'imported', version: '57' });
    expect((await w.store.purchaseOrder('PO-2001'))?.lines[0]?.unit_price.toString()).toBe('95');
    expect((await w.store.purchaseOrder('PO-1001'))?.lines.find((l) => l.line_no === '1')?.received.toString()).toBe('20');
    expect((await w.store.vendor('V200'))?.category).toBe('it');
    expect(google.calls.values).toBe(1);

    const second = await syncSheet(google.fileId, source, w.deps);
    expect(second).toEqual({ status: 'unchanged', version: '57' });
    expect(google.calls.values).toBe(1); // the cells were not even read
    expect((await w.state.list<ImportHistory>(LANE_KEYS.imports)).filter((h) => h.value.source.startsWith('drive:'))).toHaveLength(1);
    expect(google.calls.refused).toBe(0);
  });

  it('imports a changed revision and re-matches open bills through the hook, auditing the change with its source', async () => {
    await syncSheet(google.fileId, source, w.deps);
    w.rematches.length = 0;
    const lines = google.tabs.get('PO lines')!.map((r) => [...r]);
    lines[2]![5] = '66.00'; // TON-59A, PO-1001 line 2
    google.edit('PO lines', lines);

    const r = await syncSheet(google.fileId, source, w.deps);
    expect(r).toMatchObject({ status: 'imported', version: '58' });
    expect((await w.store.purchaseOrder('PO-1001'))?.lines.find((l) => l.line_no === '2')?.unit_price.toString()).toBe('66');
    expect(w.rematches).toEqual([{ vendors: [], purchaseOrders: ['PO-1001'], policy: false, source: `drive:${google.fileId}@58` }]);
    const audit = await w.state.list<MasterAuditRow>(LANE_KEYS.masterAudit('purchase_order', 'PO-1001'));
    expect(audit.at(-1)?.value).toMatchObject({ action: 'changed', source: `drive:${google.fileId}@58`, changes: [{ field: 'lines[2].unit_price', old: '64', new: '66' }] });
  });

  it('refuses a revision with one bad row: nothing imported, the row named by tab and row, reported once', async () => {
    await syncSheet(google.fileId, source, w.deps);
    const lines = google.tabs.get('PO lines')!.map((r) => [...r]);
    lines[1]![5] = '22.00'; // a good change in the same revision
    lines[4]![4] = '1,5'; // PO-2001 line 1: not a decimal (row 5 of the tab)
    google.edit('PO lines', lines);

    const r = await syncSheet(google.fileId, source, w.deps);
    expect(r.status).toBe('refused');
    if (r.status !== 'refused' || r.drop.status !== 'refused') throw new Error('not refused');
    expect(r.drop.problems).toEqual(['PO lines, row 5 (PO PO-2001: POs, row 3): quantity "1,5" is not a decimal number']);
    expect((await w.store.purchaseOrder('PO-1001'))?.lines.find((l) => l.line_no === '1')?.unit_price.toString()).toBe('21.5');
    expect(w.outbox.sent.at(-1)?.text).toContain('PO lines, row 5');
    // The same revision is not tried (nor reported) again; the next edit is.
    expect(await syncSheet(google.fileId, source, w.deps)).toEqual({ status: 'unchanged', version: '58' });
    expect(w.outbox.sent.filter((m) => m.tag === 'master-import-refused')).toHaveLength(1);
    lines[4]![4] = '15';
    google.edit('PO lines', lines);
    expect((await syncSheet(google.fileId, source, w.deps)).status).toBe('imported');
    expect((await w.store.purchaseOrder('PO-1001'))?.lines.find((l) => l.line_no === '1')?.unit_price.toString()).toBe('22');
  });

  it('names a missing tab or column and a PO line whose PO is not on the POs tab', async () => {
    google.tabs.delete('Receipts');
    const pos = google.tabs.get('POs')!.map((r) => [...r]);
    pos[0]![4] = 'State';
    google.edit('POs', pos);
    const r = await syncSheet(google.fileId, source, w.deps);
    if (r.status !== 'refused' || r.drop.status !== 'refused') throw new Error('not refused');
    expect(r.drop.problems).toEqual([
      'POs, row 1: missing column status',
      'Receipts tab: is missing (the sheet needs the tabs Vendors, POs, PO lines, Receipts)',
    ]);
    await expect(w.store.vendor('V100')).resolves.toBeNull();
  });

  it('fails without importing or remembering anything when Google refuses, and imports once it answers', async () => {
    google.failWith(403);
    await expect(syncSheet(google.fileId, source, w.deps)).rejects.toThrow(/permission/i);
    const stranger = new GoogleSheetSource({ key: parseServiceAccountKey(JSON.stringify(makeServiceAccount().key), 'k'), rootUrl: google.rootUrl, timeoutMs: 10_000 });
    google.failWith(null);
    await expect(syncSheet(google.fileId, stranger, w.deps)).rejects.toThrow(/authentication/i);
    expect(google.calls.refused).toBe(1);
    await expect(w.state.get('LANE#DRIVE#' + google.fileId, 'STATE')).resolves.toBeNull();
    await expect(w.store.vendor('V100')).resolves.toBeNull();
    expect((await syncSheet(google.fileId, source, w.deps)).status).toBe('imported');
  });

  it('refuses a key that is not a service-account key, naming where it came from', () => {
    expect(() => parseServiceAccountKey('{"type":"authorized_user"}', 'bm/drive/sa')).toThrow(/^bm\/drive\/sa: not a service-account key/);
  });
});
