import { zipSync, strToU8 } from 'fflate';
import { billText } from '../../lambdas/core/safe-text.ts';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { dropFromFiles, dropFromObject, importMasterDrop, LaneBusyError, type ImportHistory, type MasterAuditRow } from '../../lambdas/lanes/master-drop.ts';
import { LANE_KEYS } from '../../lambdas/lanes/state.ts';
import { makeHandler } from '../../lambdas/master-drop/handler.ts';
import { laneWorld, POLICY, POS, RECEIPTS, VENDORS, type LaneWorld } from '../support/lanes.ts';

const enc = (s: string) => new TextEncoder().encode(s);
const fullSet = () =>
  zipSync({ 'vendors.csv': strToU8(VENDORS), 'purchase_orders.csv': strToU8(POS), 'goods_receipts.csv': strToU8(RECEIPTS), 'policy.json': strToU8(POLICY) });

describe('master-data drop lane', () => {
  let w: LaneWorld;
  beforeEach(async () => {
    w = await laneWorld();
  });
  afterEach(async () => w.close());

  it('imports a full set as bm import does, once per content hash', async () => {
    const bytes = fullSet();
    const first = await importMasterDrop(dropFromObject('master.zip', 's3://docs/master/incoming/master.zip', bytes), w.deps);
    expect(first.status).toBe('imported');
    expect((await w.store.vendor('V100'))?.iban).toBe('DE89370400440532013000');
    const po = await w.store.purchaseOrder('PO-1001');
    expect(po?.lines.find((l) => l.line_no === '1')?.received.toString()).toBe('20');
    expect((await w.store.policy()).admin_approver).toBe('ap-admin@northwind.example');

    const again = await importMasterDrop(dropFromObject('master-copy.zip', 's3://docs/master/incoming/master-copy.zip', bytes), w.deps);
    expect(again).toMatchObject({ status: 'duplicate', previous: 'imported' });
    const history = await w.state.list<ImportHistory>(LANE_KEYS.imports);
    expect(history.map((h) => h.value.status)).toEqual(['imported']);
    // First import: every record is audited as created, with the source.
    const created = await w.state.list<MasterAuditRow>(LANE_KEYS.masterAudit('vendor', 'V100'));
    expect(created[0]?.value).toMatchObject({ action: 'created', source: 's3://docs/master/incoming/master.zip' });
  });

  it('merges one file with the current set and audits each changed field old → new with the source', async () => {
    await importMasterDrop(dropFromObject('master.zip', 'seed', fullSet()), w.deps);
    const changed = VENDORS.replace('DE89370400440532013000', 'DE02120300000000202051');
    const r = await importMasterDrop(dropFromObject('2026-03-02-vendors.csv', 's3://docs/master/incoming/2026-03-02-vendors.csv', enc(changed)), w.deps);
    expect(r.status).toBe('imported');
    expect((await w.store.vendor('V100'))?.iban).toBe('DE02120300000000202051');
    // The PO and receipts came from the current set: still there, unchanged, not audited again.
    expect((await w.store.purchaseOrder('PO-1001'))?.lines).toHaveLength(2);
    if (r.status !== 'imported') throw new Error('not imported');
    expect(r.changes).toEqual([{ kind: 'vendor', id: 'V100', created: false, fields: [{ field: 'iban', old: 'DE89370400440532013000', new: 'DE02120300000000202051' }] }]);
    const rows = await w.state.list<MasterAuditRow>(LANE_KEYS.masterAudit('vendor', 'V100'));
    expect(rows.at(-1)?.value).toMatchObject({ action: 'changed', source: 's3://docs/master/incoming/2026-03-02-vendors.csv', changes: [{ field: 'iban', old: 'DE89370400440532013000', new: 'DE02120300000000202051' }] });
    expect(w.rematches.at(-1)).toMatchObject({ vendors: ['V100'], purchaseOrders: [], policy: false });
  });

  it('refuses a set with bad rows: nothing imported, every bad row in the history and the ops email', async () => {
    await importMasterDrop(dropFromObject('master.zip', 'seed', fullSet()), w.deps);
    const rematchesBefore = w.rematches.length;
    const badVendors = VENDORS.replace('DE89370400440532013000', 'DE02120300000000202051').replace(',EUR,,0,false,,it', ',EURO,,0,false,,it');
    const badPos = POS.replace('4,64.00', '4,6 4.00');
    const r = await importMasterDrop(
      dropFromFiles('march', '/drop/march', [
        { name: 'vendors.csv', bytes: enc(badVendors) },
        { name: 'purchase_orders.csv', bytes: enc(badPos) },
      ]),
      w.deps,
    );
    expect(r.status).toBe('refused');
    if (r.status !== 'refused') throw new Error('not refused');
    expect(r.problems).toEqual(['vendors.csv:3: currency "EURO" is not an ISO 4217 currency code', 'purchase_orders.csv:3: unit_price "6 4.00" is not a decimal number']);
    // All or nothing: the good change in the same drop (V100's IBAN) was not imported either.
    expect((await w.store.vendor('V100'))?.iban).toBe('DE89370400440532013000');
    expect(w.rematches.length).toBe(rematchesBefore);
    const history = await w.state.list<ImportHistory>(LANE_KEYS.imports);
    expect(history.at(-1)?.value).toMatchObject({ status: 'refused', problem_count: 2, problems: r.problems });
    const mail = w.outbox.sent.at(-1)!;
    expect(mail.to).toEqual(['ops@northwind.example']);
    expect(mail.subject).toBe('Master data refused: 2 problems in march');
    // Each problem, as text in an email is: one line, nothing a mail client would link.
    for (const p of r.problems) expect(mail.text).toContain(billText(p));
    // The same bytes again: refused before, not reported twice.
    const again = await importMasterDrop(
      dropFromFiles('march', '/drop/march', [
        { name: 'vendors.csv', bytes: enc(badVendors) },
        { name: 'purchase_orders.csv', bytes: enc(badPos) },
      ]),
      w.deps,
    );
    expect(again).toMatchObject({ status: 'duplicate', previous: 'refused' });
    expect(w.outbox.sent.filter((m) => m.tag === 'master-import-refused')).toHaveLength(1);
  });

  it('refuses files it does not know, text that is not UTF-8, and a partial set with nothing to merge with', async () => {
    const unknown = await importMasterDrop(dropFromObject('x.zip', 'x', zipSync({ 'vendors.csv': strToU8(VENDORS), 'policy.json': strToU8(POLICY), 'suppliers.xlsx': new Uint8Array([1, 2]) })), w.deps);
    expect(unknown).toMatchObject({ status: 'refused', problems: ['suppliers.xlsx: is not a master-data file (expected vendors.csv, purchase_orders.csv, goods_receipts.csv, policy.json)'] });
    const latin1 = await importMasterDrop(dropFromObject('vendors.csv', 'y', new Uint8Array([...enc('vendor_id,name\nV1,M'), 0xfc, ...enc('ller GmbH\n')])), w.deps);
    expect(latin1.status).toBe('refused');
    if (latin1.status === 'refused') expect(latin1.problems).toContain('vendors.csv: is not UTF-8 text');
    const alone = await importMasterDrop(dropFromObject('vendors.csv', 'z', enc(VENDORS)), w.deps);
    expect(alone).toMatchObject({ status: 'refused', problems: ['policy.json: missing (admin_approver is required)'] });
    await expect(w.store.vendor('V100')).resolves.toBeNull();
  });

  it('runs one import at a time: a drop that finds the lane held waits (throws, to be retried) and changes nothing', async () => {
    let release!: () => void;
    const slow = { ...w.deps, store: Object.assign(Object.create(w.store), { importMaster: async (m: never) => { await new Promise<void>((r) => (release = r)); return w.store.importMaster(m); } }) };
    const first = importMasterDrop(dropFromObject('master.zip', 'a', fullSet()), slow);
    await expect.poll(() => release !== undefined).toBe(true);
    await expect(importMasterDrop(dropFromObject('vendors.csv', 'b', enc(VENDORS)), w.deps)).rejects.toBeInstanceOf(LaneBusyError);
    release();
    await expect(first).resolves.toMatchObject({ status: 'imported' });
    await expect(importMasterDrop(dropFromObject('vendors.csv', 'b', enc(VENDORS.replace('Acme Office,', 'Acme,'))), w.deps)).resolves.toMatchObject({ status: 'imported' });
  });

  it('records and reports a failed re-match; the import stands and the drop is not imported again', async () => {
    await importMasterDrop(dropFromObject('master.zip', 'seed', fullSet()), w.deps);
    const failing = { ...w.deps, rematch: async () => Promise.reject(new Error('bills table busy')) };
    const drop = dropFromObject('vendors.csv', 'v2', enc(VENDORS.replace('Acme Office,', 'Acme,')));
    await expect(importMasterDrop(drop, failing)).rejects.toThrow('bills table busy');
    expect((await w.store.vendor('V100'))?.aliases).toEqual(['Acme']);
    const history = await w.state.list<ImportHistory>(LANE_KEYS.imports);
    expect(history.at(-1)?.value).toMatchObject({ status: 'imported', rematch: 'failed: bills table busy' });
    expect(w.outbox.sent.at(-1)).toMatchObject({ tag: 'master-rematch-failed', to: ['ops@northwind.example'] });
    await expect(importMasterDrop(drop, w.deps)).resolves.toMatchObject({ status: 'duplicate' });
  });

  it('the function waits while another import holds the lane, then imports; past its wait it fails for Lambda to retry', async () => {
    await importMasterDrop(dropFromObject('master.zip', 'seed', fullSet()), w.deps);
    const lock = await w.state.get<{ holder: string; until: number }>('LANE#LOCK#MASTER', 'LOCK');
    await w.state.put('LANE#LOCK#MASTER', 'LOCK', { holder: 'sheet:1', until: Date.now() + 60_000 }, lock!.version);
    let clock = Date.now();
    const deps = { ...w.deps, now: () => clock };
    const objects = new Map([['master/incoming/vendors.csv', enc(VENDORS.replace('Acme Office,', 'Acme,'))]]);
    const record = { eventName: 'ObjectCreated:Put', s3: { bucket: { name: 'docs' }, object: { key: 'master/incoming/vendors.csv', size: 100 } } };
    // The other import ends while the drop waits (its third pause).
    const waits: number[] = [];
    const handler = makeHandler(deps, async (_b, key) => objects.get(key)!, async (ms) => {
      waits.push(ms);
      clock += ms;
      if (waits.length === 3) await w.state.put('LANE#LOCK#MASTER', 'LOCK', { holder: 'sheet:1', until: 0 }, lock!.version + 1);
    });
    await expect(handler({ Records: [record] })).resolves.toEqual({ outcomes: [{ key: 'master/incoming/vendors.csv', status: 'imported' }] });
    expect(waits).toHaveLength(3);
    expect(waits.every((ms) => ms >= 750 && ms <= 6_250)).toBe(true);
    expect((await w.store.vendor('V100'))?.aliases).toEqual(['Acme']);

    // Held for longer than the wait: the invocation fails (Lambda retries it; then the dead-letter queue).
    const again = await w.state.get<{ holder: string; until: number }>('LANE#LOCK#MASTER', 'LOCK');
    await w.state.put('LANE#LOCK#MASTER', 'LOCK', { holder: 'sheet:2', until: Date.now() + 3_600_000 }, again!.version);
    objects.set('master/incoming/vendors.csv', enc(VENDORS));
    const patient = makeHandler(deps, async (_b, key) => objects.get(key)!, async (ms) => void (clock += ms));
    await expect(patient({ Records: [record] })).rejects.toBeInstanceOf(LaneBusyError);
    expect((await w.store.vendor('V100'))?.aliases).toEqual(['Acme']);
  });

  it('the function takes S3 notifications for master/incoming/ only, and refuses an object too large to read unread', async () => {
    const objects = new Map<string, Uint8Array>([['master/incoming/set+1.zip', fullSet()]]);
    const reads: string[] = [];
    const handler = makeHandler(w.deps, async (_b, key) => (reads.push(key), objects.get(key)!));
    const record = (key: string, size: number, eventName = 'ObjectCreated:Put') => ({ eventName, s3: { bucket: { name: 'docs' }, object: { key, size, eTag: 'e1' } } });
    const r = await handler({
      Records: [
        record('master/incoming/set%2B1.zip', 100),
        record('uploads/bill.pdf', 100),
        record('master/incoming/old.zip', 100, 'ObjectRemoved:Delete'),
        record('master/incoming/huge.zip', 60 * 1024 * 1024),
      ],
    });
    expect(r.outcomes).toEqual([
      { key: 'master/incoming/set+1.zip', status: 'imported' },
      { key: 'uploads/bill.pdf', status: 'ignored' },
      { key: 'master/incoming/old.zip', status: 'ignored' },
      { key: 'master/incoming/huge.zip', status: 'refused', problems: 1 },
    ]);
    expect(reads).toEqual(['master/incoming/set+1.zip']);
    expect(w.outbox.sent.at(-1)?.text).toContain('huge[.]zip: is larger than 50 MB');
    expect((await w.state.list<ImportHistory>(LANE_KEYS.imports)).at(-2)?.value.source).toBe('s3://docs/master/incoming/set+1.zip');
  });
});
