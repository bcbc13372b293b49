/**
 * The local OCR engine: tesseract.js (Tesseract 5 compiled to WebAssembly), its core and worker
 * loaded from node_modules and its language data from the registry package
 * `@tesseract.js-data/eng` (the LSTM "best_int" model, read from its folder with `langPath`):
 * nothing is downloaded at run time and nothing is cached to disk. English only: tesseract.js 7
 * cannot take two languages from two package folders, and the layout reader compares labels
 * without accents, so German, French, Spanish, Dutch and Italian bills read with it as well. Lines are deskewed by the engine
 * (`rotateAuto`). One worker is started on first use and kept for the process; `stop()` ends it.
 *
 * Only the local stack and `bm` use it: the Lambda bundles never import this file (in AWS,
 * Textract reads scans).
 */
import { createRequire } from 'node:module';
import { dirname, join } from 'node:path';
import type { OcrEngine, OcrPage, OcrWord } from '../../readers/ocr.ts';

const require = createRequire(import.meta.url);

/** The folder of the language data an npm package ships. */
function languagePath(code: 'eng'): string {
  return join(dirname(require.resolve(`@tesseract.js-data/${code}/package.json`)), '4.0.0_best_int');
}

interface TesseractWorker {
  setParameters(p: Record<string, string>): Promise<unknown>;
  recognize(image: Buffer, options: { rotateAuto: boolean }, output: { blocks: boolean; text: boolean }): Promise<{ data: TesseractPage }>;
  terminate(): Promise<unknown>;
}
interface TesseractPage {
  blocks: { paragraphs: { lines: { words: { text: string; confidence: number; bbox: { x0: number; y0: number; x1: number; y1: number } }[] }[] }[] }[] | null;
}

export class TesseractOcr implements OcrEngine {
  private worker: Promise<TesseractWorker> | null = null;

  private start(): Promise<TesseractWorker> {
    this.worker ??= (async () => {
      const { createWorker, OEM, PSM } = (await import('tesseract.js')).default;
      const worker = (await createWorker('eng', OEM.LSTM_ONLY, {
        langPath: languagePath('eng'),
        cacheMethod: 'none',
        gzip: true,
        logger: () => undefined,
        errorHandler: () => undefined,
      })) as unknown as TesseractWorker;
      await worker.setParameters({ tessedit_pageseg_mode: String(PSM.AUTO), preserve_interword_spaces: '1', user_defined_dpi: '200' });
      return worker;
    })();
    return this.worker;
  }

  async recognize(bytes: Uint8Array, _mediaType: string): Promise<OcrPage[]> {
    const worker = await this.start();
    const { data } = await worker.recognize(Buffer.from(bytes), { rotateAuto: true }, { blocks: true, text: false });
    const words: OcrWord[] = [];
    let line = 0;
    for (const block of data.blocks ?? []) {
      for (const paragraph of block.paragraphs) {
        for (const l of paragraph.lines) {
          for (const w of l.words) words.push({ text: w.text, x0: w.bbox.x0, y0: w.bbox.y0, x1: w.bbox.x1, y1: w.bbox.y1, confidence: w.confidence, line });
          line++;
        }
      }
    }
    const size = imageSize(bytes) ?? { width: Math.max(1, ...words.map((w) => w.x1)) + 20, height: Math.max(1, ...words.map((w) => w.y1)) + 20 };
    return [{ ...size, words }];
  }

  async stop(): Promise<void> {
    const w = this.worker;
    this.worker = null;
    if (w) await (await w).terminate();
  }
}

/** Width and height of a PNG (IHDR) or JPEG (SOFn); null for anything else. */
export function imageSize(b: Uint8Array): { width: number; height: number } | null {
  const view = new DataView(b.buffer, b.byteOffset, b.byteLength);
  if (b[0] === 0x89 && b[1] === 0x50 && b.length >= 24) return { width: view.getUint32(16), height: view.getUint32(20) };
  if (b[0] === 0xff && b[1] === 0xd8) {
    let i = 2;
    while (i + 9 < b.length) {
      if (b[i] !== 0xff) return null;
      const marker = b[i + 1]!;
      const len = view.getUint16(i + 2);
      if (marker >= 0xc0 && marker <= 0xcf && marker !== 0xc4 && marker !== 0xc8 && marker !== 0xcc) return { height: view.getUint16(i + 5), width: view.getUint16(i + 7) };
      i += 2 + len;
    }
  }
  return null;
}
