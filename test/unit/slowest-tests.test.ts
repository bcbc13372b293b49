/** CI's report of the slowest test files, read from vitest's JSON reporter output. */
import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { formatSlowest, readFileTimes, readReport, slowestFiles, slowestTests, type VitestReport } from '../../scripts/slowest-tests.ts';
import { fileTime } from '../support/file-times-reporter.ts';

const root = '/repo';
const file = (name: string, startTime: number, endTime: number, durations: number[], status = 'passed') => ({
  name: `${root}/${name}`,
  status,
  startTime,
  endTime,
  assertionResults: durations.map((duration, i) => ({ fullName: `${name} case ${i}`, status: 'passed', duration })),
});
const report: VitestReport = {
  startTime: 1000,
  testResults: [
    file('test/unit/a.test.ts', 1000, 1500, [100, 200]),
    file('test/infra/nag.test.ts', 1000, 9000, [2500, 4000, 700], 'failed'),
    file('test/contract/b.test.ts', 2000, 4000, [1900]),
  ],
};

describe('slowest tests', () => {
  it('orders files by wall-clock time, hooks included, and keeps the requested count', () => {
    expect(slowestFiles(report, 2, root)).toEqual([
      { file: 'test/infra/nag.test.ts', seconds: 8, tests: 3, status: 'failed' },
      { file: 'test/contract/b.test.ts', seconds: 2, tests: 1, status: 'passed' },
    ]);
  });

  it('takes a file\'s whole time in its worker where the run wrote it: a long beforeAll counts', () => {
    // a.test.ts spent 30 s seeding in beforeAll before its first test: the JSON report spans 0.5 s.
    const times = new Map([[`${root}/test/unit/a.test.ts`, 30_500]]);
    expect(slowestFiles(report, 2, root, times)).toEqual([
      { file: 'test/unit/a.test.ts', seconds: 30.5, tests: 2, status: 'passed' },
      { file: 'test/infra/nag.test.ts', seconds: 8, tests: 3, status: 'failed' },
    ]);
    expect(formatSlowest(report, 1, root, times)).toMatch(/^slowest 1 of 3 test files \(seconds in their worker: import, setup, tests and every hook\):\n {4}30\.5 {2}test\/unit\/a\.test\.ts/);
  });

  it('the reporter counts import, setup, tests and hooks; the file it writes reads back', () => {
    const diagnostic = { environmentSetupDuration: 5, prepareDuration: 20, setupDuration: 300, collectDuration: 1200, duration: 28_000, heap: undefined, importDurations: {} };
    const row = fileTime({ moduleId: `${root}/test/unit/a.test.ts`, diagnostic: () => diagnostic });
    expect(row).toEqual({ file: `${root}/test/unit/a.test.ts`, ms: 29_525 });
    const dir = mkdtempSync(join(tmpdir(), 'bm-slowest-'));
    writeFileSync(join(dir, 'times.json'), JSON.stringify([row]));
    expect(readFileTimes(join(dir, 'times.json'))).toEqual(new Map([[row.file, 29_525]]));
    expect(readFileTimes(join(dir, 'none.json')).size).toBe(0);
    writeFileSync(join(dir, 'bad.json'), JSON.stringify([{ file: 1 }]));
    expect(() => readFileTimes(join(dir, 'bad.json'))).toThrow(/bad\.json: not a list of file times: 0\.file/);
  });

  it('orders single tests by their own duration', () => {
    expect(slowestTests(report, 3, root).map((t) => [t.test, t.seconds])).toEqual([
      ['test/infra/nag.test.ts case 1', 4],
      ['test/infra/nag.test.ts case 0', 2.5],
      ['test/contract/b.test.ts case 0', 1.9],
    ]);
  });

  it('prints a table that marks a failed file', () => {
    const text = formatSlowest(report, 10, root);
    expect(text).toContain('slowest 3 of 3 test files');
    expect(text).toMatch(/ {5}8\.0 {2}test\/infra\/nag\.test\.ts +3 tests {2}failed/);
  });

  it('names the file when it is not a vitest JSON report', () => {
    const dir = mkdtempSync(join(tmpdir(), 'bm-slowest-'));
    writeFileSync(join(dir, 'r.json'), JSON.stringify({ testResults: 'nope' }));
    writeFileSync(join(dir, 'bad.json'), '{');
    expect(() => readReport(join(dir, 'r.json'))).toThrow(/r\.json: not a vitest JSON report: startTime/);
    expect(() => readReport(join(dir, 'bad.json'))).toThrow(/bad\.json: not readable as JSON/);
  });
});
