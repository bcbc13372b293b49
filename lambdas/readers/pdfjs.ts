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
 * Starting a worker and loading pdf.js costs about 0.3 CPU-s, more than reading a one-page bill,
 * so a worker that read a PDF without failing is kept idle for the next one (`PDF_WORKER_POOL`):
 * it closes the document first, is never given two at once, and is ended after a number of
 * documents or a while idle. A worker that failed in any way is ended, never reused.
 *
 * In Lambda the worker is shipped beside the bundle as `pdf-worker.mjs` (lib/bundle.ts); from the
 * sources it is `pdf-worker.ts`, which Node 22 runs with its built-in type stripping.
 */
import { existsSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { Worker } from 'node:worker_threads';
import type { PdfJob, PdfJobResult, PdfTextPage, PdfWorkerMessage } from './pdf-worker.ts';

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
export async function pdfTextPages(bytes: Uint8Array, maxPages: number, timeoutMs = PDF_LIMITS.timeoutMs, pdf?: PdfSession): Promise<PdfOutcome<PdfTextPage[]>> {
  const job = { kind: 'text', bytes, maxPages } as const;
  const r = pdf ? await pdf.run(job, timeoutMs) : await runPdfJob(job, timeoutMs);
  return r.ok ? (r.kind === 'text' ? { ok: true, value: r.pages } : { ok: false, reason: 'unexpected answer from the PDF worker' }) : r;
}

/** The embedded files of a PDF. Never throws, never hangs. */
export async function pdfEmbeddedFiles(bytes: Uint8Array, timeoutMs = PDF_LIMITS.timeoutMs, pdf?: PdfSession): Promise<PdfOutcome<{ name: string; bytes: Uint8Array }[]>> {
  const job = { kind: 'attachments', bytes, maxPages: 0 } as const;
  const r = pdf ? await pdf.run(job, timeoutMs) : await runPdfJob(job, timeoutMs);
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

/**
 * The idle workers kept for the next PDF: at most `maxIdle` of them, each ended after `idleMs`
 * without work or after reading `maxDocuments` PDFs (what pdf.js may keep between documents stays
 * bounded). Idle workers do not keep the process alive.
 */
export const PDF_WORKER_POOL = { maxIdle: 2, idleMs: 30_000, maxDocuments: 50 };

interface PdfWorker {
  readonly worker: Worker;
  /** PDFs opened in it. */
  documents: number;
  idleTimer?: NodeJS.Timeout;
}

const idle: PdfWorker[] = [];

/** How many pdf.js workers wait idle for the next PDF. */
export function idlePdfWorkers(): number {
  return idle.length;
}

/** Ends every idle worker now. */
export function endIdlePdfWorkers(): void {
  for (const w of idle.splice(0)) {
    clearTimeout(w.idleTimer);
    void w.worker.terminate();
  }
}

/** An idle worker that is ended (idle too long, or it died) is no longer idle. */
function forgetIdle(w: PdfWorker): void {
  const i = idle.indexOf(w);
  if (i >= 0) idle.splice(i, 1);
}

function takeIdle(): PdfWorker | undefined {
  const w = idle.pop();
  if (w) {
    clearTimeout(w.idleTimer);
    w.worker.ref();
  }
  return w;
}

function keepIdle(w: PdfWorker): void {
  if (w.documents >= PDF_WORKER_POOL.maxDocuments || idle.length >= PDF_WORKER_POOL.maxIdle) {
    void w.worker.terminate();
    return;
  }
  w.worker.postMessage({ release: true });
  w.worker.unref();
  w.idleTimer = setTimeout(() => {
    forgetIdle(w);
    void w.worker.terminate();
  }, PDF_WORKER_POOL.idleMs);
  w.idleTimer.unref();
  idle.push(w);
}

/**
 * One PDF job parses at a time in this process. The memory watchdog measures the process's
 * resident memory, so with two PDFs parsed at once each would be charged the other's growth, and a
 * legitimate PDF could be stopped as a bomb because another was large. Reading a PDF in a warm
 * worker takes tens of milliseconds; a hostile one holds the others back for its wall-clock limit
 * at most.
 */
let parsing: Promise<unknown> = Promise.resolve();
function oneAtATime<T>(job: () => Promise<T>): Promise<T> {
  const r = parsing.then(job);
  parsing = r.catch(() => undefined);
  return r;
}

/** Runs one job in a worker of its own (or an idle one); no worker of it is busy when this resolves. */
export async function runPdfJob(job: PdfJob, timeoutMs = PDF_LIMITS.timeoutMs, limits = PDF_LIMITS): Promise<PdfJobResult> {
  const session = new PdfSession(job.bytes, limits);
  try {
    return await session.run(job, timeoutMs);
  } finally {
    session.close();
  }
}

/**
 * The jobs on one PDF (its embedded files, then its text) in one worker: the worker opens the
 * document once, not once a job. Every job keeps its own limits — its wall-clock limit from when
 * it starts parsing, the memory watchdog, the heap limit — and a job that fails ends the worker: a later
 * job starts a fresh one. `close()` gives a worker whose every job succeeded back to the idle
 * workers (with the default limits) or ends it; nothing of this session runs after it.
 */
export class PdfSession {
  private worker: PdfWorker | null = null;
  private busy: Promise<unknown> = Promise.resolve();
  private running = 0;
  /** Workers this session has started (one, unless a job failed or an idle one was taken). */
  workersStarted = 0;
  /** Idle workers this session has taken instead of starting one. */
  workersReused = 0;

  constructor(
    private readonly bytes: Uint8Array,
    private readonly limits = PDF_LIMITS,
  ) {}

  /**
   * One job on this session's PDF (`job.bytes` must be the session's). Never throws, never hangs.
   * Its limits count from when it starts parsing, after the jobs of other PDFs ahead of it.
   */
  run(job: PdfJob, timeoutMs = this.limits.timeoutMs): Promise<PdfJobResult> {
    this.running++;
    const r = this.busy.then(() => oneAtATime(() => this.runNow(job, timeoutMs))).finally(() => this.running--);
    this.busy = r;
    return r;
  }

  close(): void {
    const w = this.worker;
    this.worker = null;
    if (!w) return;
    // Only an idle worker with the default limits is kept; one still busy (an abandoned job) is ended.
    if (this.running === 0 && this.limits === PDF_LIMITS) keepIdle(w);
    else void w.worker.terminate();
  }

  private runNow(job: PdfJob, timeoutMs: number): Promise<PdfJobResult> {
    const limits = this.limits;
    if (job.bytes !== this.bytes) return Promise.resolve({ ok: false, reason: 'the PDF worker was asked about another document' });
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
      let held = this.worker;
      if (held) {
        held.worker.postMessage({ kind: job.kind, maxPages: job.maxPages } satisfies PdfWorkerMessage);
      } else {
        held = (limits === PDF_LIMITS ? takeIdle() : undefined) ?? null;
        if (held) this.workersReused++;
        else {
          try {
            const started = new Worker(url, {
              workerData: { bmPdfWorker: true },
              resourceLimits: { maxOldGenerationSizeMb: limits.heapMb, maxYoungGenerationSizeMb: 32, stackSizeMb: 4 },
              stdout: true,
              stderr: true,
            });
            // Between jobs nothing is listening for its errors: one then must not throw here.
            started.on('error', () => undefined);
            const w: PdfWorker = { worker: started, documents: 0 };
            started.once('exit', () => forgetIdle(w));
            held = w;
            this.workersStarted++;
          } catch (err) {
            resolve({ ok: false, reason: `the PDF reader could not start (${err instanceof Error ? err.message : String(err)})` });
            return;
          }
        }
        // A copy, handed over: pdf.js takes ownership of (detaches) what it is given.
        const copy = new Uint8Array(job.bytes);
        held.worker.postMessage({ open: copy, kind: job.kind, maxPages: job.maxPages } satisfies PdfWorkerMessage, [copy.buffer]);
        held.documents++;
        this.worker = held;
      }
      const worker = held.worker;
      const finish = (r: PdfJobResult, failed: boolean) => {
        if (settled) return;
        settled = true;
        clearTimeout(timer);
        clearInterval(watchdog);
        worker.off('message', onMessage);
        worker.off('error', onError);
        worker.off('exit', onExit);
        resolve(r);
        // A worker that failed (timed out, out of memory, stopped) is not asked again.
        if (failed || !r.ok) {
          if (this.worker?.worker === worker) this.worker = null;
          void worker.terminate();
        }
      };
      const timer = setTimeout(
        () => finish({ ok: false, reason: `PDF parsing took longer than ${timeoutMs} ms and was stopped (a hostile or broken PDF, such as a decompression bomb)` }, true),
        timeoutMs,
      );
      const watchdog = setInterval(() => {
        const grown = (process.memoryUsage.rss() - startRss) / MB;
        if (grown > limits.memoryBudgetMb) {
          finish({ ok: false, reason: `PDF parsing needed more than ${limits.memoryBudgetMb} MB of memory and was stopped (a hostile or broken PDF, such as a decompression bomb)` }, true);
        }
      }, 25);
      const onMessage = (r: PdfJobResult) => finish(r, false);
      const onError = (err: Error & { code?: string }) =>
        finish(
          {
            ok: false,
            reason:
              err.code === 'ERR_WORKER_OUT_OF_MEMORY'
                ? `PDF parsing needed more than ${limits.heapMb} MB of heap and was stopped (a hostile or broken PDF, such as a decompression bomb)`
                : `not a readable PDF: ${err.message}`,
          },
          true,
        );
      const onExit = (code: number) => finish({ ok: false, reason: `the PDF reader stopped unexpectedly (exit code ${code})` }, true);
      worker.on('message', onMessage);
      worker.on('error', onError);
      worker.on('exit', onExit);
    });
  }
}
