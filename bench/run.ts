/**
 * `npm run bench`: (a) core decisions per second in-process, (b) `bm run` bills per second end
 * to end on DynamoDB Local, (c) DynamoDB capacity units per bill by outcome. Prints a table
 * and writes bench/results/latest.json. A benchmark, not a test: it asserts nothing.
 * `npm run bench` bundles it with esbuild first, as the Lambda functions are bundled.
 */
import { mkdirSync, mkdtempSync, writeFileSync } from 'node:fs';
import { cpus, tmpdir, totalmem } from 'node:os';
import { join } from 'node:path';
import { MemoryBillStore } from '../lambdas/adapters/memory/memory-store.ts';
import { startLocalDatabase } from '../lambdas/adapters/local/local-stack.ts';
import type { CapacityMeter } from '../lambdas/adapters/aws/dynamo-store.ts';
import { newBillId } from '../lambdas/core/ids.ts';
import { parseMasterData } from '../lambdas/core/master.ts';
import { processBill } from '../lambdas/core/process-bill.ts';
import { main } from '../lambdas/cli/main.ts';
import { generateWorld } from './world.ts';

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
  const states: Record<string, number> = {};
  const t0 = process.hrtime.bigint();
  const cpu0 = process.cpuUsage();
  for (let i = 0; i < world.bills.length; i++) {
    const r = await processBill({ billId: newBillId(NOW), canonical: world.bills[i]!, readingExceptions: [], source: source(i) }, { store, now: () => NOW });
    states[r.state] = (states[r.state] ?? 0) + 1;
  }
  const s = Number(process.hrtime.bigint() - t0) / 1e9;
  const cpu = process.cpuUsage(cpu0);
  const cpuSeconds = (cpu.user + cpu.system) / 1e6;
  // Per CPU-second is per core, and robust against other load on the machine.
  return { bills: n, seconds: s, cpuSeconds, perSecond: Math.round(n / s), perCpuSecond: Math.round(n / cpuSeconds), states };
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
  const t0 = process.hrtime.bigint();
  const code = await main(['run', '--master', join(dir, 'master'), '--json', '--now', '2026-03-03T10:00:00+01:00', ...files], { stdout: (s) => (out += s), stderr: () => {} });
  const s = Number(process.hrtime.bigint() - t0) / 1e9;
  return { bills: n, exit: code, rows: out.trim().split('\n').length, seconds: s, perSecond: Number((n / s).toFixed(1)), note: 'includes DynamoDB Local start-up and master import' };
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

const machine = { cpu: cpus()[0]?.model ?? 'unknown', cores: cpus().length, memoryGiB: Math.round(totalmem() / 2 ** 30), node: process.version, platform: `${process.platform}-${process.arch}` };
console.log(`machine: ${machine.cpu}, ${machine.cores} cores, ${machine.memoryGiB} GiB, Node ${machine.node}`);

const a = await coreDecisions(10_000);
console.log(`(a) core decisions in-process, one thread: ${a.perSecond.toLocaleString('en')} /s wall-clock (${a.bills} bills in ${a.seconds.toFixed(2)} s; ${a.cpuSeconds.toFixed(2)} CPU-s with GC threads) — target ≥ 20,000 /s`);
console.log(`    outcomes: ${JSON.stringify(a.states)}`);
const b = await endToEnd(300);
console.log(`(b) bm run end to end on DynamoDB Local: ${b.perSecond} bills/s (${b.bills} bills in ${b.seconds.toFixed(1)} s, ${b.note})`);
const c = await capacityByOutcome(300);
console.log('(c) DynamoDB capacity units per bill, by outcome (write = billed transactional units from item sizes) — target ≤ 12 write units straight-through:');
for (const [k, v] of Object.entries(c)) console.log(`    ${k.padEnd(38)} ${String(v.bills).padStart(4)} bills  read ${String(v.readUnitsPerBill).padStart(5)}  write ${String(v.writeUnitsPerBill).padStart(5)}  (max ${v.maxWriteUnits})`);

mkdirSync(join(process.cwd(), 'bench', 'results'), { recursive: true });
writeFileSync(join(process.cwd(), 'bench', 'results', 'latest.json'), JSON.stringify({ date: new Date().toISOString(), machine, coreDecisions: a, endToEnd: b, capacityByOutcome: c }, null, 2) + '\n');
