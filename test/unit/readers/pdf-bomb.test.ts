/**
 * Bounded work on PDFs: pdf.js runs in a worker thread with its own heap limit, a hard
 * wall-clock limit and a memory watchdog, so a decompression bomb is stopped — refused with
 * UNREADABLE and the reason — instead of stalling the process for a minute and gigabytes.
 */
import { createDeflate } from 'node:zlib';
import { PDFDocument, PDFName } from 'pdf-lib';
import { describe, expect, it } from 'vitest';
import { readDocument } from '../../../lambdas/readers/index.ts';
import { runPdfJob } from '../../../lambdas/readers/pdfjs.ts';
import { refusal } from './support.ts';

/** Deflates `mb` MB of a repeated content-stream operator without ever holding them. */
async function deflated(mb: number): Promise<Uint8Array> {
  const chunk = Buffer.alloc(1024 * 1024, 'q Q ');
  const z = createDeflate({ level: 9 });
  const out: Buffer[] = [];
  z.on('data', (b: Buffer) => out.push(b));
  const done = new Promise<void>((r) => z.on('end', () => r()));
  for (let i = 0; i < mb; i++) if (!z.write(chunk)) await new Promise<void>((r) => z.once('drain', () => r()));
  z.end();
  await done;
  return Buffer.concat(out);
}

/** A one-page PDF whose content stream is `data` (FlateDecode). */
async function bombPdf(data: Uint8Array): Promise<Uint8Array> {
  const doc = await PDFDocument.create();
  const page = doc.addPage([595, 842]);
  const stream = doc.context.stream(data, { Filter: 'FlateDecode', Length: data.length });
  page.node.set(PDFName.of('Contents'), doc.context.register(stream));
  return doc.save({ useObjectStreams: false });
}

describe('a PDF decompression bomb', () => {
  it('is refused quickly with UNREADABLE and the reason, the process staying responsive and its memory bounded', async () => {
    const bytes = await bombPdf(await deflated(800));
    expect(bytes.length).toBeLessThan(2 * 1024 * 1024);
    const rssBefore = process.memoryUsage.rss();
    let peak = rssBefore;
    // The main thread keeps running while pdf.js works: this interval keeps sampling.
    let ticks = 0;
    const sampler = setInterval(() => {
      ticks++;
      peak = Math.max(peak, process.memoryUsage.rss());
    }, 10);
    const started = Date.now();
    const results = await readDocument({ bytes, filename: 'bomb.pdf' });
    const took = Date.now() - started;
    clearInterval(sampler);

    expect(refusal(results)).toMatch(/stopped \(a hostile or broken PDF, such as a decompression bomb\)/);
    expect(ticks).toBeGreaterThan(0);
    expect((peak - rssBefore) / 1024 / 1024).toBeLessThan(1024);
    // Generous: the wall-clock limit is 15 s per PDF; the bomb took 84 s.
    expect(took).toBeLessThan(40_000);
  }, 120_000);

  it('stops at the wall-clock limit whatever the worker is doing', async () => {
    const bytes = await bombPdf(await deflated(200));
    const r = await runPdfJob({ kind: 'text', bytes, maxPages: 1 }, 50);
    expect(r).toEqual({ ok: false, reason: expect.stringContaining('took longer than 50 ms and was stopped') });
  }, 60_000);

  it('stops at the heap limit', async () => {
    const bytes = await bombPdf(await deflated(200));
    const r = await runPdfJob({ kind: 'text', bytes, maxPages: 1 }, 60_000, { maxBytes: 50 * 1024 * 1024, timeoutMs: 60_000, heapMb: 16, memoryBudgetMb: 100_000 });
    expect(r).toEqual({ ok: false, reason: expect.stringContaining('needed more than 16 MB of heap and was stopped') });
  }, 120_000);
});
