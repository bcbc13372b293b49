/**
 * `bm` in words: a mistyped command or option gets the closest one; every problem of a command
 * line or a file at once; files named in words (no `ENOENT`); zod's issues as "line 1: line_id
 * is missing"; Java missing as one line with install commands; progress as plain lines in a log.
 */
import { spawnSync } from 'node:child_process';
import { mkdirSync, mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { findJava, JavaMissingError, startDynamoDbLocal } from '../../lambdas/adapters/local/dynamodb-local.ts';
import { didYouMean } from '../../lambdas/cli/args.ts';
import { reviewProblems } from '../../lambdas/cli/cloud.ts';
import { formatMoney, formatWhen } from '../../lambdas/cli/list.ts';
import { BacklogReport } from '../../lambdas/cli/local.ts';
import { main } from '../../lambdas/cli/main.ts';
import { startProgress } from '../../lambdas/cli/progress.ts';
import { shapeBill } from '../../lambdas/core/bill.ts';
import { placeOf, problemInWords } from '../../lambdas/core/issues.ts';
import { parseMasterData } from '../../lambdas/core/master.ts';
import type { StackEvent } from '../../lambdas/adapters/local/stack.ts';
import { bill, GRN_CSV, POS_CSV, VENDORS_CSV } from '../support/builders.ts';

async function bm(args: string[]) {
  let out = '';
  let err = '';
  const code = await main(args, { stdout: (s) => (out += s), stderr: (s) => (err += s) });
  return { code, out, err };
}

function tmp(files: Record<string, string> = {}): string {
  const d = mkdtempSync(join(tmpdir(), 'bm-words-'));
  for (const [name, text] of Object.entries(files)) {
    mkdirSync(join(d, name, '..'), { recursive: true });
    writeFileSync(join(d, name), text);
  }
  return d;
}

describe('did you mean', () => {
  it.each([
    ['strat', 'start'],
    ['improt', 'import'],
    ['lsit', 'list'],
    ['rn', 'run'],
    ['summry', 'summary'],
  ])('bm %s suggests %s, exit 2', async (typed, meant) => {
    const r = await bm([typed]);
    expect(r.code).toBe(2);
    expect(r.err).toBe(`bm: unknown command "${typed}" (did you mean ${meant}?)\n\nbm help lists the commands.\n`);
  });

  it('suggests nothing for a word far from every command', async () => {
    const r = await bm(['frobnicate']);
    expect(r.code).toBe(2);
    expect(r.err).toContain('bm: unknown command "frobnicate"\n');
    expect(didYouMean('frobnicate', ['start', 'run'])).toBeNull();
  });

  it('names every unknown option of a command line at once, each with the closest known one, and the command\'s usage', async () => {
    const r = await bm(['run', '--jsn', '--mastr', 'm', '--trase', 'x.bill.json']);
    expect(r.code).toBe(2);
    expect(r.err).toContain('bm: unknown option --jsn (did you mean --json?)\nbm: unknown option --mastr (did you mean --master?)\nbm: unknown option --trase (did you mean --trace?)\n');
    expect(r.err).toContain('  bm run --master DIR');
    expect(r.err).not.toContain('bm cost');
  });

  it('says which option needs a value and which takes none', async () => {
    const r = await bm(['read', '--json=yes', 'x']);
    expect(r.err).toContain('bm: --json takes no value (got --json=yes)');
    const s = await bm(['run', '--master', '--json', 'x']);
    expect(s.err).toContain('bm: --master needs a value (got the option --json)');
  });

  it('gives every problem of a run command line in one round', async () => {
    const r = await bm(['run', '--now', 'yesterday']);
    expect(r.code).toBe(2);
    expect(r.err).toContain('bm: run needs --master DIR\nbm: run needs at least one FILE\nbm: --now "yesterday" is not an ISO 8601 date-time');
  });

  it('prints one command\'s usage for bm CMD --help and bm help CMD', async () => {
    for (const args of [['list', '--help'], ['help', 'list']]) {
      const r = await bm(args);
      expect(r.code).toBe(0);
      expect(r.out).toContain('bm list [--state S]');
      expect(r.out).not.toContain('bm run');
    }
  });
});

describe('files and folders in words', () => {
  it('names a missing file and a folder given as a file, without ENOENT', async () => {
    const d = tmp({ 'a/x.txt': 'x' });
    const r = await bm(['read', join(d, 'missing.bill.json'), join(d, 'a')]);
    expect(r.code).toBe(1);
    expect(r.err).toContain(`bm: ${join(d, 'missing.bill.json')}: no such file or folder\n`);
    expect(r.err).toContain(`bm: ${join(d, 'a')}: is a folder, not a file\n`);
    expect(r.err).not.toMatch(/ENOENT|EISDIR/);
  });

  it('names a master-data folder that does not exist (run and import), before starting anything', async () => {
    const d = tmp();
    const run = await bm(['run', '--master', join(d, 'nope'), 'x.bill.json']);
    expect(run.code).toBe(2);
    expect(run.err).toContain(`bm: --master ${join(d, 'nope')}: no such folder\n`);
    const imp = await bm(['import', join(d, 'nope'), '--home', d]);
    expect(imp.code).toBe(2);
    expect(imp.err).toContain(`bm: master-data folder ${join(d, 'nope')}: no such folder\n`);
    const file = await bm(['import', join(tmp({ 'f.csv': 'x' }), 'f.csv')]);
    expect(file.err).toMatch(/f\.csv: is a file, not a folder\n/);
  });
});

describe('schema problems in words', () => {
  it('renders every zod issue of a bill, naming the line and field: "line 1: line_id is missing"', () => {
    const raw = { ...bill(), document_type: 'bill', lines: [{ quantity: '1', unit_price: '2', net_amount: '2' }, { line_id: '2', quantity: true, unit_price: '2', net_amount: '2' }], supplier: { name: 'Acme', email: 5 } };
    const shaped = shapeBill(raw);
    expect(shaped.ok).toBe(false);
    if (shaped.ok) return;
    const words = shaped.problems.map((p) => problemInWords(p.field, p.message));
    expect(words).toEqual([
      'document_type must be "invoice" or "credit_note", not "bill"',
      'supplier.email must be text, not 5',
      'line 1: line_id is missing',
      'line 2: quantity must be text or a number, not true',
    ]);
    expect(words.join('\n')).not.toContain('Invalid input');
  });

  it('names the file and field of each problem of a corrected bill (bm review --file)', () => {
    expect(
      reviewProblems('bill.json', [
        { field: 'lines[0].line_id', message: 'is missing' },
        { field: 'tax_breakdown[1].rate', message: 'must be text or a number, not true' },
        { field: 'total', message: 'TOTALS_INCONSISTENT: field total: 10.00 ≠ 12.00' },
        { field: 'reviewer', message: 'must be an email address' },
      ]),
    ).toEqual([
      'bill.json: line 1: line_id is missing',
      'bill.json: tax row 2: rate must be text or a number, not true',
      'bill.json: total: TOTALS_INCONSISTENT: field total: 10.00 ≠ 12.00',
      '--reviewer must be an email address',
    ]);
    expect(placeOf(['lines', 2, 'po_line'])).toBe('line 3: po_line');
    expect(placeOf([])).toBe('(document)');
  });

  it('renders every problem of a policy.json in words', () => {
    try {
      parseMasterData({ 'vendors.csv': VENDORS_CSV, 'purchase_orders.csv': POS_CSV, 'goods_receipts.csv': GRN_CSV, 'policy.json': JSON.stringify({ timezone: 5, duplicate_window_days: 'x' }) });
      expect.unreachable();
    } catch (err) {
      const text = (err as Error).message;
      expect(text).toContain('policy.json: admin_approver is missing');
      expect(text).toContain('policy.json: timezone must be text, not 5');
      expect(text).toContain('policy.json: duplicate_window_days must be a number');
      expect(text).not.toContain('Invalid input');
    }
  });
});

describe('Java missing', () => {
  it('findJava looks in JAVA_HOME, then PATH; null when neither has one', () => {
    const empty = tmp();
    expect(findJava({ PATH: empty })).toBeNull();
    const home = tmp({ 'bin/java': '#!/bin/sh\n' });
    spawnSync('chmod', ['+x', join(home, 'bin/java')]);
    expect(findJava({ JAVA_HOME: home, PATH: empty })).toBe(join(home, 'bin/java'));
    expect(findJava({ PATH: `${empty}:${join(home, 'bin')}` })).toBe(join(home, 'bin/java'));
  });

  it('startDynamoDbLocal says so in one line with the install commands, starting nothing', async () => {
    const err = await startDynamoDbLocal({ env: { PATH: tmp() } }).catch((e: unknown) => e);
    expect(err).toBeInstanceOf(JavaMissingError);
    expect((err as Error).message).toMatch(/^DynamoDB Local \(the local database\) needs Java, and there is no java on PATH: install Java 17 or newer — Debian\/Ubuntu: sudo apt-get install -y default-jre-headless;.*brew install openjdk@17.*then run bm again$/);
    expect((err as Error).message).not.toContain('\n');
  });

  it('bm run without Java prints that one line, no stack trace, exit 1', () => {
    const d = tmp({ 'm/vendors.csv': VENDORS_CSV, 'm/purchase_orders.csv': POS_CSV, 'm/goods_receipts.csv': GRN_CSV, 'm/policy.json': JSON.stringify({ admin_approver: 'a@example.com' }), 'b.bill.json': JSON.stringify(bill()) });
    const env: NodeJS.ProcessEnv = { ...process.env, PATH: tmp() };
    delete env.JAVA_HOME;
    const r = spawnSync(process.execPath, [join(import.meta.dirname, '../../bin/bm.mjs'), 'run', '--master', join(d, 'm'), join(d, 'b.bill.json')], { env, encoding: 'utf8', timeout: 120_000 });
    expect(r.stderr).toMatch(/^bm: DynamoDB Local \(the local database\) needs Java, and there is no java on PATH: install Java 17 or newer — Debian\/Ubuntu: sudo apt-get install -y default-jre-headless;[^\n]*\n$/);
    expect(r.stderr).not.toMatch(/\n\s+at /);
    expect(r.status).toBe(1);
  }, 120_000);
});

describe('progress in a log (not a terminal)', () => {
  it('prints what is to go, one line per quarter passed, and the end: five lines for a thousand files', () => {
    let err = '';
    const p = startProgress({ stderr: (t) => void (err += t) }, 'bm run', 1000, 'files', 'decided');
    for (let i = 1; i <= 1000; i++) p.update(i, `${i} bills`);
    p.done('1,000 files decided (1,000 bills)');
    const lines = err.trim().split('\n');
    expect(lines).toHaveLength(5);
    expect(lines[0]).toBe('bm run: 1,000 files to go');
    expect(lines[1]).toMatch(/^bm run: 250 of 1,000 files decided \(25%\), 250 bills, [\d.]+ s$/);
    expect(lines[3]).toMatch(/^bm run: 750 of 1,000 files decided \(75%\)/);
    expect(lines[4]).toMatch(/^bm run: 1,000 files decided \(1,000 bills\) in [\d.]+ s$/);
  });

  it('bm start reports a large backlog as it drains', () => {
    let t = 0;
    const r = new BacklogReport(20, 100, () => t);
    const out: string[] = [];
    const received = { kind: 'received' } as StackEvent;
    const outcome = { kind: 'outcome' } as StackEvent;
    for (let i = 0; i < 10; i++) {
      const l = r.onEvent(received);
      if (l) out.push(l);
    }
    for (let i = 0; i < 10; i++) r.onEvent(outcome);
    expect(out).toEqual([]);
    for (let i = 0; i < 250; i++) {
      const l = r.onEvent(received);
      if (l) out.push(l);
    }
    t = 95_000;
    for (let i = 0; i < 250; i++) {
      const l = r.onEvent(outcome);
      if (l) out.push(l);
    }
    expect(out.map((l) => l.slice(10))).toEqual([
      'progress  20 documents waiting to be decided\n',
      'progress  100 of 250 documents decided (150 waiting)\n',
      'progress  200 of 250 documents decided (50 waiting)\n',
      'progress  all 250 documents decided in 1 min 35 s\n',
    ]);
  });
});

describe('bm list formatting', () => {
  it.each([
    ['15815.10', 'EUR', 'EUR 15,815.10'],
    ['8550', 'EUR', 'EUR 8,550.00'],
    ['8550', 'JPY', 'JPY 8,550'],
    ['1234.567', 'BHD', 'BHD 1,234.567'],
    ['-1550.5', 'USD', '-USD 1,550.50'],
    ['12345678901234567.89', 'EUR', 'EUR 12,345,678,901,234,567.89'],
    ['0.125', 'EUR', 'EUR 0.125'],
    ['319.00', 'unclear', '319.00 (currency unclear)'],
    ['319.00', null, '319.00 (currency unclear)'],
    ['1000', 'XYZ', '1,000.00 (currency XYZ)'],
  ])('%s %s → %s', (amount, currency, want) => {
    expect(formatMoney(amount, currency)).toBe(want);
  });

  it('shows times in the policy time zone', () => {
    expect(formatWhen('2026-03-29T00:30:00Z', 'Europe/Berlin')).toBe('2026-03-29 01:30');
    expect(formatWhen('2026-03-29T01:30:00Z', 'Europe/Berlin')).toBe('2026-03-29 03:30');
    expect(formatWhen('2026-03-29T01:30:00Z', 'America/New_York')).toBe('2026-03-28 21:30');
  });
});
