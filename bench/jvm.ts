/**
 * Java CPU per execution on DynamoDB Local for a set of JVM options, in steady state after a warm-up
 * (generated bills through the local workflow, one at a time, in memory; `dbPath` with a 5th argument):
 *   npx esbuild bench/jvm.ts --bundle --platform=node --format=esm --packages=external --outfile=.bench/jvm.mjs && \
 *   node .bench/jvm.mjs "-XX:TieredStopAtLevel=1 -XX:+UseSerialGC -Xshare:auto" 150 200
 */
import { randomBytes } from 'node:crypto';
import { mkdtempSync, readFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { startDynamoDbLocal } from '../lambdas/adapters/local/dynamodb-local.ts';
import { openLocalStore } from '../lambdas/adapters/local/local-stack.ts';
import { loadMasterFolder } from '../lambdas/adapters/local/master-folder.ts';
import { FolderDocumentStore } from '../lambdas/adapters/local/folder-documents.ts';
import { LocalWorkflow } from '../lambdas/adapters/local/local-workflow.ts';
import { MemoryOutbox } from '../lambdas/adapters/local/memory-outbox.ts';
import { parseMasterData } from '../lambdas/core/master.ts';
import { generateWorld } from './world.ts';
const NOW = Date.parse('2026-03-03T10:00:00+01:00');
const demo = join(process.cwd(), 'bin', 'demo');
const javaCpu = (pid: number) => { const f = readFileSync(`/proc/${pid}/stat`, 'utf8').split(') ')[1]!.split(' '); return (Number(f[11]) + Number(f[12])) * 10; };
const opts = process.argv[2]!;
const warm = Number(process.argv[3] ?? 100), n = Number(process.argv[4] ?? 200);
const world = generateWorld(Number(process.argv[3] ?? 100) + Number(process.argv[4] ?? 200), 20, 7);
const master = parseMasterData(world.files);
void loadMasterFolder;
const startT = performance.now();
const db = await startDynamoDbLocal({ javaOptions: opts, ...(process.argv[5] ? { dbPath: mkdtempSync(join(tmpdir(), 'jvmdb-')) } : {}) });
const startMs = performance.now() - startT;
const pid = db.javaPid!;
const startCpu = javaCpu(pid);
const { store, client } = await openLocalStore(db.endpoint, 'bills');
await store.importMaster({ ...master, imported_at: new Date(NOW).toISOString() });
const documents = new FolderDocumentStore(mkdtempSync(join(tmpdir(), 'jvm-')), { durable: () => false });
const wf = new LocalWorkflow({ store, documents, now: () => NOW, approvals: { mailer: new MemoryOutbox(), secret: randomBytes(32), baseUrl: 'http://127.0.0.1:9' } });
const files = world.bills.map((b) => new TextEncoder().encode(JSON.stringify(b)));
let c0 = 0, t0 = 0, n0 = 0;
for (let i = 0; i < warm + n; i++) {
  if (i === warm) { c0 = javaCpu(pid); t0 = performance.now(); n0 = process.cpuUsage().user + process.cpuUsage().system; }
  await documents.put(`incoming/${i}`, files[i]!);
  await wf.run({ id: `r${i}`, document_key: `incoming/${i}`, name: `f${i}.bill.json`, submitter: null, received_at: new Date(NOW).toISOString() });
}
const cpu = javaCpu(pid) - c0;
const nodeCpu = (process.cpuUsage().user + process.cpuUsage().system - n0) / 1000;
console.log(JSON.stringify({ opts, startMs: Math.round(startMs), startCpuMs: startCpu, javaCpuMsPerExecution: +(cpu / n).toFixed(1), nodeCpuMsPerExecution: +(nodeCpu / n).toFixed(1), wallMsPerExecution: +((performance.now() - t0) / n).toFixed(1) }));
wf.abortAll(); client.destroy(); await db.stop();
