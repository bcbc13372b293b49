/**
 * pdf.js, loaded on first use (in Lambda it is shipped beside the bundle: `lib/bundle.ts`).
 *
 * pdf.js builds a `DOMMatrix` when its module loads, for canvas rendering. Node has none; pdf.js
 * borrows one from the optional `@napi-rs/canvas` where that happens to be installed, and fails to
 * load where it is not (Lambda). The readers never render, they read text and attachments, so an
 * identity matrix is installed first, everywhere: a laptop runs pdf.js as Lambda does.
 */
type PdfJs = typeof import('pdfjs-dist/legacy/build/pdf.mjs');

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
