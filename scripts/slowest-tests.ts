/**
 * `tsx scripts/slowest-tests.ts <vitest-json-report> [count] [file-times.json]`: the slowest test
 * files of a run, read from vitest's JSON reporter output (`--reporter=json --outputFile.json=…`),
 * and the slowest single tests. CI prints it after `npm test`, so a file that grows slow is seen.
 * A file's time is its whole time in its worker where the run also wrote `file-times.json`
 * (test/support/file-times-reporter.ts: import, setup and `beforeAll` hooks included); the JSON
 * report alone spans a file from its first test, which leaves a long `beforeAll` out.
 */
import { existsSync, readFileSync } from 'node:fs';
import { relative } from 'node:path';
import { pathToFileURL } from 'node:url';
import { z } from 'zod';

const Report = z.object({
  startTime: z.number(),
  testResults: z.array(
    z.object({
      name: z.string(),
      status: z.string(),
      startTime: z.number(),
      endTime: z.number(),
      assertionResults: z.array(z.object({ fullName: z.string(), status: z.string(), duration: z.number().nullish() })),
    }),
  ),
});
export type VitestReport = z.infer<typeof Report>;

export interface SlowFile {
  readonly file: string;
  readonly seconds: number;
  readonly tests: number;
  readonly status: string;
}

export interface SlowTest {
  readonly file: string;
  readonly test: string;
  readonly seconds: number;
}

/** Each file's whole time in its worker (ms), by absolute path (`file-times.json`). */
export type FileTimes = ReadonlyMap<string, number>;

/**
 * Files by time, slowest first: their whole time in their worker where `times` has it (import,
 * setup, tests and every hook), else from their first test's start to their end.
 */
export function slowestFiles(report: VitestReport, count: number, root = process.cwd(), times: FileTimes = new Map()): SlowFile[] {
  return report.testResults
    .map((f) => ({ file: relative(root, f.name), seconds: (times.get(f.name) ?? f.endTime - f.startTime) / 1000, tests: f.assertionResults.length, status: f.status }))
    .sort((a, b) => b.seconds - a.seconds || a.file.localeCompare(b.file))
    .slice(0, count);
}

/** Single tests by their own duration (hooks not included), slowest first. */
export function slowestTests(report: VitestReport, count: number, root = process.cwd()): SlowTest[] {
  return report.testResults
    .flatMap((f) => f.assertionResults.map((t) => ({ file: relative(root, f.name), test: t.fullName, seconds: (t.duration ?? 0) / 1000 })))
    .sort((a, b) => b.seconds - a.seconds || a.test.localeCompare(b.test))
    .slice(0, count);
}

/** Parses a report file, naming the file when it is not a vitest JSON report. */
export function readReport(file: string): VitestReport {
  let raw: unknown;
  try {
    raw = JSON.parse(readFileSync(file, 'utf8'));
  } catch (err) {
    throw new Error(`${file}: not readable as JSON (${(err as Error).message})`, { cause: err });
  }
  const parsed = Report.safeParse(raw);
  if (!parsed.success) throw new Error(`${file}: not a vitest JSON report: ${parsed.error.issues.map((i) => `${i.path.join('.')}: ${i.message}`).join('; ')}`);
  return parsed.data;
}

/** `file-times.json` as written by test/support/file-times-reporter.ts; an empty map when there is none. */
export function readFileTimes(file: string | undefined): FileTimes {
  if (!file || !existsSync(file)) return new Map();
  const rows = z.array(z.object({ file: z.string(), ms: z.number() })).safeParse(JSON.parse(readFileSync(file, 'utf8')));
  if (!rows.success) throw new Error(`${file}: not a list of file times: ${rows.error.issues.map((i) => `${i.path.join('.')}: ${i.message}`).join('; ')}`);
  return new Map(rows.data.map((r) => [r.file, r.ms]));
}

export function formatSlowest(report: VitestReport, count: number, root = process.cwd(), times: FileTimes = new Map()): string {
  const files = slowestFiles(report, count, root, times);
  const tests = slowestTests(report, count, root);
  const width = Math.max(...files.map((f) => f.file.length), 4);
  return [
    `slowest ${files.length} of ${report.testResults.length} test files (seconds${times.size > 0 ? ' in their worker: import, setup, tests and every hook' : ', hooks included'}):`,
    ...files.map((f) => `  ${f.seconds.toFixed(1).padStart(6)}  ${f.file.padEnd(width)}  ${String(f.tests).padStart(4)} tests${f.status === 'passed' ? '' : `  ${f.status}`}`),
    `slowest ${tests.length} tests (seconds):`,
    ...tests.map((t) => `  ${t.seconds.toFixed(1).padStart(6)}  ${t.file} > ${t.test}`),
  ].join('\n');
}

if (import.meta.url === pathToFileURL(process.argv[1] ?? '').href) {
  const [file, count = '10', timesFile] = process.argv.slice(2);
  if (!file) {
    console.error('usage: tsx scripts/slowest-tests.ts <vitest-json-report> [count] [file-times.json]');
    process.exit(2);
  }
  try {
    console.log(formatSlowest(readReport(file), Number(count), process.cwd(), readFileTimes(timesFile)));
  } catch (err) {
    console.error((err as Error).message);
    process.exit(1);
  }
}
