/**
 * `npm run bundle-report`: bundles every function exactly as `BillFunction` does (the same esbuild
 * options: minified, ESM, node22, the AWS SDK external) and prints the size of each bundle — the
 * code Lambda loads, without the source map. Exits 1 when one is over the limit (1 MB).
 *
 *   npm run bundle-report [-- --json] [-- --limit-kb 1024]
 */
import { mkdtempSync, readdirSync, rmSync, statSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { Metafile } from 'esbuild';
import { BILL_FUNCTIONS, bundleFunction } from '../lib/bundle.ts';

const args = process.argv.slice(2);
const limitKb = Number(args[args.indexOf('--limit-kb') + 1] ?? NaN) || 1024;
const json = args.includes('--json');

interface Row {
  readonly name: string;
  readonly kb: number;
  /** Beside the bundle, loaded on demand (pdf.js, the double-byte charset tables, the chart renderer). */
  readonly onDemandKb: number;
  readonly largest: string;
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

const dir = mkdtempSync(join(tmpdir(), 'bm-bundle-'));
const rows: Row[] = [];
try {
  for (const name of BILL_FUNCTIONS) {
    const out = join(dir, name);
    const meta = await bundleFunction(name, out);
    const kb = statSync(join(out, 'index.mjs')).size / 1024;
    const total = sizeOf(out) / 1024;
    rows.push({ name, kb, onDemandKb: total - kb - sizeOf(join(out, 'index.mjs.map')) / 1024, largest: largestInputs(meta) });
  }
} finally {
  rmSync(dir, { recursive: true, force: true });
}

const over = rows.filter((r) => r.kb > limitKb);
if (json) {
  console.log(JSON.stringify({ limitKb, functions: rows.map((r) => ({ name: r.name, kb: Math.round(r.kb), on_demand_kb: Math.round(r.onDemandKb) })) }, null, 2));
} else {
  const w = Math.max(...rows.map((r) => r.name.length), 'function'.length);
  console.log(`${'function'.padEnd(w)}  ${'KB'.padStart(6)}  ${'on demand'.padStart(9)}  largest inputs (KB)`);
  for (const r of rows) {
    const od = r.onDemandKb > 0 ? r.onDemandKb.toFixed(0) : '-';
    console.log(`${r.name.padEnd(w)}  ${r.kb.toFixed(0).padStart(6)}${r.kb > limitKb ? ' !' : '  '} ${od.padStart(9)}  ${r.largest}`);
  }
  console.log(`\nKB: the bundle loaded at start (minified ESM, @aws-sdk/* external, without source maps); limit ${limitKb} KB.`);
  console.log('on demand: beside the bundle, loaded by the first PDF (pdf.js), the first CJK-charset email (iconv tables) or the first chart (resvg WebAssembly, a font).');
}
if (over.length > 0) {
  console.error(`over the limit: ${over.map((r) => `${r.name} (${r.kb.toFixed(0)} KB)`).join(', ')}`);
  process.exit(1);
}
