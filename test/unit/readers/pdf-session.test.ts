/**
 * One pdf.js worker per PDF: its embedded files and then its text are read by the same worker
 * (`PdfSession`), each job under its own limits; a job that fails ends the worker, and a later
 * job starts a fresh one. A worker that read a PDF well is kept idle for the next PDF
 * (`PDF_WORKER_POOL`); one that failed never is.
 */
import { spawnSync } from 'node:child_process';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { pathToFileURL } from 'node:url';
import { afterEach, describe, expect, it } from 'vitest';
import { endIdlePdfWorkers, idlePdfWorkers, PDF_LIMITS, PDF_WORKER_POOL, PdfSession, runPdfJob } from '../../../lambdas/readers/pdfjs.ts';
import { pdfWithText } from '../extraction/support.ts';
import { pdfWith } from './support.ts';

/** Its text and its attachments, read by a worker of its own with the default limits (never an idle one). */
const fresh = (bytes: Uint8Array, kind: 'text' | 'attachments') => runPdfJob({ kind, bytes, maxPages: 5 }, PDF_LIMITS.timeoutMs, { ...PDF_LIMITS });
const texts = (r: Awaited<ReturnType<typeof runPdfJob>>) => (r.ok && r.kind === 'text' ? r.pages.flatMap((p) => p.items.map((i) => i.str)) : r);

describe('a PDF session', () => {
  it('reads the embedded files, then the text, in one worker, as two one-off workers do', async () => {
    const bytes = await pdfWith([{ name: 'notes.txt', bytes: new TextEncoder().encode('not an invoice') }]);
    const pdf = new PdfSession(bytes);
    try {
      const attachments = await pdf.run({ kind: 'attachments', bytes, maxPages: 0 });
      const text = await pdf.run({ kind: 'text', bytes, maxPages: 5 });
      expect(pdf.workersStarted + pdf.workersReused).toBe(1);
      expect(attachments).toEqual(await runPdfJob({ kind: 'attachments', bytes, maxPages: 0 }));
      expect(text).toEqual(await runPdfJob({ kind: 'text', bytes, maxPages: 5 }));
      expect(attachments).toMatchObject({ ok: true, attachments: [{ name: 'notes.txt' }] });
      expect(text).toMatchObject({ ok: true, pages: [{ items: [{ str: 'Invoice (human-readable copy)' }] }] });
    } finally {
      pdf.close();
    }
  }, 60_000);

  it('does not ask a worker again after a job of it failed: the next job starts a fresh worker', async () => {
    const bytes = new TextEncoder().encode('%PDF-1.7\nnot a PDF after all');
    const pdf = new PdfSession(bytes);
    try {
      const first = await pdf.run({ kind: 'attachments', bytes, maxPages: 0 });
      const second = await pdf.run({ kind: 'text', bytes, maxPages: 5 });
      expect(first).toEqual({ ok: false, reason: expect.stringContaining('not a readable PDF') });
      expect(second).toEqual(first);
      expect(pdf.workersStarted + pdf.workersReused).toBe(2);
    } finally {
      pdf.close();
    }
  }, 60_000);

  it('answers only about its own document', async () => {
    const bytes = await pdfWith([]);
    const pdf = new PdfSession(bytes);
    try {
      expect(await pdf.run({ kind: 'text', bytes: bytes.slice(), maxPages: 1 })).toEqual({ ok: false, reason: 'the PDF worker was asked about another document' });
      expect(pdf.workersStarted + pdf.workersReused).toBe(0);
    } finally {
      pdf.close();
    }
  });
});

describe('idle pdf.js workers', () => {
  afterEach(() => endIdlePdfWorkers());

  it('the next PDF is read by the idle worker, with the answers a fresh worker gives and nothing of the PDF before', async () => {
    endIdlePdfWorkers();
    const first = await pdfWith([{ name: 'first.xml', bytes: new TextEncoder().encode('<a/>') }]);
    const second = await pdfWithText([[{ x: 50, y: 60, text: 'Second document, page one' }], [{ x: 50, y: 60, text: 'Page two' }]]);
    const a = new PdfSession(first);
    expect(await a.run({ kind: 'attachments', bytes: first, maxPages: 0 })).toMatchObject({ ok: true, attachments: [{ name: 'first.xml' }] });
    a.close();
    expect(idlePdfWorkers()).toBe(1);

    const b = new PdfSession(second);
    const attachments = await b.run({ kind: 'attachments', bytes: second, maxPages: 0 });
    const text = await b.run({ kind: 'text', bytes: second, maxPages: 5 });
    b.close();
    expect([b.workersStarted, b.workersReused]).toEqual([0, 1]);
    expect(attachments).toEqual({ ok: true, kind: 'attachments', attachments: [] });
    expect(texts(text)).toEqual(['Second document, page one', 'Page two']);
    expect(text).toEqual(await fresh(second, 'text'));
    expect(idlePdfWorkers()).toBe(1);
  }, 60_000);

  it('a worker whose job failed is ended, not kept; one with other limits is never kept', async () => {
    endIdlePdfWorkers();
    const good = await pdfWith([]);
    await runPdfJob({ kind: 'text', bytes: good, maxPages: 1 });
    expect(idlePdfWorkers()).toBe(1);

    const broken = new TextEncoder().encode('%PDF-1.7\nnot a PDF after all');
    const s = new PdfSession(broken);
    expect(await s.run({ kind: 'text', bytes: broken, maxPages: 1 })).toEqual({ ok: false, reason: expect.stringContaining('not a readable PDF') });
    s.close();
    expect(s.workersReused).toBe(1);
    expect(idlePdfWorkers()).toBe(0);

    await fresh(good, 'text');
    expect(idlePdfWorkers()).toBe(0);
  }, 60_000);

  it('a worker is ended after PDF_WORKER_POOL.maxDocuments PDFs', async () => {
    endIdlePdfWorkers();
    const saved = PDF_WORKER_POOL.maxDocuments;
    PDF_WORKER_POOL.maxDocuments = 2;
    try {
      const bytes = await pdfWith([]);
      await runPdfJob({ kind: 'text', bytes, maxPages: 1 });
      expect(idlePdfWorkers()).toBe(1);
      await runPdfJob({ kind: 'text', bytes, maxPages: 1 });
      expect(idlePdfWorkers()).toBe(0);
    } finally {
      PDF_WORKER_POOL.maxDocuments = saved;
    }
  }, 60_000);

  it('two PDFs read at once are parsed one after the other, so that each is charged its own memory', async () => {
    endIdlePdfWorkers();
    // A long document and a one-page one, each in a fresh worker: at once, the short one would finish first.
    const long = await pdfWithText(Array.from({ length: 120 }, (_, p) => Array.from({ length: 60 }, (_, i) => ({ x: 40 + (i % 4) * 130, y: 40 + Math.floor(i / 4) * 45, text: `page ${p} item ${i}` }))));
    const short = await pdfWithText([[{ x: 50, y: 60, text: 'One page' }]]);
    const done: string[] = [];
    const a = runPdfJob({ kind: 'text', bytes: long, maxPages: 200 }, 60_000, { ...PDF_LIMITS }).then((r) => done.push(`long ${r.ok}`));
    const b = runPdfJob({ kind: 'text', bytes: short, maxPages: 1 }, 60_000, { ...PDF_LIMITS }).then((r) => done.push(`short ${r.ok}`));
    await Promise.all([a, b]);
    expect(done).toEqual(['long true', 'short true']);
  }, 120_000);

  it('an idle worker does not keep the process alive', async () => {
    // A process that reads one PDF and then has nothing left to do exits by itself.
    const dir = mkdtempSync(join(tmpdir(), 'bm-pdf-pool-'));
    const file = join(dir, 'bill.pdf');
    writeFileSync(file, await pdfWith([]));
    const root = join(import.meta.dirname, '..', '..', '..');
    const script = join(dir, 'read.mjs');
    writeFileSync(
      script,
      [
        `const { register } = await import(${JSON.stringify(pathToFileURL(createRequire(join(root, 'package.json')).resolve('tsx/esm/api')).href)}); register();`,
        `const { runPdfJob, idlePdfWorkers } = await import(${JSON.stringify(pathToFileURL(join(root, 'lambdas', 'readers', 'pdfjs.ts')).href)});`,
        "const { readFileSync } = await import('node:fs');",
        `const r = await runPdfJob({ kind: 'text', bytes: new Uint8Array(readFileSync(${JSON.stringify(file)})), maxPages: 1 });`,
        'console.log(JSON.stringify({ ok: r.ok, idle: idlePdfWorkers() }));',
      ].join('\n'),
    );
    const child = spawnSync(process.execPath, [script], { encoding: 'utf8', timeout: 60_000 });
    rmSync(dir, { recursive: true, force: true });
    expect(child.error).toBeUndefined();
    expect({ status: child.status, out: child.stdout.trim() }).toEqual({ status: 0, out: '{"ok":true,"idle":1}' });
  }, 70_000);
});
