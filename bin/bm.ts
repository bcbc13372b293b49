/**
 * `bm` — the bill matcher's command line (spec/formats.md, "the command-line contract").
 * Usage errors exit 2; a FILE that cannot be read exits 1 (after the others were processed).
 */
import { TesseractOcr } from '../lambdas/adapters/local/tesseract-ocr.ts';
import { main } from '../lambdas/cli/main.ts';
import { useOcrEngine } from '../lambdas/readers/ocr.ts';

// Scans and photos are read by local OCR on a laptop (the worker starts with the first image).
useOcrEngine(new TesseractOcr());

const code = await main(process.argv.slice(2), {
  stdout: (s) => process.stdout.write(s),
  stderr: (s) => process.stderr.write(s),
  // Progress bars only on a terminal; in a pipe or a CI log, a few plain lines.
  ...(process.stderr.isTTY ? { progressTerminal: process.stderr } : {}),
});
// One-shot commands end here even if an abandoned wait (an approval nobody will give) left a timer.
process.stdout.write('', () => process.exit(code));
