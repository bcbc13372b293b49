/**
 * `bm list` on DynamoDB Local: filters, search (invoice number normalized as for duplicates,
 * PO, vendor name), pages with a cursor and how many more; a deployed stack's table (found through
 * its `TableName` output) and the running local stack. Also the progress of a large import in a
 * log (not a terminal), and a bill sent before any import said in words.
 */
import { randomUUID } from 'node:crypto';
import { mkdtemp, readFile, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { DescribeStacksCommand, DescribeStacksCommandOutput } from '@aws-sdk/client-cloudformation';
import { UpdateItemCommand } from '@aws-sdk/client-dynamodb';
import { beforeAll, describe, expect, inject, it } from 'vitest';
import { openLocalStore } from '../../lambdas/adapters/local/local-stack.ts';
import { startLocalStack } from '../../lambdas/adapters/local/stack.ts';
import type { DynamoBillStore } from '../../lambdas/adapters/aws/dynamo-store.ts';
import { findBillsPage, listCommand } from '../../lambdas/cli/list.ts';
import { upgradeCommand } from '../../lambdas/cli/upgrade.ts';
import { describeEvent } from '../../lambdas/cli/local.ts';
import { main } from '../../lambdas/cli/main.ts';
import { importWithProgress } from '../../lambdas/cli/progress.ts';
import { NoMasterDataError, type BillRecord } from '../../lambdas/core/ports/store.ts';
import { processBill } from '../../lambdas/core/process-bill.ts';
import type { CanonicalBill } from '../../lambdas/core/bill.ts';
import { bill, master, VENDORS_CSV } from '../support/builders.ts';
import { testStack } from '../support/local.ts';

function io() {
  let out = '';
  let err = '';
  return {
    get out() {
      return out;
    },
    get err() {
      return err;
    },
    io: { stdout: (t: string) => void (out += t), stderr: (t: string) => void (err += t) },
  };
}

/** CloudFormation as DescribeStacks answers. */
function cloudFormation(stacks: Record<string, Record<string, string>>) {
  return {
    async send(command: DescribeStacksCommand): Promise<DescribeStacksCommandOutput> {
      const name = command.input.StackName!;
      const outputs = stacks[name];
      if (!outputs) throw Object.assign(new Error(`Stack with id ${name} does not exist`), { name: 'ValidationError' });
      return { $metadata: {}, Stacks: [{ StackName: name, CreationTime: new Date(), StackStatus: 'CREATE_COMPLETE', Outputs: Object.entries(outputs).map(([OutputKey, OutputValue]) => ({ OutputKey, OutputValue })) }] };
    },
  };
}

const T0 = Date.parse('2026-03-05T10:00:00Z');

async function decide(store: DynamoBillStore, id: string, canonical: CanonicalBill, atMs: number): Promise<BillRecord> {
  return processBill(
    { billId: id, canonical, readingExceptions: [], source: { input: `${id}.bill.json`, part: 0, format: 'bill-json', document_hash: `h-${id}`, submitter: null } },
    { store, now: () => atMs },
  );
}

describe('bm list', () => {
  const table = `t-${randomUUID()}`;
  let store: DynamoBillStore;
  let clients: { cloudFormation: ReturnType<typeof cloudFormation>; dynamodb: Awaited<ReturnType<typeof openLocalStore>>['client'] };
  const all: BillRecord[] = [];

  beforeAll(async () => {
    const opened = await openLocalStore(inject('dynamoEndpoint'), table);
    store = opened.store;
    clients = { cloudFormation: cloudFormation({ BillMatcher: { TableName: table } }), dynamodb: opened.client };
    await store.importMaster(master());
    // 55 bills of Acme (V001) on PO-7001, one a minute: the PO's 10 received widgets run out after the first.
    for (let i = 1; i <= 55; i++) {
      all.push(await decide(store, `b-acme-${String(i).padStart(2, '0')}`, bill({ invoice_number: `INV-${String(i).padStart(4, '0')}`, lines: [{ line_id: '1', item_code: 'A-100', quantity: '1', unit_price: '12.50', net_amount: '12.50' }], net_total: '12.50', tax_total: '2.38', total: '14.88' }), T0 + i * 60_000));
    }
    // One of Other Corp. (V002) on PO-7002, large; one from a supplier not in the vendor list.
    all.push(
      await decide(
        store,
        'b-other',
        bill({ invoice_number: 'OC/2026/77', supplier: { name: 'Other Corp.', tax_id: 'DE999999999' }, po_reference: 'PO-7002', lines: [{ line_id: '1', item_code: 'C-1', quantity: '10', unit_price: '800', net_amount: '8000.00' }], net_total: '8000.00', tax_total: '1520.00', total: '9520.00' }),
        T0 + 100 * 60_000,
      ),
    );
    all.push(await decide(store, 'b-zeta', bill({ invoice_number: 'Z-1', supplier: { name: 'Zeta Trading Ltd', tax_id: 'GB000000001' }, po_reference: null }), T0 + 101 * 60_000));
  }, 180_000);

  it('pages newest first, 50 at a time by default, with how many more and a cursor for them', async () => {
    // Through the worklist's keyed queries: never every bill of a state.
    const keyed = new Proxy(store, {
      get(target, key) {
        if (key === 'listBills') return () => Promise.reject(new Error('bm list read every bill'));
        const v = Reflect.get(target, key) as unknown;
        return typeof v === 'function' ? v.bind(target) : v;
      },
    });
    const first = await findBillsPage(keyed, {});
    expect(first.rows).toHaveLength(50);
    expect(first.more).toBe(7);
    expect(first.rows[0]!.bill_id).toBe('b-zeta');
    const times = first.rows.map((b) => b.created_at);
    expect([...times].sort().reverse()).toEqual(times);
    const second = await findBillsPage(keyed, { cursor: first.next });
    expect(second.rows).toHaveLength(7);
    expect(second.next).toBeNull();
    expect(second.more).toBe(0);
    const seen = [...first.rows, ...second.rows].map((b) => b.bill_id);
    expect(new Set(seen).size).toBe(57);
    expect(new Set(seen)).toEqual(new Set(all.map((b) => b.bill_id)));
  });

  it('filters by state, exception code and vendor, each alone and together', async () => {
    const flagged = (await findBillsPage(store, { state: 'flagged', limit: 1000 })).rows;
    expect(flagged.length).toBe(all.filter((b) => b.state === 'flagged').length);
    expect(flagged.every((b) => b.state === 'flagged')).toBe(true);
    const qv = (await findBillsPage(store, { code: 'QUANTITY_VARIANCE', limit: 1000 })).rows;
    expect(qv.length).toBeGreaterThan(40);
    expect(qv.every((b) => b.exceptions.some((e) => e.code === 'QUANTITY_VARIANCE'))).toBe(true);
    expect((await findBillsPage(store, { vendorId: 'V002' })).rows.map((b) => b.bill_id)).toEqual(['b-other']);
    const both = (await findBillsPage(store, { vendorId: 'V001', code: 'QUANTITY_VARIANCE', state: 'flagged', limit: 1000 })).rows;
    expect(both.length).toBe(all.filter((b) => b.vendor_id === 'V001' && b.state === 'flagged' && b.exceptions.some((e) => e.code === 'QUANTITY_VARIANCE')).length);
  });

  it('searches an invoice number normalized as for duplicates, a PO reference, the start of a vendor name and an unknown supplier by name', async () => {
    const ids = async (search: string) => (await findBillsPage(store, { search, limit: 1000 })).rows.map((b) => b.bill_id);
    // INV-0007, inv 7, INV0007 and INV-OOO7 (letter O for zero) are the same number for duplicates.
    for (const s of ['INV-0007', 'inv 7', 'INV0007', 'INV-OOO7']) expect(await ids(s)).toEqual(['b-acme-07']);
    expect(await ids('oc 2026 77')).toEqual(['b-other']);
    expect(await ids('po-7002')).toEqual(['b-other']);
    // A supplier not in the vendor list is found by its whole name (normalized), as in the workspace.
    expect(await ids('Zeta Trading Ltd')).toEqual(['b-zeta']);
    expect(await ids('zeta trading ltd.')).toEqual(['b-zeta']);
    expect(await ids('Other')).toEqual(['b-other']);
    expect(await ids('INV-9999')).toEqual([]);
  });

  it('prints a deployed stack\'s bills as a table: money grouped with the currency\'s decimals, times in the policy\'s zone, the way to the next page', async () => {
    const o = io();
    const code = await listCommand(['--stack', 'BillMatcher', '--limit', '3'], o.io, { clients });
    expect(o.err).toBe('');
    expect(code).toBe(0);
    const lines = o.out.split('\n');
    expect(lines[0]).toMatch(/^received\s+bill\s+vendor\s+invoice\s+PO\s+total\s+state\s+exceptions$/);
    // 2026-03-05 11:41 UTC is 12:41 in Berlin.
    expect(o.out).toContain('2026-03-05 12:41');
    expect(o.out).toContain('EUR 9,520.00');
    expect(o.out).toContain('(Zeta Trading Ltd)');
    expect(o.out).toContain('received in Europe/Berlin');
    expect(o.out).toMatch(/3 shown; 54 more bills match: bm list --stack BillMatcher --limit 3 --after \S+\n$/);
    const after = /--after (\S+)\n$/.exec(o.out)![1]!;
    const next = io();
    await listCommand(['--stack', 'BillMatcher', '--limit', '3', '--after', after], next.io, { clients });
    expect(next.out).toContain('b-acme-54');
    expect(next.out).not.toContain('b-acme-55');
    // Past the first page the count is not read again (it would cost the table's reads).
    expect(next.out).toMatch(/3 shown; more bills match: bm list --stack BillMatcher --limit 3 --after \S+\n$/);
  });

  it('with --json prints one object per bill on stdout and the way on on stderr', async () => {
    const o = io();
    expect(await listCommand(['--stack', 'BillMatcher', '--json', '--search', 'acme', '--limit', '5'], o.io, { clients })).toBe(0);
    const rows = o.out.trim().split('\n').map((l) => JSON.parse(l));
    expect(rows).toHaveLength(5);
    expect(rows[0]).toMatchObject({ bill_id: 'b-acme-55', vendor_id: 'V001', invoice_number: 'INV-0055', total: '14.88', currency: 'EUR' });
    // A search is not counted (its bills are found a page at a time).
    expect(o.err).toMatch(/^5 shown; more bills match: bm list --stack BillMatcher --json --search acme --limit 5 --after \S+\n$/);
  });

  it('refuses bad filters, all at once, with the closest state or code', async () => {
    const o = io();
    const code = await main(['list', '--state', 'flaged', '--code', 'price_varience', '--limit', '0'], o.io);
    expect(code).toBe(2);
    expect(o.err).toContain('bm: --state "flaged" is not a state (did you mean flagged?)');
    expect(o.err).toContain('bm: --code "price_varience" is not an exception code (did you mean PRICE_VARIANCE?)');
    expect(o.err).toContain('bm: --limit "0" must be a whole number from 1 to 1000');
  });

  it('bm upgrade gives a deployed table\'s bills from before the worklist their keys, once', async () => {
    // A bill as an older version wrote it: no worklist keys.
    await clients.dynamodb.send(
      new UpdateItemCommand({ TableName: table, Key: { pk: { S: 'BILL#b-acme-03' }, sk: { S: 'BILL' } }, UpdateExpression: 'REMOVE gsi3pk, gsi3sk' }),
    );
    const ids = async () => (await findBillsPage(store, { limit: 1000 })).rows.map((b) => b.bill_id);
    expect(await ids()).not.toContain('b-acme-03');
    const up = io();
    expect(await upgradeCommand(['--stack', 'BillMatcher'], up.io, { clients })).toBe(0);
    expect(up.out).toContain('1 bill and 0 master records given their keys');
    expect(await ids()).toContain('b-acme-03');
    const again = io();
    expect(await upgradeCommand(['--stack', 'BillMatcher'], again.io, { clients })).toBe(0);
    const bare = io();
    expect(await main(['upgrade'], bare.io)).toBe(2);
    expect(bare.err).toContain('bm: upgrade needs --stack NAME');
    expect(again.out).toContain('0 bills and 0 master records given their keys');
  });

  it('refuses a cursor it did not print for these filters as a usage error, naming --after', async () => {
    const first = await findBillsPage(store, { limit: 3 });
    await expect(findBillsPage(store, { state: 'flagged', limit: 3, cursor: first.next })).rejects.toThrow(/^--after ".+" is not a cursor bm list printed for these filters$/);
    const o = io();
    expect(await listCommand(['--stack', 'BillMatcher', '--after', 'not-a-cursor'], o.io, { clients }).catch((e: Error) => e.message)).toMatch(/--after "not-a-cursor" is not a cursor bm list printed/);
  });

  it('names a stack that does not exist', async () => {
    const o = io();
    expect(await listCommand(['--stack', 'Nope'], o.io, { clients })).toBe(1);
    expect(o.err).toContain('there is no stack Nope');
  });
});

describe('bm list on the running local stack', () => {
  it('finds the stack through its home and lists its bills', async () => {
    const stack = await testStack();
    try {
      await decide(stack.store, 'b-local-1', bill({ invoice_number: 'LOC-1', supplier: { name: 'Acme Office Supplies GmbH', tax_id: 'DE129273398' }, po_reference: null }), T0);
      const o = io();
      expect(await main(['list', '--home', stack.home, '--search', 'loc-1'], o.io)).toBe(0);
      expect(o.out).toContain('b-local-1');
      expect(o.out).toContain('LOC-1');
      expect(o.out).not.toContain('more bills match');
    } finally {
      await stack.dispose();
    }
  }, 120_000);
});

describe('progress of a large import, in a log', () => {
  it('prints a few plain lines on stderr: what is to go, each quarter, and the end', async () => {
    const { store } = await openLocalStore(inject('dynamoEndpoint'), `t-${randomUUID()}`);
    // 700 vendors: more than the 500 records from which progress is shown.
    const vendors = VENDORS_CSV + Array.from({ length: 700 }, (_, i) => `W${i},Widget Maker ${i},,,,,EUR,,0,false,buyer@example.com,\n`).join('');
    let err = '';
    await importWithProgress(store, master({ 'vendors.csv': vendors }), { stderr: (t) => void (err += t) }, 'bm import');
    const lines = err.trim().split('\n');
    expect(lines[0]).toMatch(/^bm import: [\d,]+ records to go$/);
    // One line as each quarter is passed (records go in batches of 25: 26% is where the first quarter was passed).
    const percents = lines.slice(1, -1).map((l) => Number(/ of [\d,]+ records written \((\d+)%\)/.exec(l)?.[1]));
    expect(percents).toHaveLength(3);
    percents.forEach((p, i) => {
      expect(p).toBeGreaterThanOrEqual(25 * (i + 1));
      expect(p).toBeLessThan(25 * (i + 1) + 5);
    });
    expect(lines.at(-1)).toMatch(/^bm import: [\d,]+ records written in [\d.]+ s$/);
    expect(lines).toHaveLength(5);
    expect(await store.vendor('W699')).toMatchObject({ name: 'Widget Maker 699' });
  }, 120_000);

  it('says nothing for a small import', async () => {
    const { store } = await openLocalStore(inject('dynamoEndpoint'), `t-${randomUUID()}`);
    let err = '';
    await importWithProgress(store, master(), { stderr: (t) => void (err += t) }, 'bm import');
    expect(err).toBe('');
  });
});

describe('a bill sent before any master-data import', () => {
  it('is not decided, and says "no master data imported yet" rather than that it could not be read', async () => {
    const { store } = await openLocalStore(inject('dynamoEndpoint'), `t-${randomUUID()}`);
    await expect(store.policy()).rejects.toBeInstanceOf(NoMasterDataError);
    const home = await mkdtemp(join(tmpdir(), 'bm-nomaster-'));
    const stack = await startLocalStack({ home, database: { endpoint: inject('dynamoEndpoint'), tableName: `t-${randomUUID()}` } });
    try {
      const outcome = await stack.submit({ bytes: await readFile(join(import.meta.dirname, '../../bin/demo/bills/01-acme-office.xml')), name: '01-acme-office.xml' });
      expect(outcome.kind).toBe('processed');
      if (outcome.kind !== 'processed') return;
      const [b] = outcome.execution.bills;
      expect(b!.state).toBe('needs_review');
      expect(b!.exceptions[0]!.message).toBe(
        '01-acme-office.xml: not decided: no master data imported yet: import it with `bm import DIR` (vendors.csv, purchase_orders.csv, goods_receipts.csv, policy.json); then send the bill again',
      );
      expect(b!.exceptions[0]!.message).not.toMatch(/processing failed|could not be read/);
      const line = describeEvent({ kind: 'outcome', via: 'drop', outcome }, stack.webUrl).out!;
      expect(line).toContain('→ needs_review: no master data imported yet — run bm import DIR in another terminal, then send it again');
    } finally {
      await stack.stop();
      await rm(home, { recursive: true, force: true });
    }
  }, 120_000);
});
