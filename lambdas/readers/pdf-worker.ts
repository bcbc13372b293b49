/**
 * The worker thread pdf.js runs in (see `pdfjs.ts`). pdf.js parses synchronously: a hostile PDF
 * (a decompression bomb, a content stream of millions of operators) would otherwise stall the
 * whole process. Here it runs with its own heap limits and can be terminated at any instruction.
 *
 * Self-contained on purpose (only `node:` modules and pdf.js): in Lambda it is shipped beside the
 * bundle as `pdf-worker.mjs`, transpiled on its own (lib/bundle.ts), and loads pdf.js from the
 * `node_modules` shipped there.
 */
import { createRequire } from 'node:module';
import { dirname, join } from 'node:path';
import { pathToFileURL } from 'node:url';
import { isMainThread, parentPort, workerData } from 'node:worker_threads';

/** What the main thread asks for. */
export interface PdfJob {
  readonly kind: 'text' | 'attachments';
  readonly bytes: Uint8Array;
  /** Pages read at most (text). */
  readonly maxPages: number;
}

/** One text item as pdf.js gives it, reduced to what the layout needs. */
export interface PdfTextItem {
  readonly str: string;
  readonly transform: number[];
  readonly width: number;
  readonly height: number;
}

export interface PdfTextPage {
  readonly width: number;
  readonly height: number;
  readonly items: PdfTextItem[];
}

export type PdfJobResult =
  | { readonly ok: true; readonly kind: 'text'; readonly pages: PdfTextPage[] }
  | { readonly ok: true; readonly kind: 'attachments'; readonly attachments: { name: string; bytes: Uint8Array }[] }
  | { readonly ok: false; readonly reason: string };

/** Enough of DOMMatrix for pdf.js to load (it builds one at load time); reading never uses it. */
class IdentityMatrix {
  a = 1;
  b = 0;
  c = 0;
  d = 1;
  e = 0;
  f = 0;
}

type PdfDocument = Awaited<ReturnType<typeof import('pdfjs-dist/legacy/build/pdf.mjs').getDocument>['promise']>;

/** The document the jobs are about (the bytes of the last `open`). */
let opened: Promise<PdfDocument> | undefined;

async function open(bytes: Uint8Array): Promise<PdfDocument> {
  if (!('DOMMatrix' in globalThis)) Object.assign(globalThis, { DOMMatrix: IdentityMatrix });
  const pdfjs = await import('pdfjs-dist/legacy/build/pdf.mjs');
  const fonts = pathToFileURL(join(dirname(createRequire(import.meta.url).resolve('pdfjs-dist/package.json')), 'standard_fonts') + '/').href;
  const task = pdfjs.getDocument({
    data: bytes,
    isEvalSupported: false,
    disableFontFace: true,
    useSystemFonts: false,
    useWorkerFetch: false,
    stopAtErrors: true,
    verbosity: 0,
    standardFontDataUrl: fonts,
  });
  return task.promise;
}

async function run(job: Omit<PdfJob, 'bytes'>): Promise<PdfJobResult> {
  try {
    const doc = await opened!;
    if (job.kind === 'attachments') {
      const found = (await doc.getAttachments()) as Record<string, { filename?: string; content?: Uint8Array }> | null;
      const attachments = Object.entries(found ?? {})
        .filter(([, a]) => a.content instanceof Uint8Array)
        .map(([key, a]) => ({ name: a.filename || key, bytes: a.content! }));
      return { ok: true, kind: 'attachments', attachments };
    }
    const pages: PdfTextPage[] = [];
    for (let p = 1; p <= Math.min(doc.numPages, job.maxPages); p++) {
      const page = await doc.getPage(p);
      const [, , width, height] = page.view as [number, number, number, number];
      const content = await page.getTextContent();
      const items: PdfTextItem[] = [];
      for (const raw of content.items) {
        if (!('str' in raw) || raw.str.trim() === '') continue;
        items.push({ str: raw.str, transform: [...(raw.transform as number[])], width: raw.width, height: raw.height });
      }
      pages.push({ width, height, items });
    }
    return { ok: true, kind: 'text', pages };
  } catch (err) {
    return { ok: false, reason: `not a readable PDF: ${err instanceof Error ? err.message : String(err)}` };
  }
}

/** What the main thread sends: a document to open (its bytes) with a first job, a further job on it, or its release. */
export type PdfWorkerMessage =
  | { readonly open: Uint8Array; readonly kind: PdfJob['kind']; readonly maxPages: number }
  | { readonly kind: PdfJob['kind']; readonly maxPages: number }
  | { readonly release: true };

/**
 * Messages are handled in turn. `open` closes the previous document (a worker that finished one
 * PDF well may be given the next: `pdfjs.ts` keeps a few idle), then answers the job; a job alone
 * is answered on the open document; `release` closes it without an answer. The main thread ends
 * the worker.
 */
if (!isMainThread && parentPort && (workerData as { bmPdfWorker?: boolean } | null)?.bmPdfWorker) {
  const port = parentPort;
  let queue: Promise<unknown> = Promise.resolve();
  const close = async () => {
    const previous = opened;
    opened = undefined;
    if (previous) await previous.then((doc) => doc.destroy()).catch(() => undefined);
  };
  const answer = (job: Omit<PdfJob, 'bytes'>) =>
    run(job).then(
      (r) => port.postMessage(r),
      (err: unknown) => port.postMessage({ ok: false, reason: `not a readable PDF: ${err instanceof Error ? err.message : String(err)}` } satisfies PdfJobResult),
    );
  port.on('message', (m: PdfWorkerMessage) => {
    queue = queue.then(async () => {
      if ('release' in m) return close();
      if ('open' in m) {
        await close();
        opened = open(m.open);
        opened.catch(() => undefined);
      }
      if (!opened) return port.postMessage({ ok: false, reason: 'the PDF worker has no document open' } satisfies PdfJobResult);
      return answer({ kind: m.kind, maxPages: m.maxPages });
    });
  });
}
