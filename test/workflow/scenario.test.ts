/**
 * The public scenario world through `bm run --json`: every bill gets the state and the
 * exception codes of `expected.jsonl`, in one run on a fresh local stack.
 */
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { beforeAll, describe, expect, it } from 'vitest';
import { main } from '../../lambdas/cli/main.ts';

const WORLD = join(import.meta.dirname, '../fixtures/worlds/public');

interface Expected {
  seq: number;
  case: string;
  json: string;
  ubl: string | null;
  vendor_id: string | null;
  po_number: string | null;
  po_inferred: boolean;
  approvers: string[] | null;
  expect: { codes: string[]; state: string };
}

const expected: Expected[] = readFileSync(join(WORLD, 'expected.jsonl'), 'utf8')
  .trim()
  .split('\n')
  .map((l) => JSON.parse(l));

async function run(args: string[]) {
  let out = '';
  let err = '';
  const code = await main(args, { stdout: (s) => (out += s), stderr: (s) => (err += s) });
  return { code, err, rows: out.trim().split('\n').filter(Boolean).map((l) => JSON.parse(l)) };
}

describe.each([
  { set: 'bills-json', bills: expected, file: (e: Expected) => e.json },
  // One JSON-only bill (currency `unclear`) has no UBL twin.
  { set: 'bills-ubl', bills: expected.filter((e) => e.ubl), file: (e: Expected) => e.ubl! },
])('public world, $set', ({ bills, file }) => {
  let result: Awaited<ReturnType<typeof run>>;
  beforeAll(async () => {
    result = await run(['run', '--master', join(WORLD, 'master'), '--now', '2026-03-03T10:00:00+01:00', '--json', '--trace', ...bills.map((e) => join(WORLD, file(e)))]);
  }, 120_000);

  it('processes every file and exits 0', () => {
    expect(result.code).toBe(0);
    expect(result.rows).toHaveLength(bills.length);
  });

  it.each(bills.map((e, i) => ({ ...e, i })))('$seq $case', (e) => {
    const row = result.rows[e.i];
    // Every bill went through the state machine, as the interpreter executed it.
    expect(row.trace.slice(0, 7)).toEqual(['ReadDocument', 'NeedsExtraction', 'DecideEachBill', 'DecideBill', 'NotifyPeople', 'AwaitApprovals', 'NeedsApprover']);
    expect(row.trace[7]).toBe(row.approvers.length > 0 ? 'WaitForQuietHours' : 'NoApproverNeeded');
    expect({ state: row.state, codes: row.exceptions.map((x: { code: string }) => x.code).sort() }).toEqual({
      state: e.expect.state,
      codes: [...e.expect.codes].sort(),
    });
    if (row.state !== 'needs_review') {
      expect(row.vendor_id).toBe(e.vendor_id);
      if (e.po_number !== '*') expect(row.po_number).toBe(e.po_number);
      expect(row.po_inferred).toBe(e.po_inferred);
      if (e.approvers) expect(row.approvers).toEqual(e.approvers);
    } else {
      expect([row.vendor_id, row.po_number]).toEqual([null, null]);
    }
  });
});

describe('public world, bills-json, --approve-all', () => {
  let result: Awaited<ReturnType<typeof run>>;
  beforeAll(async () => {
    result = await run(['run', '--master', join(WORLD, 'master'), '--now', '2026-03-03T10:00:00+01:00', '--approve-all', '--json', ...expected.map((e) => join(WORLD, e.json))]);
  }, 180_000);

  it.each(expected.map((e, i) => ({ ...e, i })))('$seq $case', (e) => {
    const want = (e as unknown as { expect_approve_all: { codes: string[]; state: string } }).expect_approve_all;
    const row = result.rows[e.i];
    expect({ state: row.state, codes: row.exceptions.map((x: { code: string }) => x.code).sort() }).toEqual({ state: want.state, codes: [...want.codes].sort() });
  });
});

describe('quiet hours through bm run', () => {
  it('a bill routed at 21:00 on a Friday is emailed on Monday at 08:00', async () => {
    const r = await run(['run', '--master', join(WORLD, 'master'), '--now', '2026-03-06T21:00:00+01:00', '--json', join(WORLD, 'bills-json/002-clean_large_category_approver.bill.json')]);
    expect(r.rows[0]).toMatchObject({ state: 'awaiting_approval', notify_at: '2026-03-09T08:00:00+01:00' });
  });
});
