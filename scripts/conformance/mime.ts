/**
 * MIME conformance: every mail of the shared corpus (`corpus/mime/**`, real third-party
 * samples: Outlook/Netscape/Pine mails, TNEF, DSNs, signed and malformed mail) is read with
 * `readEmail`, the real `readDocument` reading the attachments.
 *
 * A failure is: a throw, a read over 10 s, a result that breaks the reader contract (parts
 * 0..n-1, email facts on every result, a SHA-256 document hash, one result when there is no
 * bill), or a PDF/XML attachment that `INDEX.json` lists but that was never considered (read
 * or refused). The raw TNEF payloads (`tnef-raw/`) are not mails: `readDocument` must refuse
 * them cleanly with UNREADABLE.
 */
import { existsSync, readFileSync, readdirSync, statSync } from 'node:fs';
import { join, relative } from 'node:path';
import { readEmail } from '../../lambdas/readers/email.ts';
import { readDocument, type ReadInput, type ReadResult } from '../../lambdas/readers/index.ts';

const TIME_LIMIT_MS = 10_000;

interface IndexEntry {
  readonly attachments?: readonly string[];
}

interface Tally {
  emails: number;
  parsed: number;
  withBills: number;
  bills: number;
  noBill: number;
  refusals: number;
  listed: number;
  considered: number;
  tnef: number;
  tnefRefused: number;
  slowest: { ms: number; file: string };
  failures: string[];
}

export async function mimeConformance(sharedDir: string): Promise<{ table: string; failures: number }> {
  const root = join(sharedDir, 'corpus', 'mime');
  if (!existsSync(root)) return { table: `MIME conformance: ${root} not found; nothing measured.`, failures: 0 };
  const index = readIndex(root);
  const tally: Tally = {
    emails: 0, parsed: 0, withBills: 0, bills: 0, noBill: 0, refusals: 0, listed: 0, considered: 0,
    tnef: 0, tnefRefused: 0, slowest: { ms: 0, file: '' }, failures: [],
  };
  for (const file of listFiles(root)) {
    const name = relative(join(sharedDir, 'corpus'), file);
    if (name.startsWith('mime/tnef-raw/')) await checkRawTnef(file, name, tally);
    else if (file.endsWith('.eml')) await checkEmail(file, name, index[name], tally);
  }
  return { table: render(tally), failures: tally.failures.length };
}

async function checkEmail(file: string, name: string, entry: IndexEntry | undefined, tally: Tally): Promise<void> {
  tally.emails++;
  const considered: string[] = [];
  const recordingReader = (input: ReadInput): Promise<ReadResult[]> => {
    considered.push(input.filename);
    return readDocument(input);
  };
  const run = await timed(name, tally, () => readEmail({ bytes: readFileSync(file), filename: name }, recordingReader));
  if (!run) return;
  tally.parsed++;
  countResults(run, tally);
  for (const problem of contractProblems(run)) tally.failures.push(`${name}: ${problem}`);
  const refusedOrigins = run.filter((r) => !r.bill).map((r) => r.origin ?? '');
  for (const listed of (entry?.attachments ?? []).map(decodeWords).filter(isPdfOrXml)) {
    tally.listed++;
    if (wasConsidered(listed, considered, refusedOrigins)) tally.considered++;
    else tally.failures.push(`${name}: listed attachment "${listed}" was not considered`);
  }
}

async function checkRawTnef(file: string, name: string, tally: Tally): Promise<void> {
  tally.tnef++;
  const run = await timed(name, tally, () => readDocument({ bytes: readFileSync(file), filename: name }));
  if (!run) return;
  const clean = run.length > 0 && run.every((r) => r.bill === null && r.exceptions.some((e) => e.code === 'UNREADABLE'));
  if (clean) tally.tnefRefused++;
  else tally.failures.push(`${name}: a raw TNEF payload was not refused with UNREADABLE`);
}

/** Runs one read, recording a throw or a run over the time limit as a failure. */
async function timed(name: string, tally: Tally, read: () => Promise<ReadResult[]>): Promise<ReadResult[] | null> {
  const started = performance.now();
  let timer: NodeJS.Timeout | undefined;
  const timeout = new Promise<'timeout'>((resolve) => {
    timer = setTimeout(() => resolve('timeout'), TIME_LIMIT_MS);
  });
  try {
    const outcome = await Promise.race([read(), timeout]);
    const ms = performance.now() - started;
    if (ms > tally.slowest.ms) tally.slowest = { ms, file: name };
    if (outcome === 'timeout' || ms > TIME_LIMIT_MS) {
      tally.failures.push(`${name}: took over ${TIME_LIMIT_MS / 1000} s`);
      return null;
    }
    return outcome;
  } catch (err) {
    tally.failures.push(`${name}: threw ${err instanceof Error ? err.message : String(err)}`);
    return null;
  } finally {
    clearTimeout(timer);
  }
}

function countResults(results: readonly ReadResult[], tally: Tally): void {
  const bills = results.filter((r) => r.bill !== null).length;
  tally.bills += bills;
  if (bills > 0) tally.withBills++;
  if (isNoBill(results)) tally.noBill++;
  else tally.refusals += results.filter((r) => r.bill === null).length;
}

function isNoBill(results: readonly ReadResult[]): boolean {
  return results.length === 1 && results[0]!.format === 'email' && /^email has no bill attachment/.test(results[0]!.exceptions[0]?.message ?? '');
}

function contractProblems(results: readonly ReadResult[]): string[] {
  const problems: string[] = [];
  if (results.length === 0) problems.push('no result at all');
  results.forEach((r, i) => {
    if (r.part !== i) problems.push(`result ${i} has part ${r.part}`);
    if (!r.email) problems.push(`result ${i} has no email facts`);
    if (!/^[0-9a-f]{64}$/.test(r.documentHash)) problems.push(`result ${i} has no SHA-256 document hash`);
    if (r.bill === null && !r.exceptions.some((e) => e.code === 'UNREADABLE')) problems.push(`result ${i} has no bill and no UNREADABLE`);
  });
  if (results.some((r) => r.format === 'email' && /^email has no bill/.test(r.exceptions[0]?.message ?? '')) && results.length > 1) {
    problems.push('a no-bill result next to other results');
  }
  return problems;
}

function isPdfOrXml(name: string): boolean {
  return /\.(pdf|xml)$/i.test(name.trim());
}

function wasConsidered(listed: string, considered: readonly string[], refusedOrigins: readonly string[]): boolean {
  const want = normalise(listed);
  return considered.some((c) => normalise(c) === want) || refusedOrigins.some((o) => normalise(o).includes(want));
}

function normalise(name: string): string {
  return name.replace(/\s+/g, ' ').trim().toLowerCase();
}

/** RFC 2047 encoded words (`=?charset?B|Q?…?=`) as INDEX.json keeps them, decoded. */
export function decodeWords(value: string): string {
  const joined = value.replace(/\?=\s+=\?/g, '?==?');
  return joined.replace(/=\?([^?]+)\?([BbQq])\?([^?]*)\?=/g, (_all, charset: string, encoding: string, text: string) => {
    const bytes =
      encoding.toUpperCase() === 'B'
        ? Buffer.from(text, 'base64')
        : Buffer.from(text.replace(/_/g, ' ').replace(/=([0-9A-Fa-f]{2})/g, (_m, hex: string) => String.fromCharCode(parseInt(hex, 16))), 'latin1');
    try {
      return new TextDecoder(charset.toLowerCase()).decode(bytes);
    } catch {
      return bytes.toString('latin1');
    }
  });
}

function readIndex(root: string): Record<string, IndexEntry> {
  const path = join(root, 'INDEX.json');
  return existsSync(path) ? (JSON.parse(readFileSync(path, 'utf8')) as Record<string, IndexEntry>) : {};
}

function listFiles(dir: string): string[] {
  return readdirSync(dir)
    .sort()
    .flatMap((name) => {
      const path = join(dir, name);
      if (statSync(path).isDirectory()) return listFiles(path);
      return name === 'INDEX.json' ? [] : [path];
    });
}

function render(t: Tally): string {
  const rows: [string, string][] = [
    ['emails read without a crash or timeout', `${t.parsed}/${t.emails}`],
    ['emails with at least one bill', String(t.withBills)],
    ['bills found', String(t.bills)],
    ['no-bill results (one UNREADABLE per email)', String(t.noBill)],
    ['refusals (attachments or emails refused with UNREADABLE)', String(t.refusals)],
    ['PDF/XML attachments listed in INDEX.json and considered', `${t.considered}/${t.listed}`],
    ['raw TNEF payloads refused cleanly', `${t.tnefRefused}/${t.tnef}`],
    ['slowest file', `${Math.round(t.slowest.ms)} ms (${t.slowest.file})`],
    ['failures', String(t.failures.length)],
  ];
  const width = Math.max(...rows.map(([k]) => k.length));
  const lines = ['MIME conformance (corpus/mime)', ...rows.map(([k, v]) => `  ${k.padEnd(width)}  ${v}`)];
  return [...lines, ...t.failures.map((f) => `  FAIL ${f}`)].join('\n');
}
