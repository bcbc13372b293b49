/**
 * `npm run bench`: (a) core decisions per second in-process, with CPU time and allocation per
 * decision and the ratio to a same-run baseline (parsing and validating the same bills with zod
 * alone); (b) `bm run` bills per second end to end on DynamoDB Local, with the time per stage;
 * (c) DynamoDB capacity units per bill by outcome; (d) milliseconds per handler invocation on the
 * local path (the durations `bm cost` prices). Prints a table and writes
 * bench/results/latest.json. A benchmark, not a test: it asserts nothing.
 * `npm run bench` bundles it with esbuild first, as the Lambda functions are bundled.
 * `BENCH=a,d npm run bench` runs only the parts named. `BENCH=w` (not in the default run: it
 * seeds 10,000 bills) measures one worklist page over 10,000 bills on DynamoDB Local.
 */
import { randomBytes } from 'node:crypto';
import { existsSync, mkdirSync, mkdtempSync, readdirSync, readFileSync, writeFileSync } from 'node:fs';
import { GCProfiler, getHeapStatistics } from 'node:v8';
import { availableParallelism, cpus, loadavg, tmpdir, totalmem } from 'node:os';
import { join } from 'node:path';
import { MemoryBillStore } from '../lambdas/adapters/memory/memory-store.ts';
import { openLocalStore, startLocalDatabase } from '../lambdas/adapters/local/local-stack.ts';
import { loadMasterFolder } from '../lambdas/adapters/local/master-folder.ts';
import { PDFDocument, StandardFonts } from 'pdf-lib';
import type { CapacityMeter } from '../lambdas/adapters/aws/dynamo-store.ts';
import { newBillId } from '../lambdas/core/ids.ts';
import { parseMasterData } from '../lambdas/core/master.ts';
import { processBill } from '../lambdas/core/process-bill.ts';
import { main } from '../lambdas/cli/main.ts';
import { billSchema } from '../lambdas/core/bill.ts';
import { FolderDocumentStore } from '../lambdas/adapters/local/folder-documents.ts';
import { LocalWorkflow, type WorkflowFunction } from '../lambdas/adapters/local/local-workflow.ts';
import { MemoryOutbox } from '../lambdas/adapters/local/memory-outbox.ts';
import { readDocument } from '../lambdas/readers/index.ts';
import { startLocalStack, type StackEvent } from '../lambdas/adapters/local/stack.ts';
import { spawn } from 'node:child_process';
import { createRequire } from 'node:module';
import { pathToFileURL } from 'node:url';
import { rename, rm } from 'node:fs/promises';
import { generateWorld } from './world.ts';
import { generatedBill, seedBills } from '../test/support/worklist-bills.ts';

const NOW = Date.parse('2026-03-03T10:00:00+01:00');
const source = (i: number) => ({ input: `bench-${i}`, part: 0, format: 'bill-json', document_hash: `h${i}`, submitter: null });

async function coreDecisions(n: number) {
  // Warm the JIT on another world first: a Lambda that decides bills all day runs warm.
  const warm = generateWorld(3000, 150, 5);
  const warmStore = new MemoryBillStore();
  await warmStore.importMaster(parseMasterData(warm.files));
  for (let i = 0; i < warm.bills.length; i++) {
    await processBill({ billId: newBillId(NOW), canonical: warm.bills[i]!, readingExceptions: [], source: source(i) }, { store: warmStore, now: () => NOW });
  }
  const world = generateWorld(n);
  const store = new MemoryBillStore();
  await store.importMaster(parseMasterData(world.files));
  // The baseline, same run, same bills: JSON text to a validated bill with zod alone (what any
  // handler does at its boundary). The ratio decision/baseline means something on a noisy machine.
  const texts = world.bills.map((b) => JSON.stringify(b));
  for (const t of texts) billSchema.parse(JSON.parse(t));
  const b0 = process.hrtime.bigint();
  const bcpu0 = process.cpuUsage();
  for (let round = 0; round < 3; round++) for (const t of texts) billSchema.parse(JSON.parse(t));
  const baselineSeconds = Number(process.hrtime.bigint() - b0) / 1e9 / 3;
  const bcpu = process.cpuUsage(bcpu0);
  const baselineCpuUs = (bcpu.user + bcpu.system) / 3 / n;
  const states: Record<string, number> = {};
  const alloc = allocationMeter();
  const t0 = process.hrtime.bigint();
  const cpu0 = process.cpuUsage();
  for (let i = 0; i < world.bills.length; i++) {
    const r = await processBill({ billId: newBillId(NOW), canonical: world.bills[i]!, readingExceptions: [], source: source(i) }, { store, now: () => NOW });
    states[r.state] = (states[r.state] ?? 0) + 1;
  }
  const s = Number(process.hrtime.bigint() - t0) / 1e9;
  const cpu = process.cpuUsage(cpu0);
  const heap = alloc();
  const cpuSeconds = (cpu.user + cpu.system) / 1e6;
  // Per CPU-second is per core, and robust against other load on the machine.
  return {
    bills: n,
    seconds: s,
    cpuSeconds,
    perSecond: Math.round(n / s),
    perCpuSecond: Math.round(n / cpuSeconds),
    cpuMicrosPerDecision: Math.round((cpuSeconds * 1e6) / n),
    allocatedKiBPerDecision: Number((heap.bytes / n / 1024).toFixed(1)),
    gcs: heap.gcs,
    gcShare: Number((heap.gcMs / 1000 / s).toFixed(3)),
    baseline: { perSecond: Math.round(n / baselineSeconds), cpuMicrosPerBill: Math.round(baselineCpuUs) },
    // CPU time against CPU time: other load on the machine stretches wall-clock time, much less CPU time.
    ratioToBaseline: Number((cpuSeconds * 1e6 / n / Math.max(baselineCpuUs, 0.001)).toFixed(1)),
    ratioToBaselineWallClock: Number((s / baselineSeconds).toFixed(1)),
    states,
  };
}

/** Bytes allocated on the V8 heap between start and stop: what each GC found used, less what the previous one left, plus the end's growth. */
function allocationMeter(): () => { bytes: number; gcs: number; gcMs: number } {
  const profiler = new GCProfiler();
  const start = getHeapStatistics().used_heap_size;
  profiler.start();
  return () => {
    const end = getHeapStatistics().used_heap_size;
    const { statistics } = profiler.stop();
    let previous = start;
    let bytes = 0;
    let gcMs = 0;
    for (const g of statistics) {
      bytes += g.beforeGC.heapStatistics.usedHeapSize - previous;
      previous = g.afterGC.heapStatistics.usedHeapSize;
      gcMs += g.cost / 1000;
    }
    bytes += end - previous;
    return { bytes, gcs: statistics.length, gcMs };
  };
}

/**
 * CPU seconds used so far by this process and by its children that have ended (DynamoDB Local's
 * Java, once stopped, through its watchdog): on a shared machine, CPU per bill says more than
 * wall-clock time. Linux only (null elsewhere).
 */
function cpuSeconds(): { node: number; children: number } | null {
  try {
    const f = readFileSync('/proc/self/stat', 'utf8').split(') ')[1]!.split(' ');
    const tick = 100; // USER_HZ
    return { node: (Number(f[11]) + Number(f[12])) / tick, children: (Number(f[13]) + Number(f[14])) / tick };
  } catch {
    return null;
  }
}

/**
 * CPU seconds used so far by this process and by its live descendants (DynamoDB Local's Java
 * under its watchdog), read from /proc: the CPU of an interval while Java runs, start-up left out.
 * Linux only (null elsewhere).
 */
function liveCpuSeconds(): { node: number; nodeMain: number; java: number } | null {
  const tick = 100; // USER_HZ
  const stat = (pid: number | string) => {
    const f = readFileSync(`/proc/${pid}/stat`, 'utf8').split(') ')[1]!.split(' ');
    return { ppid: Number(f[1]), cpu: (Number(f[11]) + Number(f[12])) / tick };
  };
  try {
    // The descendants are looked up once per DynamoDB Local (a scan of /proc), then read alone.
    if (!descendants || descendants.some((pid) => !existsSync(`/proc/${pid}`))) descendants = findDescendants();
    let java = 0;
    for (const pid of descendants) java += stat(pid).cpu;
    // Node's main thread alone: the one thread the workflow, the intake and the SDK share.
    return { node: stat('self').cpu, nodeMain: stat(`self/task/${process.pid}`).cpu, java };
  } catch {
    descendants = null;
    return null;
  }
}
let descendants: number[] | null = null;

function findDescendants(): number[] {
  const procs: { pid: number; ppid: number }[] = [];
  for (const d of readdirSync('/proc')) {
    if (!/^\d+$/.test(d)) continue;
    try {
      procs.push({ pid: Number(d), ppid: Number(readFileSync(`/proc/${d}/stat`, 'utf8').split(') ')[1]!.split(' ')[1]) });
    } catch {
      // gone meanwhile
    }
  }
  const mine = new Set([process.pid]);
  for (let grew = true; grew; ) {
    grew = false;
    for (const p of procs) {
      if (mine.has(p.ppid) && !mine.has(p.pid)) {
        mine.add(p.pid);
        grew = true;
      }
    }
  }
  mine.delete(process.pid);
  return [...mine];
}

/** CPU-ms per bill between two `liveCpuSeconds` readings. */
function liveCpuPerBill(a: ReturnType<typeof liveCpuSeconds>, b: ReturnType<typeof liveCpuSeconds>, n: number) {
  if (!a || !b || n <= 0) return null;
  return { nodeMs: Math.round(((b.node - a.node) * 1000) / n), nodeMainThreadMs: Math.round(((b.nodeMain - a.nodeMain) * 1000) / n), dynamoDbLocalMs: Math.round(((b.java - a.java) * 1000) / n) };
}

function cpuPerBill(before: ReturnType<typeof cpuSeconds>, n: number) {
  const after = cpuSeconds();
  if (!before || !after) return null;
  return { nodeMs: Math.round(((after.node - before.node) * 1000) / n), dynamoDbLocalMs: Math.round(((after.children - before.children) * 1000) / n) };
}

async function endToEnd(n: number) {
  const world = generateWorld(n, 20, 7);
  const dir = mkdtempSync(join(tmpdir(), 'bm-bench-'));
  mkdirSync(join(dir, 'master'));
  for (const [f, text] of Object.entries(world.files)) writeFileSync(join(dir, 'master', f), text as string);
  const files = world.bills.map((b, i) => {
    const p = join(dir, `${String(i).padStart(5, '0')}.bill.json`);
    writeFileSync(p, JSON.stringify(b));
    return p;
  });
  let out = '';
  const cpu0 = cpuSeconds();
  const t0 = process.hrtime.bigint();
  // After start-up: from the first row printed (the first bill decided) to the last, with the CPU of Node and Java in between.
  let first: { t: bigint; cpu: ReturnType<typeof liveCpuSeconds> } | null = null;
  let last: { t: bigint; cpu: ReturnType<typeof liveCpuSeconds>; rows: number } | null = null;
  let rows = 0;
  const stdout = (text: string) => {
    out += text;
    rows += text.split('\n').length - 1;
    const at = { t: process.hrtime.bigint(), cpu: liveCpuSeconds() };
    if (!first) first = at;
    else last = { ...at, rows };
  };
  const code = await main(['run', '--master', join(dir, 'master'), '--json', '--now', '2026-03-03T10:00:00+01:00', ...files], { stdout, stderr: () => {} });
  const s = Number(process.hrtime.bigint() - t0) / 1e9;
  const cpu = cpuPerBill(cpu0, n);
  // Outside the timed run and its CPU: the same files decided one after another, to compare.
  const differ = await differFromOneAfterAnother(world.files, files, out);
  const f = first as { t: bigint; cpu: ReturnType<typeof liveCpuSeconds> } | null;
  const l = last as { t: bigint; cpu: ReturnType<typeof liveCpuSeconds>; rows: number } | null;
  const steady = f && l ? { bills: l.rows - 1, seconds: Number(l.t - f.t) / 1e9 } : null;
  return {
    bills: n,
    exit: code,
    rows: out.trim().split('\n').length,
    seconds: s,
    perSecond: Number((n / s).toFixed(1)),
    cpuPerBill: cpu,
    note: 'includes DynamoDB Local start-up and master import',
    // Bills decided side by side must end exactly as one after another, in the order given.
    outcomesDiffer: differ,
    // The rate once running: what a longer run tends to (start-up is a fixed few seconds).
    afterStartUp: steady && { ...steady, perSecond: Number((steady.bills / steady.seconds).toFixed(1)), cpuPerBill: liveCpuPerBill(f!.cpu, l!.cpu, steady.bills) },
    startUpSeconds: f ? Number((Number(f.t - t0) / 1e9).toFixed(2)) : null,
  };
}

/**
 * The inputs whose outcome (state and exception codes) in `bm run`'s rows differs from deciding
 * the same files one after another, in the order given, with the core alone (in memory).
 */
async function differFromOneAfterAnother(master: Parameters<typeof parseMasterData>[0], files: readonly string[], rows: string): Promise<string[]> {
  const store = new MemoryBillStore();
  await store.importMaster(parseMasterData(master));
  const now = Date.parse('2026-03-03T10:00:00+01:00');
  const expected = new Map<string, string>();
  for (const path of files) {
    for (const r of await readDocument({ bytes: readFileSync(path), filename: path })) {
      const source = { input: path, part: r.part, format: r.format, document_hash: r.documentHash, document_part: r.documentPart ?? null, submitter: null, sender_trusted: true };
      const bill = await processBill({ billId: newBillId(now), canonical: r.bill, readingExceptions: r.exceptions as never, source }, { store, now: () => now });
      expected.set(`${path}#${r.part}`, outcomeOf(bill.state, bill.exceptions));
    }
  }
  const differ: string[] = [];
  for (const line of rows.trim().split('\n')) {
    const row = JSON.parse(line) as { input: string; part: number; state: string; exceptions: { code: string }[] };
    if (expected.get(`${row.input}#${row.part}`) !== outcomeOf(row.state, row.exceptions)) differ.push(`${row.input}#${row.part}`);
  }
  return differ;
}

function outcomeOf(state: string, exceptions: readonly { readonly code: string }[]): string {
  return `${state} ${exceptions.map((e) => e.code).sort().join(',')}`;
}

/**
 * (b) the local stack's intake end to end: N bills as emails to its SMTP inbox (one connection,
 * one message after another, as a mail server delivers) or as files in its drop folder (all at
 * once), on the user's stack (DynamoDB Local on disk, not in memory; the journal and documents
 * fsync'd), timed from the first byte sent (the sending mail server's first message; the first
 * file moved into the folder) to the last outcome recorded. The sending process's own start
 * (Node and nodemailer loading, about 0.2 s) and the staging of the files are not the stack's
 * time. Also: the rate over the second half of the outcomes, once every bill is handed over.
 *
 * `warm` (BENCH_INTAKE_WARM, 0 by default: a new stack) sends that many other bills of the same
 * world the same way first, their rate reported apart, and times the N after them: how a stack
 * that has been taking bills compares with a new one (docs/benchmarks.md#b9).
 */
async function stackIntake(n: number, via: 'smtp' | 'drop', warm: number) {
  const total = warm + n;
  const world = generateWorld(total, 20, via === 'smtp' ? 13 : 17);
  const home = mkdtempSync(join(tmpdir(), `bm-bench-${via}-`));
  let outcomes = 0;
  let byKind: Record<string, number> = {};
  let watch = { half: Infinity, halfAt: 0, last: Infinity, done: () => {} };
  const onEvent = (e: StackEvent) => {
    if (e.kind !== 'outcome') return;
    byKind[e.outcome.kind] = (byKind[e.outcome.kind] ?? 0) + 1;
    if (e.outcome.kind === 'already_processed') return;
    if (++outcomes === watch.half) watch.halfAt = performance.now();
    if (outcomes === watch.last) watch.done();
  };
  const cpu0 = cpuSeconds();
  let senderCpu = 0;
  const stack = await startLocalStack({ home, persistent: true, now: () => NOW, dropIntervalMs: 100, onEvent });
  const fileName = (i: number) => `${String(i).padStart(5, '0')}.bill.json`;

  /** Bills `from` to `from + count` through the way in, timed from the first byte sent to their last outcome. */
  const batch = async (from: number, count: number) => {
    const staging = join(home, `staging-${from}`);
    if (via === 'drop') {
      mkdirSync(staging);
      for (let i = from; i < from + count; i++) writeFileSync(join(staging, fileName(i)), JSON.stringify(world.bills[i]));
    }
    byKind = {};
    const done = new Promise<void>((resolve) => (watch = { half: from + Math.floor(count / 2), halfAt: 0, last: from + count, done: resolve }));
    const live0 = liveCpuSeconds();
    let t0 = performance.now();
    let senderSendingCpu = 0;
    if (via === 'smtp') {
      const sender = await deliverFromAnotherProcess(home, stack.smtp.host, stack.smtp.port, stack.billsAddress, world.bills.slice(from, from + count), from);
      senderCpu += sender.cpuSeconds;
      senderSendingCpu = sender.sendingCpuSeconds;
      // Both clocks are the wall clock: the sender's first message, on this process's timeline.
      t0 = sender.firstSentAt - performance.timeOrigin;
    } else {
      // Moved in whole (a rename), as a copy tool that writes elsewhere first would.
      for (let i = from; i < from + count; i++) await rename(join(staging, fileName(i)), join(home, 'drop', fileName(i)));
    }
    const sent = performance.now();
    await Promise.race([done, new Promise((_, reject) => setTimeout(() => reject(new Error(`${via}: only ${outcomes - from} of ${count} outcomes in 600 s`)), 600_000).unref())]);
    const end = performance.now();
    const s = (end - t0) / 1000;
    return {
      bills: count,
      seconds: s,
      handedOverSeconds: Number(((sent - t0) / 1000).toFixed(2)),
      perSecond: Number((count / s).toFixed(1)),
      secondHalfPerSecond: Number(((count - Math.floor(count / 2)) / ((end - watch.halfAt) / 1000)).toFixed(1)),
      outcomes: byKind,
      // The CPU of the timed interval alone (the stack's start-up and the import left out).
      timedCpuPerBill: liveCpuPerBill(live0, liveCpuSeconds(), count),
      // What sending took of the machine's CPU during the timed interval (composing was before it).
      ...(via === 'smtp' ? { senderCpuMsPerBill: Number(((senderSendingCpu * 1000) / count).toFixed(1)) } : {}),
    };
  };

  let result;
  try {
    await stack.store.importMaster({ ...parseMasterData(world.files), imported_at: new Date(NOW).toISOString() });
    const afterStart = warm > 0 ? await batch(0, warm) : null;
    result = { via, ...(await batch(warm, n)), ...(afterStart ? { afterStart: { bills: afterStart.bills, perSecond: afterStart.perSecond, seconds: Number(afterStart.seconds.toFixed(2)) } } : {}) };
  } finally {
    await stack.stop();
    await rm(home, { recursive: true, force: true });
  }
  const all = cpuPerBill(cpu0, total);
  // The sending process is a child too: its CPU is the mail server's, not the stack's.
  const senderMs = Math.round((senderCpu * 1000) / total);
  return { ...result, cpuPerBill: all && { ...all, dynamoDbLocalMs: all.dynamoDbLocalMs - senderMs } };
}

/**
 * A mail server delivering N bills to the SMTP inbox, one message after another on one connection,
 * from a process of its own (as an MTA is): its CPU is not the stack's. Like a mail server relaying
 * the mail in its queue, it has the messages (composed with nodemailer before the clock starts, as
 * the drop folder's files are staged) and only sends them. Resolves, once every message is
 * accepted, with the CPU seconds the sending process used in all and while sending, and the
 * wall-clock time (ms since the epoch) at which it began sending the first message.
 */
async function deliverFromAnotherProcess(home: string, host: string, port: number, to: string, bills: readonly unknown[], first = 0): Promise<{ cpuSeconds: number; sendingCpuSeconds: number; firstSentAt: number }> {
  const file = join(home, 'outgoing.json');
  writeFileSync(file, JSON.stringify(bills));
  const require = createRequire(import.meta.url);
  const script = [
    `const { default: nodemailer } = await import(${JSON.stringify(pathToFileURL(require.resolve('nodemailer')).href)});`,
    `const { default: MailComposer } = await import(${JSON.stringify(pathToFileURL(require.resolve('nodemailer/lib/mail-composer/index.js')).href)});`,
    "const { readFileSync } = await import('node:fs');",
    'const [host, port, to, file, first] = process.argv.slice(1);',
    "const bills = JSON.parse(readFileSync(file, 'utf8'));",
    "const from = 'ap-sender@example.com';",
    "const queued = await Promise.all(bills.map((bill, i) => new MailComposer({ from, to, subject: `Bill ${i + Number(first)}`, text: 'Please find our invoice attached.', messageId: `<bench-${i + Number(first)}@example.com>`, attachments: [{ filename: `${i + Number(first)}.bill.json`, content: JSON.stringify(bill) }] }).compile().build()));",
    'const transport = nodemailer.createTransport({ host, port: Number(port), secure: false, ignoreTLS: true, pool: true, maxConnections: 1, maxMessages: Infinity });',
    'const before = process.cpuUsage();',
    'const firstSentAt = performance.timeOrigin + performance.now();',
    'for (const raw of queued) await transport.sendMail({ envelope: { from, to: [to] }, raw });',
    'transport.close();',
    'const u = process.cpuUsage();',
    'console.log(JSON.stringify({ cpuSeconds: (u.user + u.system) / 1e6, sendingCpuSeconds: (u.user + u.system - before.user - before.system) / 1e6, firstSentAt }));',
  ].join('\n');
  const child = spawn(process.execPath, ['--input-type=module', '-e', script, host, String(port), to, file, String(first)], { stdio: ['ignore', 'pipe', 'inherit'] });
  let out = '';
  child.stdout.on('data', (d: Buffer) => (out += d.toString()));
  const code = await new Promise<number | null>((resolve) => child.on('close', resolve));
  if (code !== 0) throw new Error(`the sending process exited with ${code}`);
  return JSON.parse(out.trim().split('\n').pop()!) as { cpuSeconds: number; sendingCpuSeconds: number; firstSentAt: number };
}

async function capacityByOutcome(n: number) {
  const meter: CapacityMeter = { read: 0, write: 0, billedWrite: 0 };
  const db = await startLocalDatabase({ capacity: meter });
  try {
    const world = generateWorld(n, 20, 11);
    await db.store.importMaster(parseMasterData(world.files));
    const by: Record<string, { bills: number; read: number; write: number; billed: number; maxBilled: number }> = {};
    for (let i = 0; i < world.bills.length; i++) {
      const before = { ...meter };
      const r = await processBill({ billId: newBillId(NOW), canonical: world.bills[i]!, readingExceptions: [], source: source(i) }, { store: db.store, now: () => NOW });
      const key = r.state === 'ready_for_payment' ? 'ready_for_payment (straight-through)' : r.exceptions.some((e) => e.code === 'DUPLICATE') ? 'blocked (duplicate)' : r.state;
      const e = (by[key] ??= { bills: 0, read: 0, write: 0, billed: 0, maxBilled: 0 });
      const billed = meter.billedWrite! - before.billedWrite!;
      e.bills++;
      e.read += meter.read - before.read;
      e.write += meter.write - before.write;
      e.billed += billed;
      e.maxBilled = Math.max(e.maxBilled, billed);
    }
    return Object.fromEntries(
      Object.entries(by).map(([k, v]) => [
        k,
        {
          bills: v.bills,
          readUnitsPerBill: Number((v.read / v.bills).toFixed(2)),
          writeUnitsPerBill: Number((v.billed / v.bills).toFixed(2)),
          maxWriteUnits: v.maxBilled,
          localReportedWriteUnitsPerBill: Number((v.write / v.bills).toFixed(2)),
        },
      ]),
    );
  } finally {
    await db.stop();
  }
}

/** A one-page PDF with a text layer, laid out as an invoice (for pdf.js's share of read-document). */
async function textPdf(): Promise<Uint8Array> {
  const doc = await PDFDocument.create();
  const font = await doc.embedFont(StandardFonts.Helvetica);
  const page = doc.addPage([595, 842]);
  const lines = ['INVOICE', 'Invoice number: INV-1001', 'Invoice date: 2026-03-02', 'Due date: 2026-04-01', 'Supplier: Acme Office Supplies GmbH, VAT DE123456789', 'PO: PO-3001'];
  for (let i = 0; i < 20; i++) lines.push(`${i + 1}  Copy paper A4 ream  SKU-${100 + i}  10 x 4.50  45.00`);
  lines.push('Net total: 900.00 EUR', 'VAT 19%: 171.00 EUR', 'Total: 1071.00 EUR');
  lines.forEach((l, i) => page.drawText(l, { x: 50, y: 800 - i * 22, size: 11, font }));
  return doc.save();
}

const median = (xs: number[]) => [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)] ?? 0;

/**
 * (d) Milliseconds per handler invocation on the local path, and (b) where a local execution's
 * time goes: the bundled demo's clean bill and its bill over the touchless limit through the
 * local workflow on DynamoDB Local (a fresh table each round), each handler timed, each DynamoDB
 * request timed; read-document's reader alone on each encoding.
 */
async function handlerDurations(rounds: number) {
  const demo = join(process.cwd(), 'bin', 'demo');
  const master = await loadMasterFolder(join(demo, 'master'));
  const db = await startLocalDatabase();
  const dir = mkdtempSync(join(tmpdir(), 'bm-bench-d-'));
  const times: Partial<Record<WorkflowFunction, number[]>> = {};
  const stage = { execution: [] as number[], handlers: [] as number[], dynamo: [] as number[], dynamoCalls: [] as number[], store: [] as number[] };
  try {
    for (let round = 0; round < rounds; round++) {
      const { store, client } = await openLocalStore(db.endpoint, `bench-d-${round}`);
      let dynamoMs = 0;
      let dynamoCalls = 0;
      client.middlewareStack.add(
        (next) => async (args) => {
          const t = performance.now();
          try {
            return await next(args);
          } finally {
            dynamoMs += performance.now() - t;
            dynamoCalls++;
          }
        },
        { step: 'initialize', name: 'benchTiming' },
      );
      await store.importMaster(master);
      const documents = new FolderDocumentStore(dir);
      let handlerMs = 0;
      const timed = (fn: WorkflowFunction, h: (input: unknown) => Promise<unknown>) => async (input: unknown) => {
        const t = performance.now();
        try {
          return await h(input);
        } finally {
          const ms = performance.now() - t;
          (times[fn] ??= []).push(ms);
          handlerMs += ms;
        }
      };
      // Build the real handlers once through a workflow, then wrap them.
      const plain = new LocalWorkflow({ store, documents, now: () => NOW, approvals: { mailer: new MemoryOutbox(), secret: randomBytes(32), baseUrl: 'http://127.0.0.1:9' } });
      const real = (plain as unknown as { handlers: Record<WorkflowFunction, (i: unknown) => Promise<unknown>> }).handlers;
      const workflow = new LocalWorkflow({
        store,
        documents,
        now: () => NOW,
        approvals: { mailer: new MemoryOutbox(), secret: randomBytes(32), baseUrl: 'http://127.0.0.1:9' },
        // The approval desk stays the workflow's own (it holds the task token); its time is in the interpreter's share.
        override: Object.fromEntries((['read-document', 'decide-bill'] as const).map((fn) => [fn, timed(fn, real[fn])])),
      });
      for (const file of ['01-acme-office.xml', '02-brightline-laptops.cii.xml']) {
        dynamoMs = 0;
        dynamoCalls = 0;
        handlerMs = 0;
        const id = `bench-${round}-${file}`;
        const t0 = performance.now();
        await documents.put(`incoming/${id}`, new Uint8Array(readFileSync(join(demo, 'bills', file))));
        const t1 = performance.now();
        const r = await workflow.run({ id, document_key: `incoming/${id}`, name: file, submitter: null, received_at: new Date(NOW).toISOString() });
        const t2 = performance.now();
        process.stderr.write('.');
        if (round > 0) {
          stage.store.push(t1 - t0);
          stage.execution.push(t2 - t1);
          stage.handlers.push(handlerMs);
          stage.dynamo.push(dynamoMs);
          stage.dynamoCalls.push(dynamoCalls);
        }
        void r;
      }
      workflow.abortAll();
      client.destroy();
    }
  } finally {
    await db.stop();
  }
  // The readers alone, per encoding (read-document's work without S3).
  const inputs: Record<string, { bytes: Uint8Array; filename: string }> = {
    'e-invoice (UBL)': { bytes: new Uint8Array(readFileSync(join(demo, 'bills', '01-acme-office.xml'))), filename: 'a.xml' },
    'e-invoice (CII)': { bytes: new Uint8Array(readFileSync(join(demo, 'bills', '02-brightline-laptops.cii.xml'))), filename: 'b.xml' },
    'EDI (X12 810)': { bytes: new Uint8Array(readFileSync(join(process.cwd(), 'test', 'fixtures', 'readers', 'x12-two-invoices.edi'))), filename: 'c.edi' },
    'text PDF (pdf.js)': { bytes: await textPdf(), filename: 'd.pdf' },
  };
  const readers: Record<string, number> = {};
  for (const [k, v] of Object.entries(inputs)) {
    const ms: number[] = [];
    for (let i = 0; i < rounds; i++) {
      const t = performance.now();
      await readDocument({ bytes: v.bytes, filename: v.filename });
      if (i > 0) ms.push(performance.now() - t);
    }
    readers[k] = Number(median(ms).toFixed(1));
  }
  const med = (xs: number[] | undefined) => Number(median((xs ?? []).slice(2)).toFixed(1));
  return {
    rounds,
    handlersMs: { 'read-document': med(times['read-document']), 'decide-bill': med(times['decide-bill']) },
    readersMs: readers,
    stagesMsPerExecution: {
      'store the document (intake)': med(stage.store),
      'whole execution': med(stage.execution),
      'in handlers': med(stage.handlers),
      'DynamoDB Local round trips (inside handlers)': med(stage.dynamo),
      'DynamoDB requests': med(stage.dynamoCalls),
      'ASL interpreter, approval desk and the rest (execution − timed handlers)': Number((med(stage.execution) - med(stage.handlers)).toFixed(1)),
    },
  };
}

/**
 * (w) One worklist page over `n` bills on DynamoDB Local: milliseconds and read units (the
 * store's ReturnConsumedCapacity total) per read the page makes, each the median of a few rounds.
 */
async function worklistPages(n: number) {
  const db = await startLocalDatabase();
  try {
    const capacity: CapacityMeter = { read: 0, write: 0 };
    const { store, client } = await openLocalStore(db.endpoint, 'worklist', capacity);
    let queries = 0;
    client.middlewareStack.add((next) => async (args) => {
      queries++;
      return next(args);
    }, { step: 'initialize', name: 'countQueries' });
    const bills = Array.from({ length: n }, (_, i) => generatedBill(i));
    const t0 = performance.now();
    await seedBills(client, 'worklist', bills);
    const seedSeconds = Number(((performance.now() - t0) / 1000).toFixed(1));
    const second = (await store.findBills({ limit: 50 })).next;
    const reads: Record<string, () => Promise<unknown>> = {
      'all bills, newest first, first page (50 rows)': () => store.findBills({ limit: 50 }),
      'all bills, the next page (cursor)': () => store.findBills({ limit: 50, cursor: second }),
      'one state (flagged), 50 rows': () => store.findBills({ state: 'flagged', limit: 50 }),
      'one state by amount, largest first': () => store.findBills({ state: 'awaiting_approval', sort: 'amount_desc', limit: 50 }),
      "my work (an approver's bills and reviews), 10 rows": () => store.findBills({ mine: { user: 'bob@example.com', reviews: true }, sort: 'oldest', limit: 10 }),
      'search by invoice number': () => store.findBills({ search: 'inv-004242' }),
      'exception code filter (PRICE_VARIANCE), 50 rows': () => store.findBills({ code: 'PRICE_VARIANCE', limit: 50 }),
      'counts per state, exact (COUNT queries)': () => store.countBills(),
      'counts per state up to 1,000 each (what a page shows)': () => store.countBills({ upTo: 1000 }),
    };
    const rounds = 7;
    const out: Record<string, { ms: number; readUnits: number; queries: number }> = {};
    for (const [name, read] of Object.entries(reads)) {
      const ms: number[] = [];
      let units = 0;
      let q = 0;
      for (let r = 0; r < rounds; r++) {
        const before = capacity.read;
        const qBefore = queries;
        const s0 = performance.now();
        await read();
        ms.push(performance.now() - s0);
        units = capacity.read - before;
        q = queries - qBefore;
      }
      ms.sort((a, b) => a - b);
      out[name] = { ms: Number(ms[Math.floor(rounds / 2)]!.toFixed(1)), readUnits: Number(units.toFixed(1)), queries: q };
    }
    client.destroy();
    return { bills: n, seedSeconds, rounds, reads: out };
  } finally {
    await db.stop();
  }
}

const machine = { cpu: cpus()[0]?.model ?? 'unknown', cores: cpus().length, memoryGiB: Math.round(totalmem() / 2 ** 30), node: process.version, platform: `${process.platform}-${process.arch}` };
console.log(`machine: ${machine.cpu}, ${machine.cores} cores, ${machine.memoryGiB} GiB, Node ${machine.node}`);

const only = new Set((process.env.BENCH ?? 'a,b,c,d').split(',').map((x) => x.trim()));
const results: Record<string, unknown> = { date: new Date().toISOString(), machine };

if (only.has('a')) {
  const a = await coreDecisions(10_000);
  results.coreDecisions = a;
  console.log(`(a) core decisions in-process, one thread: ${a.perSecond.toLocaleString('en')} /s wall-clock (${a.bills} bills in ${a.seconds.toFixed(2)} s; ${a.cpuSeconds.toFixed(2)} CPU-s with GC threads) — target ≥ 20,000 /s`);
  console.log(`    ${a.cpuMicrosPerDecision} CPU-µs and ${a.allocatedKiBPerDecision} KiB allocated per decision; ${a.gcs} GCs, ${(a.gcShare * 100).toFixed(0)} % of the time in GC`);
  console.log(`    baseline, same run (JSON text → bill with zod alone): ${a.baseline.perSecond.toLocaleString('en')} /s, ${a.baseline.cpuMicrosPerBill} CPU-µs per bill; a decision costs ${a.ratioToBaseline}× the baseline in CPU time (${a.ratioToBaselineWallClock}× in wall-clock time)`);
  console.log(`    outcomes: ${JSON.stringify(a.states)}`);
}
/**
 * What the CPU a bill took allows on this machine's cores if nothing else ran and Node and
 * DynamoDB Local never waited on each other: an upper bound beside the measured figure, which
 * the machine's other work (the load average) lowers.
 */
function ceiling(cpu: { nodeMs: number; dynamoDbLocalMs: number } | null | undefined): string {
  const ms = cpu ? cpu.nodeMs + cpu.dynamoDbLocalMs : 0;
  if (ms <= 0) return '';
  const cores = availableParallelism();
  return ` — CPU-bound: at most ≈ ${Math.floor((cores * 1000) / ms)} bills/s on ${cores} idle cores (${ms} CPU-ms a bill)`;
}

if (only.has('b')) {
  // BENCH_WAYS=run: the `bm run` figure alone (comparing changes); smtp or drop: that way in alone; the default runs every way in.
  const ways = (process.env.BENCH_WAYS ?? 'run,smtp,drop').split(',');
  const b = ways.includes('run') ? await endToEnd(Number(process.env.BENCH_RUN_BILLS ?? 300)) : null;
  if (b) {
    results.endToEnd = { ...b, loadAverage: loadavg()[0] };
    console.log(`(b) bm run end to end on DynamoDB Local: ${b.perSecond} bills/s (${b.bills} bills in ${b.seconds.toFixed(1)} s, ${b.note}; CPU-ms per bill ${JSON.stringify(b.cpuPerBill)}; load average ${(loadavg()[0] ?? 0).toFixed(1)})`);
    console.log(`    outcomes as one after another: ${b.outcomesDiffer.length === 0 ? 'all' : `${b.outcomesDiffer.length} differ (${b.outcomesDiffer.slice(0, 5).join(', ')})`}`);
    if (b.afterStartUp) console.log(`    after start-up (${b.startUpSeconds} s to the first bill): ${b.afterStartUp.perSecond} bills/s (${b.afterStartUp.bills} bills in ${b.afterStartUp.seconds.toFixed(1)} s; CPU-ms per bill ${JSON.stringify(b.afterStartUp.cpuPerBill)})${ceiling(b.afterStartUp.cpuPerBill)}`);
  }
  const intake = [];
  for (const via of (['smtp', 'drop'] as const).filter((w) => ways.includes(w))) {
    const r = await stackIntake(Number(process.env.BENCH_INTAKE_BILLS ?? 200), via, Number(process.env.BENCH_INTAKE_WARM ?? 0));
    intake.push({ ...r, loadAverage: loadavg()[0] });
    console.log(`(b) local stack, ${via === 'smtp' ? 'SMTP inbox (one email a bill, one connection)' : 'drop folder (one file a bill, all at once)'}: ${r.perSecond} bills/s (${r.bills} bills${r.afterStart ? ` after ${r.afterStart.bills} others` : ' on a new stack'} in ${r.seconds.toFixed(1)} s from the first byte sent, handed over in ${r.handedOverSeconds} s; second half of the outcomes ${r.secondHalfPerSecond} bills/s; ${JSON.stringify(r.outcomes)}; CPU-ms per bill ${JSON.stringify(r.cpuPerBill)}, of the timed interval alone ${JSON.stringify(r.timedCpuPerBill)}${r.senderCpuMsPerBill === undefined ? '' : `; the sending mail server, another process, ${r.senderCpuMsPerBill} while sending`}; load average ${(loadavg()[0] ?? 0).toFixed(1)})`);
    if (r.timedCpuPerBill) console.log(`   ${ceiling(r.timedCpuPerBill)}`);
    if (r.afterStart) console.log(`    the first ${r.afterStart.bills} after the stack's start: ${r.afterStart.perSecond} bills/s (${r.afterStart.seconds} s from the first byte sent)`);
  }
  results.stackIntake = intake;
}
if (only.has('c')) {
  const c = await capacityByOutcome(300);
  results.capacityByOutcome = c;
  console.log('(c) DynamoDB capacity units per bill, by outcome (write = billed transactional units from item sizes; 12 straight-through before the v2 claims and the worklist search items, 24 at most since: docs/data-model.md):');
  for (const [k, v] of Object.entries(c)) console.log(`    ${k.padEnd(38)} ${String(v.bills).padStart(4)} bills  read ${String(v.readUnitsPerBill).padStart(5)}  write ${String(v.writeUnitsPerBill).padStart(5)}  (max ${v.maxWriteUnits})`);
}
if (only.has('d')) {
  const d = await handlerDurations(Number(process.env.BENCH_ROUNDS ?? 8));
  results.handlerDurations = d;
  console.log(`(d) milliseconds per invocation on the local path (median of ${d.rounds} rounds; DynamoDB Local round trips included): ${Object.entries(d.handlersMs).map(([k, v]) => `${k} ${v}`).join(', ')}`);
  console.log(`    readers alone: ${Object.entries(d.readersMs).map(([k, v]) => `${k} ${v}`).join(', ')}`);
  console.log(`    (b) per stage, ms per execution: ${Object.entries(d.stagesMsPerExecution).map(([k, v]) => `${k} ${v}`).join('; ')}`);
}

if (only.has('w')) {
  const w = await worklistPages(10_000);
  results.worklist = w;
  console.log(`(w) the worklist over ${w.bills.toLocaleString('en')} bills on DynamoDB Local (seeded in ${w.seedSeconds} s), median of ${w.rounds} rounds:`);
  for (const [k, v] of Object.entries(w.reads)) console.log(`    ${k.padEnd(52)} ${String(v.ms).padStart(7)} ms  ${String(v.readUnits).padStart(7)} read units  ${String(v.queries).padStart(3)} queries`);
}

// A partial run (BENCH=…) keeps the other parts of the last full run.
const resultsDir = join(process.cwd(), 'bench', 'results');
mkdirSync(resultsDir, { recursive: true });
const previous = (() => {
  try {
    return JSON.parse(readFileSync(join(resultsDir, 'latest.json'), 'utf8')) as Record<string, unknown>;
  } catch {
    return {};
  }
})();
writeFileSync(join(resultsDir, 'latest.json'), JSON.stringify({ ...previous, ...results }, null, 2) + '\n');
