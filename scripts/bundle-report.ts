/**
 * `npm run bundle-report`: bundles every function exactly as `BillFunction` does (the same esbuild
 * options: minified, ESM, node22, the AWS SDK external) and prints the size of each bundle — the
 * code Lambda loads, without the source map. Exits 1 when one is over the limit (1 MB).
 *
 * With `--init`, each bundle is also imported by a fresh `node` five times and the median module
 * init time printed (what a cold start pays before the handler runs; the AWS SDK, external, is
 * loaded from node_modules as the runtime loads its own copy). `--only a,b` limits the functions.
 *
 *   npm run bundle-report [-- --json] [-- --limit-kb 1024] [-- --init] [-- --only workspace]
 */
import { execFileSync } from 'node:child_process';
import { mkdirSync, mkdtempSync, readdirSync, rmSync, statSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { Metafile } from 'esbuild';
import { BILL_FUNCTIONS, bundleFunction, PROJECT_ROOT } from '../lib/bundle.ts';

const args = process.argv.slice(2);
const limitKb = Number(args[args.indexOf('--limit-kb') + 1] ?? NaN) || 1024;
const json = args.includes('--json');
const init = args.includes('--init');
const only = args.includes('--only') ? new Set((args[args.indexOf('--only') + 1] ?? '').split(',')) : null;

interface Row {
  readonly name: string;
  readonly kb: number;
  /** Beside the bundle, loaded on demand (pdf.js, the double-byte charset tables, the chart renderer). */
  readonly onDemandKb: number;
  readonly largest: string;
  /** Median module init time (ms) of five fresh imports, with `--init`. */
  readonly initMs?: number;
}

/** Median time of five fresh `node` processes importing the bundle (Powertools on, tracing off, as in the bundle test). */
function initTime(file: string, name: string): number {
  const times: number[] = [];
  for (let i = 0; i < 5; i++) {
    const out = execFileSync(process.execPath, ['-e', `const t = performance.now(); import(${JSON.stringify(file)}).then(() => process.stdout.write(String(performance.now() - t)))`], {
      env: { ...process.env, AWS_LAMBDA_FUNCTION_NAME: name, POWERTOOLS_TRACE_ENABLED: 'false', AWS_REGION: 'eu-west-1' },
    }).toString();
    times.push(Number(out));
  }
  return times.sort((a, b) => a - b)[2]!;
}

/** Bytes of a file or folder. */
function sizeOf(path: string): number {
  const st = statSync(path, { throwIfNoEntry: false });
  if (!st) return 0;
  if (!st.isDirectory()) return st.size;
  return readdirSync(path).reduce((n, f) => n + sizeOf(join(path, f)), 0);
}

/** The three largest inputs of a bundle (packages or project folders), for where the bytes go. */
function largestInputs(meta: Metafile): string {
  const out = Object.values(meta.outputs).find((o) => o.entryPoint);
  const byPackage = new Map<string, number>();
  for (const [path, { bytesInOutput }] of Object.entries(out?.inputs ?? {})) {
    const m = /node_modules\/((?:@[^/]+\/)?[^/]+)/.exec(path);
    const key = m ? m[1]! : path.split('/').slice(0, 2).join('/');
    byPackage.set(key, (byPackage.get(key) ?? 0) + bytesInOutput);
  }
  return [...byPackage.entries()]
    .sort((a, b) => b[1] - a[1])
    .slice(0, 3)
    .map(([k, v]) => `${k} ${Math.round(v / 1024)}`)
    .join(', ');
}

// With --init, inside the project, so that the external AWS SDK resolves from node_modules.
const dir = init ? join(PROJECT_ROOT, '.bench', `bundle-init-${process.pid}`) : mkdtempSync(join(tmpdir(), 'bm-bundle-'));
if (init) mkdirSync(dir, { recursive: true });
const rows: Row[] = [];
try {
  for (const name of BILL_FUNCTIONS) {
    if (only && !only.has(name)) continue;
    const out = join(dir, name);
    const meta = await bundleFunction(name, out);
    const kb = statSync(join(out, 'index.mjs')).size / 1024;
    const total = sizeOf(out) / 1024;
    rows.push({ name, kb, onDemandKb: total - kb - sizeOf(join(out, 'index.mjs.map')) / 1024, largest: largestInputs(meta), ...(init ? { initMs: initTime(join(out, 'index.mjs'), name) } : {}) });
  }
} finally {
  rmSync(dir, { recursive: true, force: true });
}

const over = rows.filter((r) => r.kb > limitKb);
if (json) {
  console.log(JSON.stringify({ limitKb, functions: rows.map((r) => ({ name: r.name, kb: Math.round(r.kb), on_demand_kb: Math.round(r.onDemandKb), ...(r.initMs !== undefined ? { init_ms: Math.round(r.initMs) } : {}) })) }, null, 2));
} else {
  const w = Math.max(...rows.map((r) => r.name.length), 'function'.length);
  console.log(`${'function'.padEnd(w)}  ${'KB'.padStart(6)}  ${'on demand'.padStart(9)}${init ? '  init ms' : ''}  largest inputs (KB)`);
  for (const r of rows) {
    const od = r.onDemandKb > 0 ? r.onDemandKb.toFixed(0) : '-';
    const ms = init ? `  ${(r.initMs ?? 0).toFixed(0).padStart(7)}` : '';
    console.log(`${r.name.padEnd(w)}  ${r.kb.toFixed(0).padStart(6)}${r.kb > limitKb ? ' !' : '  '} ${od.padStart(9)}${ms}  ${r.largest}`);
  }
  console.log(`\nKB: the bundle loaded at start (minified ESM, @aws-sdk/* external, without source maps); limit ${limitKb} KB.`);
  console.log('on demand: beside the bundle, loaded by the first PDF (pdf.js), the first CJK-charset email (iconv tables) or the first chart (resvg WebAssembly, a font).');
}
if (over.length > 0) {
  console.error(`over the limit: ${over.map((r) => `${r.name} (${r.kb.toFixed(0)} KB)`).join(', ')}`);
  process.exit(1);
}
