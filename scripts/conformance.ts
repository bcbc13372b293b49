/**
 * `npm run conformance`: measures the readers against the shared third-party corpus
 * (`../shared/corpus` next to the project, or BM_SHARED_DIR). The corpus is not part of
 * the project: without it this prints a note and exits 0.
 *
 * 1. Locate the shared folder (the one holding `corpus/`).
 * 2. Run the e-invoice conformance (UBL, CII, XRechnung, Factur-X, X12 810).
 * 3. Run the MIME conformance when `scripts/conformance/mime.ts` is present.
 * 4. Run the PDF conformance (text-layer reader, per-field confidence) when `scripts/conformance/pdf.ts` is present.
 * 5. Exit non-zero when any check failed.
 *
 * `--only pdf` (or `e-invoice`, `mime`, comma-separated) runs only those suites; `--no-ocr`
 * skips the OCR family of the PDF suite; `--misses FILE` writes each PDF field that is not right
 * and confident (document, field, expected, read, confidence) as JSON lines, to study the misses.
 */
import { existsSync } from 'node:fs';
import { basename, dirname, join, resolve } from 'node:path';
import { fileURLToPath, pathToFileURL } from 'node:url';
import { einvoiceConformance } from './conformance/einvoice.ts';

/** Options from the command line: `--only pdf,mime` runs those suites; `--no-ocr` skips the OCR family; `--misses FILE` writes every field not right and confident as JSON lines. */
export interface ConformanceOptions {
  readonly noOcr?: boolean;
  readonly misses?: string;
}
type Conformance = (sharedDir: string, options?: ConformanceOptions) => Promise<{ table: string; failures: number }>;

function argValue(name: string): string | undefined {
  const i = process.argv.indexOf(name);
  return i >= 0 ? process.argv[i + 1] : undefined;
}

const projectRoot = resolve(dirname(fileURLToPath(import.meta.url)), '..');

/** The shared folder: BM_SHARED_DIR (the shared folder or its `corpus/`), else `../shared`. */
export function locateShared(env: NodeJS.ProcessEnv = process.env): string | null {
  const given = env['BM_SHARED_DIR'];
  const candidate = given ? resolve(given) : resolve(projectRoot, '..', 'shared');
  if (existsSync(join(candidate, 'corpus'))) return candidate;
  if (basename(candidate) === 'corpus' && existsSync(candidate)) return dirname(candidate);
  return null;
}

async function main(): Promise<number> {
  const shared = locateShared();
  if (!shared) {
    console.log('conformance: no shared corpus found (../shared/corpus or BM_SHARED_DIR); nothing to measure.');
    return 0;
  }
  let failures = 0;
  const suites: [string, Conformance][] = [['e-invoice', einvoiceConformance]];
  const mimePath = join(projectRoot, 'scripts', 'conformance', 'mime.ts');
  if (existsSync(mimePath)) {
    const mime = (await import(pathToFileURL(mimePath).href)) as { mimeConformance?: Conformance };
    if (mime.mimeConformance) suites.push(['mime', mime.mimeConformance]);
  } else {
    console.log('conformance: scripts/conformance/mime.ts is absent; MIME conformance skipped.\n');
  }
  const pdfPath = join(projectRoot, 'scripts', 'conformance', 'pdf.ts');
  if (existsSync(pdfPath)) {
    const pdf = (await import(pathToFileURL(pdfPath).href)) as { pdfConformance?: Conformance };
    if (pdf.pdfConformance) suites.push(['pdf', pdf.pdfConformance]);
  } else {
    console.log('conformance: scripts/conformance/pdf.ts is absent; PDF conformance skipped.\n');
  }
  const only = argValue('--only')?.split(',');
  const options: ConformanceOptions = { noOcr: process.argv.includes('--no-ocr'), misses: argValue('--misses') };
  for (const [name, run] of suites) {
    if (only && !only.includes(name)) continue;
    const { table, failures: f } = await run(shared, options);
    console.log(`${table}\n\n${name}: ${f === 0 ? 'OK' : `${f} failure(s)`}\n`);
    failures += f;
  }
  return failures;
}

process.exitCode = (await main()) > 0 ? 1 : 0;
