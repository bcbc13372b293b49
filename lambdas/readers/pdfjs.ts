/**
 * pdf.js, run in a worker thread (`pdf-worker.ts`) with bounded memory and a hard wall-clock
 * limit. pdf.js parses synchronously: on the main thread a hostile PDF — a 1 MB decompression
 * bomb whose content stream inflates to gigabytes — held the process for 84 s and 3.5 GB, and a
 * `setTimeout` could never fire. In a worker:
 *
 * 1. the bytes are copied to a worker with `resourceLimits` (heap) of its own;
 * 2. the main thread stays free: a timer terminates the worker at the wall-clock limit, and a
 *    watchdog terminates it when the process's resident memory grows past the budget (inflated
 *    stream buffers live outside the V8 heap, so the heap limit alone does not bound them);
 * 3. the worker posts plain data back (text items, attachment bytes); every failure is a reason.
 *
 * In Lambda the worker is shipped beside the bundle as `pdf-worker.mjs` (lib/bundle.ts); from the
 * sources it is `pdf-worker.ts`, which Node 22 runs with its built-in type stripping.
 */
import { existsSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { Worker } from 'node:worker_threads';
import type { PdfJob, PdfJobResult, PdfTextPage } from './pdf-worker.ts';

export type { PdfTextItem, PdfTextPage } from './pdf-worker.ts';

/** What a PDF may be and cost: bigger is refused unopened; slower, or hungrier, is stopped. */
export const PDF_LIMITS = {
  maxBytes: 50 * 1024 * 1024,
  timeoutMs: 15_000,
  /** The worker's V8 heap (old generation). */
  heapMb: 256,
  /** Growth of the process's resident memory while a PDF is parsed, V8 heap and buffers together. */
  memoryBudgetMb: 512,
};

export type PdfOutcome<T> = { readonly ok: true; readonly value: T } | { readonly ok: false; readonly reason: string };

/** The text items of the first `maxPages` pages. Never throws, never hangs. */
export async function pdfTextPages(bytes: Uint8Array, maxPages: number, timeoutMs = PDF_LIMITS.timeoutMs): Promise<PdfOutcome<PdfTextPage[]>> {
  const r = await runPdfJob({ kind: 'text', bytes, maxPages }, timeoutMs);
  return r.ok ? (r.kind === 'text' ? { ok: true, value: r.pages } : { ok: false, reason: 'unexpected answer from the PDF worker' }) : r;
}

/** The embedded files of a PDF. Never throws, never hangs. */
export async function pdfEmbeddedFiles(bytes: Uint8Array, timeoutMs = PDF_LIMITS.timeoutMs): Promise<PdfOutcome<{ name: string; bytes: Uint8Array }[]>> {
  const r = await runPdfJob({ kind: 'attachments', bytes, maxPages: 0 }, timeoutMs);
  return r.ok ? (r.kind === 'attachments' ? { ok: true, value: r.attachments } : { ok: false, reason: 'unexpected answer from the PDF worker' }) : r;
}

let workerFile: URL | undefined;
/** `pdf-worker.mjs` beside the bundle (Lambda), else the source file. */
function workerUrl(): URL {
  if (!workerFile) {
    const shipped = new URL('./pdf-worker.mjs', import.meta.url);
    workerFile = existsSync(fileURLToPath(shipped)) ? shipped : new URL('./pdf-worker.ts', import.meta.url);
  }
  return workerFile;
}

const MB = 1024 * 1024;

/** Runs one job in a fresh worker; the worker is always gone when this resolves. */
export function runPdfJob(job: PdfJob, timeoutMs = PDF_LIMITS.timeoutMs, limits = PDF_LIMITS): Promise<PdfJobResult> {
  if (job.bytes.length > limits.maxBytes) {
    return Promise.resolve({ ok: false, reason: `PDF is ${job.bytes.length} bytes, over the ${limits.maxBytes}-byte limit` });
  }
  const url = workerUrl();
  if (url.pathname.endsWith('.ts') && !(process.features as { typescript?: unknown }).typescript) {
    return Promise.resolve({ ok: false, reason: 'the PDF reader runs from its TypeScript source and needs Node 22.18 or newer (type stripping); PDFs are not read' });
  }
  return new Promise<PdfJobResult>((resolve) => {
    let settled = false;
    const startRss = process.memoryUsage.rss();
    let worker: Worker;
    try {
      worker = new Worker(url, {
        // A copy: pdf.js takes ownership of (detaches) what it is given.
        workerData: { bmPdfJob: { ...job, bytes: new Uint8Array(job.bytes) } },
        resourceLimits: { maxOldGenerationSizeMb: limits.heapMb, maxYoungGenerationSizeMb: 32, stackSizeMb: 4 },
        stdout: true,
        stderr: true,
      });
    } catch (err) {
      resolve({ ok: false, reason: `the PDF reader could not start (${err instanceof Error ? err.message : String(err)})` });
      return;
    }
    const finish = (r: PdfJobResult) => {
      if (settled) return;
      settled = true;
      clearTimeout(timer);
      clearInterval(watchdog);
      resolve(r);
      void worker.terminate();
    };
    const timer = setTimeout(
      () => finish({ ok: false, reason: `PDF parsing took longer than ${timeoutMs} ms and was stopped (a hostile or broken PDF, such as a decompression bomb)` }),
      timeoutMs,
    );
    const watchdog = setInterval(() => {
      const grown = (process.memoryUsage.rss() - startRss) / MB;
      if (grown > limits.memoryBudgetMb) {
        finish({ ok: false, reason: `PDF parsing needed more than ${limits.memoryBudgetMb} MB of memory and was stopped (a hostile or broken PDF, such as a decompression bomb)` });
      }
    }, 25);
    worker.on('message', (r: PdfJobResult) => finish(r));
    worker.on('error', (err: Error & { code?: string }) =>
      finish({
        ok: false,
        reason:
          err.code === 'ERR_WORKER_OUT_OF_MEMORY'
            ? `PDF parsing needed more than ${limits.heapMb} MB of heap and was stopped (a hostile or broken PDF, such as a decompression bomb)`
            : `not a readable PDF: ${err.message}`,
      }),
    );
    worker.on('exit', (code) => finish({ ok: false, reason: `the PDF reader stopped unexpectedly (exit code ${code})` }));
  });
}
