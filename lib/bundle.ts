/**
 * How a function is bundled: one definition for `BillFunction` (CDK's local esbuild, no Docker),
 * `npm run bundle-report` and the bundle smoke test.
 *
 * Each function is one minified ESM file. Two things the readers need only for some documents are
 * shipped *beside* the bundle and loaded on demand, so that a function starts without parsing them:
 * - pdf.js (its main module, its worker, the standard font data) and the worker thread it runs
 *   in (`pdf-worker.mjs`): loaded by the first PDF;
 * - iconv-lite's double-byte tables (Chinese, Japanese, Korean charsets): loaded by the first
 *   email in such a charset (the readers, and the ack function, which finds a bill's original
 *   document in its email);
 * - for the summary function, resvg's WebAssembly module (2.4 MB) and the chart's font: read by
 *   the first chart.
 */
import { cpSync, mkdirSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { OutputFormat } from 'aws-cdk-lib/aws-lambda-nodejs';

/** The repository root (entries, lock file). */
export const PROJECT_ROOT = fileURLToPath(new URL('..', import.meta.url));

/** Every function of the product, by its folder under `lambdas/`. */
export const BILL_FUNCTIONS = [
  'intake',
  'start-execution',
  'read-document',
  'extract',
  'decide-bill',
  'record-failure',
  'approval-desk',
  'ack',
  'sweep',
  'master-drop',
  'drive-sync',
  'portal-poll',
  'summary',
  'workspace',
] as const;
export type BillFunctionName = (typeof BILL_FUNCTIONS)[number];

/** Functions deployed only when configured (`lanes.driveSync`, `lanes.portalPoll`). */
export const OPTIONAL_FUNCTIONS: ReadonlySet<BillFunctionName> = new Set(['drive-sync', 'portal-poll']);

/** The functions that run the readers (emails, PDFs): they get the on-demand files. */
export const READER_FUNCTIONS: ReadonlySet<BillFunctionName> = new Set(['read-document', 'extract']);

/** The handler file of a function. */
export function entryOf(name: BillFunctionName): string {
  return join(PROJECT_ROOT, 'lambdas', name, 'handler.ts');
}

/**
 * The esbuild options every function is bundled with.
 * ESM output needs `require` for the CommonJS dependencies (mailparser, the X-Ray SDK): the banner
 * makes one. The AWS SDK v3 is in the Lambda runtime and is not bundled. `libmime` is aliased to
 * its ESM build: mailparser imports that one and mailsplit would `require` the CommonJS copy. `he`
 * (85 KB of entity tables, used by mailparser only to encode HTML the product never reads) is
 * replaced by `lambdas/shared/he-encode.ts`. Alias paths are relative to the project root.
 * `ssh2` (the SFTP portal adapter) tries two optional native add-ons (`cpu-features` and its own
 * `sshcrypto.node`) inside try/catch and falls back to Node's crypto: they are left out.
 */
export const BUNDLING = {
  minify: true,
  sourceMap: true,
  sourcesContent: false,
  target: 'node22',
  format: OutputFormat.ESM,
  mainFields: ['module', 'main'],
  banner: "import { createRequire } from 'module'; const require = createRequire(import.meta.url);",
  externalModules: ['@aws-sdk/*', 'cpu-features', '*.node'],
  alias: { libmime: './node_modules/libmime/dist/esm/libmime.js', he: './lambdas/shared/he-encode.ts' },
} as const;

/** What a reader function leaves out of its bundle (resolved at run time from beside it). */
export const ON_DEMAND_EXTERNALS = ['pdfjs-dist', './tables/*'] as const;

/** A file or folder copied from the project into the function's folder; `minify` for modules. */
export interface OnDemandFile {
  readonly from: string;
  readonly to: string;
  readonly minify?: boolean;
}

/** The files beside a reader function's bundle, where its externals resolve them. */
export const ON_DEMAND_FILES: readonly OnDemandFile[] = [
  { from: 'node_modules/pdfjs-dist/package.json', to: 'node_modules/pdfjs-dist/package.json' },
  { from: 'node_modules/pdfjs-dist/legacy/build/pdf.mjs', to: 'node_modules/pdfjs-dist/legacy/build/pdf.mjs', minify: true },
  { from: 'node_modules/pdfjs-dist/legacy/build/pdf.worker.mjs', to: 'node_modules/pdfjs-dist/legacy/build/pdf.worker.mjs', minify: true },
  { from: 'node_modules/pdfjs-dist/standard_fonts', to: 'node_modules/pdfjs-dist/standard_fonts' },
  // The worker thread pdf.js runs in (bounded memory and time): transpiled on its own, it imports
  // only node: modules and pdf.js, which resolves from the node_modules above.
  { from: 'lambdas/readers/pdf-worker.ts', to: 'pdf-worker.mjs', minify: true },
  // iconv-lite's dbcs-data.js requires "./tables/<name>.json"; external, that resolves beside the bundle.
  { from: 'node_modules/iconv-lite/encodings/tables', to: 'tables' },
];

/** iconv-lite's double-byte charset tables (about 390 KB of a bundle), external as `./tables/*`: the readers' last on-demand entry. */
export const CHARSET_TABLES: readonly OnDemandFile[] = ON_DEMAND_FILES.filter((f) => f.to === 'tables');

/**
 * Functions that parse a stored email without reading bills (no pdf.js): the ack function finds a
 * bill's original document in its email (`lambdas/shared/original-document.ts`, mailparser) for
 * the review-by-link page; the workspace shares the pages' code, which imports it. They get the charset tables beside the bundle, as the readers do.
 */
export const MAIL_FUNCTIONS: ReadonlySet<BillFunctionName> = new Set(['ack', 'workspace']);

/** The files beside the summary function's bundle (`lambdas/adapters/render/chart.ts` reads them by these names). */
export const SUMMARY_FILES: readonly OnDemandFile[] = [
  { from: 'node_modules/@resvg/resvg-wasm/index_bg.wasm', to: 'resvg.wasm' },
  { from: 'node_modules/pdfjs-dist/standard_fonts/LiberationSans-Regular.ttf', to: 'LiberationSans-Regular.ttf' },
];

/** What goes beside a function's bundle, and what its bundle leaves out for that. */
export function besideBundle(name: BillFunctionName): { readonly files: readonly OnDemandFile[]; readonly externals: readonly string[] } {
  if (READER_FUNCTIONS.has(name)) return { files: ON_DEMAND_FILES, externals: ON_DEMAND_EXTERNALS };
  if (MAIL_FUNCTIONS.has(name)) return { files: CHARSET_TABLES, externals: ['./tables/*'] };
  if (name === 'summary') return { files: SUMMARY_FILES, externals: [] };
  return { files: [], externals: [] };
}

const quote = (s: string) => `'${s.replaceAll("'", "'\\''")}'`;

/** The same copies as shell commands, for CDK's `afterBundling` hook (local bundling). */
export function onDemandCommands(inputDir: string, outputDir: string, files: readonly OnDemandFile[] = ON_DEMAND_FILES): string[] {
  const esbuild = join(inputDir, 'node_modules', '.bin', 'esbuild');
  return files.flatMap((f) => {
    const from = join(inputDir, f.from);
    const to = join(outputDir, f.to);
    const mk = `mkdir -p ${quote(dirname(to))}`;
    if (f.minify) return [mk, `${quote(esbuild)} ${quote(from)} --minify --format=esm --log-level=warning --outfile=${quote(to)}`];
    return [mk, `cp -R ${quote(from)} ${quote(to)}`];
  });
}

/** The same copies done in-process (bundle report, smoke test). */
export async function copyOnDemandFiles(outputDir: string, files: readonly OnDemandFile[] = ON_DEMAND_FILES): Promise<void> {
  const { build } = await import('esbuild');
  for (const f of files) {
    const from = join(PROJECT_ROOT, f.from);
    const to = join(outputDir, f.to);
    mkdirSync(dirname(to), { recursive: true });
    if (f.minify) await build({ entryPoints: [from], minify: true, format: 'esm', outfile: to, logLevel: 'warning' });
    else cpSync(from, to, { recursive: true });
  }
}

/**
 * Bundles one function into `outputDir/index.mjs` exactly as `BillFunction` does, with its
 * on-demand files beside it. Returns esbuild's metafile (what went into the bundle).
 */
export async function bundleFunction(name: BillFunctionName, outputDir: string) {
  const { build } = await import('esbuild');
  const beside = besideBundle(name);
  const result = await build({
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
    alias: { ...BUNDLING.alias },
    external: [...BUNDLING.externalModules, ...beside.externals],
    outfile: join(outputDir, 'index.mjs'),
    metafile: true,
    logLevel: 'error',
  });
  if (beside.files.length > 0) await copyOnDemandFiles(outputDir, beside.files);
  return result.metafile;
}
