/**
 * One pdf.js worker per PDF: its embedded files and then its text are read by the same worker
 * (`PdfSession`), each job under its own limits; a job that fails ends the worker, and a later
 * job starts a fresh one.
 */
import { describe, expect, it } from 'vitest';
import { PDF_LIMITS, PdfSession, runPdfJob } from '../../../lambdas/readers/pdfjs.ts';
import { pdfWith } from './support.ts';

describe('a PDF session', () => {
  it('reads the embedded files, then the text, in one worker, as two one-off workers do', async () => {
    const bytes = await pdfWith([{ name: 'notes.txt', bytes: new TextEncoder().encode('not an invoice') }]);
    const pdf = new PdfSession(bytes);
    try {
      const attachments = await pdf.run({ kind: 'attachments', bytes, maxPages: 0 });
      const text = await pdf.run({ kind: 'text', bytes, maxPages: 5 });
      expect(pdf.workersStarted).toBe(1);
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
      expect(pdf.workersStarted).toBe(2);
    } finally {
      pdf.close();
    }
  }, 60_000);

  it('answers only about its own document', async () => {
    const bytes = await pdfWith([]);
    const pdf = new PdfSession(bytes);
    try {
      expect(await pdf.run({ kind: 'text', bytes: bytes.slice(), maxPages: 1 })).toEqual({ ok: false, reason: 'the PDF worker was asked about another document' });
      expect(pdf.workersStarted).toBe(0);
    } finally {
      pdf.close();
    }
  });
});
