/**
 * `npm run bundle-report`: bundles every function exactly as `BillFunction` does (the same esbuild
 * options: minified, ESM, node22, the AWS SDK external) and prints the size of each bundle — the
 * code Lambda loads, without the source map. Exits 1 when one is over the limit (1 MB).
 *
 *   npm run bundle-report [-- --json] [-- --limit-kb 1024]
 */
import { mkdtempSync, rmSync, statSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { build, type Metafile } from 'esbuild';
import { BILL_FUNCTIONS, BUNDLING, entryOf, PROJECT_ROOT } from '../lib/bill-function.ts';

const args = process.argv.slice(2);
const limitKb = Number(args[args.indexOf('--limit-kb') + 1] ?? NaN) || 1024;
const json = args.includes('--json');

interface Row {
  readonly name: string;
  readonly kb: number;
  readonly largest: string;
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
    const outfile = join(dir, name, 'index.mjs');
    const r = await build({
      entryPoints: [entryOf(name)],
      absWorkingDir: PROJECT_ROOT,
      bundle: true,
      platform: 'node',
      target: BUNDLING.target,
      format: 'esm',
      minify: BUNDLING.minify,
      sourcemap: BUNDLING.sourceMap,
      sourcesContent: BUNDLING.sourcesContent,
      mainFields: [...BUNDLING.mainFields],
      banner: { js: BUNDLING.banner },
      external: [...BUNDLING.externalModules],
      outfile,
      metafile: true,
      logLevel: 'error',
    });
    rows.push({ name, kb: statSync(outfile).size / 1024, largest: largestInputs(r.metafile) });
  }
} finally {
  rmSync(dir, { recursive: true, force: true });
}

const over = rows.filter((r) => r.kb > limitKb);
if (json) {
  console.log(JSON.stringify({ limitKb, functions: rows.map((r) => ({ name: r.name, kb: Math.round(r.kb) })) }, null, 2));
} else {
  const w = Math.max(...rows.map((r) => r.name.length), 'function'.length);
  console.log(`${'function'.padEnd(w)}  ${'KB'.padStart(6)}  largest inputs (KB)`);
  for (const r of rows) console.log(`${r.name.padEnd(w)}  ${r.kb.toFixed(0).padStart(6)}${r.kb > limitKb ? ' !' : '  '} ${r.largest}`);
  console.log(`\nminified ESM, @aws-sdk/* external, without source maps; limit ${limitKb} KB`);
}
if (over.length > 0) {
  console.error(`over the limit: ${over.map((r) => `${r.name} (${r.kb.toFixed(0)} KB)`).join(', ')}`);
  process.exit(1);
}
