/**
 * `npm run bench:summary`: the monthly summary's figures for a month of 20,000 bills on DynamoDB
 * Local — how long computing them takes and how many read units the queries consume — and the
 * whole email (paragraph template, chart, CSV) on top. A benchmark, not a test: it asserts
 * nothing. Writes bench/results/summary.json.
 *
 *   npm run bench:summary [-- --bills 20000]
 */
import { mkdirSync, writeFileSync } from 'node:fs';
import { cpus, totalmem } from 'node:os';
import { join } from 'node:path';
import { BatchWriteCommand, DynamoDBDocumentClient } from '@aws-sdk/lib-dynamodb';
import { auditItem, billItem, type CapacityMeter } from '../lambdas/adapters/aws/dynamo-store.ts';
import { startLocalDatabase } from '../lambdas/adapters/local/local-stack.ts';
import { MemoryOutbox } from '../lambdas/adapters/local/memory-outbox.ts';
import { WasmChartRenderer } from '../lambdas/adapters/render/chart.ts';
import { parseMasterData } from '../lambdas/core/master.ts';
import { sendMonthlySummary } from '../lambdas/core/summary/send.ts';
import { computeSummary } from '../lambdas/core/summary/summary.ts';
import { generateMonth, type GeneratedBill } from '../test/support/month-bills.ts';

/** The items the store's decision write makes (bill, audit rows), loaded in batches of 25: the reads measured are the same. */
async function load(doc: DynamoDBDocumentClient, table: string, bills: readonly GeneratedBill[]): Promise<void> {
  const items = bills.flatMap((g) => [billItem(g.record), ...g.audit.map((a, i) => auditItem({ ...a, bill_id: g.record.bill_id, seq: i + 1 }, g.record.version))]);
  let next = 0;
  const worker = async () => {
    while (next < items.length) {
      let batch = items.slice(next, (next += 25));
      while (batch.length > 0) {
        const r = await doc.send(new BatchWriteCommand({ RequestItems: { [table]: batch.map((Item) => ({ PutRequest: { Item } })) } }));
        batch = (r.UnprocessedItems?.[table] ?? []).map((w) => w.PutRequest!.Item!);
      }
    }
  };
  await Promise.all(Array.from({ length: 8 }, worker));
}

const args = process.argv.slice(2);
const n = Number(args[args.indexOf('--bills') + 1] ?? NaN) || 20_000;
const MARCH = { start: Date.parse('2026-03-01T00:00:00+01:00'), end: Date.parse('2026-04-01T00:00:00+02:00') };
const FEB = { start: Date.parse('2026-02-01T00:00:00+01:00'), end: MARCH.start };
const NOW = Date.parse('2026-04-06T09:00:00+02:00');
const POLICY = JSON.stringify({ timezone: 'Europe/Berlin', auto_approve_max: '1000', admin_approver: 'ap-admin@example.com' });
const HEADER = 'vendor_id,name,aliases,tax_id,iban,email,currency,authorization_cap,ytd_spend,blocked,approver,category';

const meter: CapacityMeter = { read: 0, write: 0 };
const db = await startLocalDatabase({ capacity: meter });
try {
  await db.store.importMaster(parseMasterData({ 'vendors.csv': HEADER, 'purchase_orders.csv': 'po_number,vendor_id,po_date,currency,status,line_no,item_code,description,quantity,unit_price,receipt_required', 'goods_receipts.csv': 'grn_number,po_number,line_no,received_quantity,received_date', 'policy.json': POLICY }));
  const march = generateMonth({ startMs: MARCH.start, endMs: MARCH.end, n, seed: 1, nowMs: NOW, idPrefix: 'mar' });
  const feb = generateMonth({ startMs: FEB.start, endMs: FEB.end, n, seed: 2, nowMs: NOW, idPrefix: 'feb' });
  const auditRows = [...march, ...feb].reduce((k, g) => k + g.audit.length, 0);
  const t0 = Date.now();
  await load(DynamoDBDocumentClient.from(db.client), db.store.tableName, [...march, ...feb]);
  const seedSeconds = (Date.now() - t0) / 1000;
  console.log(`seeded ${2 * n} bills (${auditRows} audit rows) in ${seedSeconds.toFixed(0)} s`);

  // Figures: one warm-up (JIT, connections), then measured runs.
  await computeSummary('2026-03', { store: db.store, now: () => NOW });
  const runs: { seconds: number; cpuSeconds: number; readUnits: number }[] = [];
  for (let i = 0; i < 3; i++) {
    const before = meter.read;
    const t = process.hrtime.bigint();
    const cpu = process.cpuUsage();
    const { summary } = await computeSummary('2026-03', { store: db.store, now: () => NOW });
    const c = process.cpuUsage(cpu);
    runs.push({ seconds: Number(process.hrtime.bigint() - t) / 1e9, cpuSeconds: (c.user + c.system) / 1e6, readUnits: meter.read - before });
    if (summary.current.bills !== n) throw new Error(`expected ${n} bills in March, got ${summary.current.bills}`);
  }
  const best = [...runs].sort((a, b) => a.seconds - b.seconds)[0]!;
  const heapMiB = Math.round(process.memoryUsage().heapUsed / 2 ** 20);
  console.log(`figures of a month of ${n} bills (and the month before, and the bills pending or ready now): ${runs.map((r) => r.seconds.toFixed(2)).join(' / ')} s (CPU ${best.cpuSeconds.toFixed(2)} s), ${best.readUnits.toFixed(1)} read units a run`);

  // The whole email: figures, template paragraph, chart, CSV, MIME kept in memory.
  const outbox = new MemoryOutbox();
  const t2 = process.hrtime.bigint();
  await sendMonthlySummary({ month: '2026-03' }, { store: db.store, mailer: outbox, chart: new WasmChartRenderer(), model: null, modelId: null, recipients: ['finance@example.com'], now: () => NOW, runId: () => 'bench' });
  const emailSeconds = Number(process.hrtime.bigint() - t2) / 1e9;
  const csvKiB = Math.round(outbox.sent[0]!.attachments!.find((a) => a.filename.endsWith('.csv'))!.content.byteLength / 1024);
  console.log(`the whole email (figures, template paragraph, chart, ${csvKiB} KiB CSV): ${emailSeconds.toFixed(2)} s; heap after: ${heapMiB} MiB`);

  const machine = { cpu: cpus()[0]?.model ?? 'unknown', cores: cpus().length, memoryGiB: Math.round(totalmem() / 2 ** 30), node: process.version };
  mkdirSync(join(process.cwd(), 'bench', 'results'), { recursive: true });
  writeFileSync(
    join(process.cwd(), 'bench', 'results', 'summary.json'),
    JSON.stringify({ date: new Date().toISOString(), machine, billsPerMonth: n, auditRows, seedSeconds, runs, emailSeconds, csvKiB, heapMiB }, null, 2) + '\n',
  );
} finally {
  await db.stop();
}
