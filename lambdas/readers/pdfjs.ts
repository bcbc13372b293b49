/**
 * pdf.js, loaded on first use (in Lambda it is shipped beside the bundle: `lib/bundle.ts`).
 *
 * pdf.js builds a `DOMMatrix` when its module loads, for canvas rendering. Node has none; pdf.js
 * borrows one from the optional `@napi-rs/canvas` where that happens to be installed, and fails to
 * load where it is not (Lambda). The readers never render, they read text and attachments, so an
 * identity matrix is installed first, everywhere: a laptop runs pdf.js as Lambda does.
 */
import { createRequire } from 'node:module';
import { dirname, join } from 'node:path';
import { pathToFileURL } from 'node:url';

type PdfJs = typeof import('pdfjs-dist/legacy/build/pdf.mjs');
type PdfDocument = Awaited<ReturnType<PdfJs['getDocument']>['promise']>;

/** What a PDF may be: bigger is refused unopened, slower is given up. */
export const PDF_LIMITS = { maxBytes: 50 * 1024 * 1024, timeoutMs: 15_000 };

let loading: Promise<PdfJs> | undefined;

export function loadPdfjs(): Promise<PdfJs> {
  loading ??= (async () => {
    if (!('DOMMatrix' in globalThis)) Object.assign(globalThis, { DOMMatrix: IdentityMatrix });
    return import('pdfjs-dist/legacy/build/pdf.mjs');
  })();
  return loading;
}

/** Enough of DOMMatrix for pdf.js to load; the text and attachment paths never use it. */
class IdentityMatrix {
  a = 1;
  b = 0;
  c = 0;
  d = 1;
  e = 0;
  f = 0;
}

/** The options every pdf.js open in this product uses: no eval, no fonts loaded, no worker fetches, errors stop. */
export function pdfjsDocumentOptions(bytes: Uint8Array) {
  return {
    // A plain copy: pdf.js rejects a Buffer and takes ownership of (detaches) what it is given.
    data: new Uint8Array(bytes),
    isEvalSupported: false,
    disableFontFace: true,
    useSystemFonts: false,
    useWorkerFetch: false,
    stopAtErrors: true,
    verbosity: 0,
    standardFontDataUrl: standardFontDataUrl(),
  };
}

let fontDir: string | undefined;
function standardFontDataUrl(): string {
  fontDir ??= pathToFileURL(join(dirname(createRequire(import.meta.url).resolve('pdfjs-dist/package.json')), 'standard_fonts') + '/').href;
  return fontDir;
}

/**
 * Opens a PDF and gives it to `use`, which wraps each pdf.js call in `within` (the time limit).
 * Never throws, never hangs: a PDF over the size limit, one pdf.js cannot open, or one that takes
 * longer than `timeoutMs` gives the reason instead. The document is always destroyed.
 */
export async function withPdf<T>(
  bytes: Uint8Array,
  timeoutMs: number,
  use: (doc: PdfDocument, within: <X>(p: Promise<X>) => Promise<X>) => Promise<T>,
): Promise<{ readonly ok: true; readonly value: T } | { readonly ok: false; readonly reason: string }> {
  if (bytes.length > PDF_LIMITS.maxBytes) return { ok: false, reason: `PDF is ${bytes.length} bytes, over the ${PDF_LIMITS.maxBytes}-byte limit` };
  const pdfjs = await loadPdfjs();
  let task: ReturnType<PdfJs['getDocument']> | undefined;
  let timer: NodeJS.Timeout | undefined;
  const timeout = new Promise<never>((_, reject) => {
    timer = setTimeout(() => reject(new Error(`gave up after ${timeoutMs} ms`)), timeoutMs);
  });
  const within = <X>(p: Promise<X>) => Promise.race([p, timeout]);
  try {
    task = pdfjs.getDocument(pdfjsDocumentOptions(bytes));
    return { ok: true, value: await use(await within(task.promise), within) };
  } catch (err) {
    return { ok: false, reason: `not a readable PDF: ${err instanceof Error ? err.message : String(err)}` };
  } finally {
    clearTimeout(timer);
    void task?.destroy().catch(() => undefined);
  }
}
