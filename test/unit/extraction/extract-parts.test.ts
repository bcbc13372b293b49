import { describe, expect, it, vi } from 'vitest';
import { freshStore } from '../../support/db.ts';
import { modelChooser } from '../../../lambdas/adapters/aws/bedrock.ts';
import type { ExtractDeps } from '../../../lambdas/core/extract-parts.ts';
import { Decimal } from '../../../lambdas/core/money.ts';
import type { DocumentStore } from '../../../lambdas/core/ports/documents.ts';
import { OcrFailedError, type DocumentRef, type DocumentText } from '../../../lambdas/core/ports/extractor.ts';
import { readSubmission } from '../../../lambdas/core/read-submission.ts';
import { decideSubmittedBill, type Submission } from '../../../lambdas/core/submission.ts';
import { makeHandler } from '../../../lambdas/extract/handler.ts';
import { loadParts, partsPrefix, storeParts } from '../../../lambdas/core/parts.ts';
import type { ReadOutcome } from '../../../lambdas/core/submission.ts';
import { sha256Hex } from '../../../lambdas/readers/hash.ts';
import { master } from '../../support/builders.ts';
import { ACME_TEXT, pdfWithText, replayingModel, rowsToItems } from './support.ts';

const HAIKU = 'eu.anthropic.claude-haiku-4-5-20251001-v1:0';
const submission: Submission = { id: 'sub-1', document_key: 'inbox/sub-1', name: 'scan.png', submitter: 'ap@acme.example', received_at: '2026-03-03T10:00:00Z' };
/** A 1×1 PNG: a photo of a bill as far as detection goes. */
const PHOTO = Uint8Array.from(Buffer.from('iVBORw0KGgoAAAANSUhEUgAAAAEAAAABCAYAAAAfFcSJAAAADUlEQVR42mP8z8BQDwAEhQGAhKmMIQAAAABJRU5ErkJggg==', 'base64'));

function memoryDocuments(initial: Record<string, Uint8Array>): DocumentStore & { keys: () => string[] } {
  const m = new Map(Object.entries(initial));
  return { put: async (k, b) => void m.set(k, b), get: async (k) => m.get(k) ?? null, keys: () => [...m.keys()] };
}

/** The handler as the workflow calls it: the parts by reference in the document store, and back. */
function byRef(d?: ExtractDeps | null) {
  return async ({ submission: s, read }: { submission: Submission; read: ReadOutcome }): Promise<ReadOutcome> => {
    const parts = memoryDocuments({});
    const ref = await storeParts(partsPrefix(s, 'read'), read, parts);
    return loadParts(await makeHandler(d, { documents: parts })({ submission: s, read: ref }), parts);
  };
}

async function readOf(bytes: Uint8Array, s: Submission = submission) {
  const documents = memoryDocuments({ [s.document_key]: bytes });
  return { documents, read: await readSubmission(s, { documents }) };
}

function deps(over: Partial<ExtractDeps> & Pick<ExtractDeps, 'documents'>): ExtractDeps & { ocrCalls: DocumentRef[] } {
  const ocrCalls: DocumentRef[] = [];
  return {
    ocr: { textOf: async (doc) => (ocrCalls.push(doc), { ...ACME_TEXT, source: 'textract' as const }) },
    model: replayingModel('first-try.json').model,
    modelFor: modelChooser(HAIKU, {}),
    confidenceThreshold: async () => Decimal.from('0.8'),
    ...over,
    ocrCalls,
  };
}

describe('ExtractScannedParts offline (no Textract, no Bedrock)', () => {
  it('a photo ends UNREADABLE with "needs OCR (Textract) — not available offline"', async () => {
    const { read } = await readOf(PHOTO);

    const out = await byRef(null)({ submission, read });

    expect(out.needs_extraction).toBe(false);
    expect(out.parts[0]).toMatchObject({ bill: null, needs_extraction: false });
    expect(out.parts[0]?.exceptions.map((e) => e.message)).toEqual(['scan.png: a PNG image: needs OCR (Textract) — not available offline']);
  });

  it('a text-layer read is kept as the local reader left it', async () => {
    const pdf = await pdfWithText([rowsToItems([[60, [[50, 'INVOICE']]], [100, [[50, 'Invoice No:'], [150, 'X-1']]], [120, [[50, 'Thank you for your business and continued trust.']]]])]);
    const { read } = await readOf(pdf, { ...submission, name: 'bill.pdf' });

    const out = await byRef(null)({ submission, read });

    expect(out.parts[0]).toMatchObject({ format: 'pdf-text', needs_extraction: false, exceptions: [] });
    expect(out.parts[0]?.bill).toEqual(read.parts[0]?.bill);
  });

  it('is what makeHandler() uses when BM_EXTRACTION_MODEL_ID is not set', async () => {
    vi.stubEnv('BM_EXTRACTION_MODEL_ID', '');
    const { read } = await readOf(PHOTO);

    const out = await byRef()({ submission, read });

    expect(out.parts[0]?.exceptions[0]?.message).toContain('needs OCR (Textract) — not available offline');
    vi.unstubAllEnvs();
  });
});

describe('ExtractScannedParts with the extraction path configured', () => {
  it('a photo: OCR on the stored document, the model reads it, usage on the part, decided like any bill', async () => {
    const { documents, read } = await readOf(PHOTO);
    const d = deps({ documents });

    const out = await byRef(d)({ submission, read });

    expect(d.ocrCalls).toEqual([{ key: 'inbox/sub-1', bytes: PHOTO, mediaType: 'image/png', hash: sha256Hex(PHOTO) }]);
    const part = out.parts[0]!;
    expect(part).toMatchObject({ format: 'ocr+model', needs_extraction: false, exceptions: [] });
    expect(part.bill).toMatchObject({ invoice_number: 'INV-1001', total: '148.75' });
    expect(part.extraction).toEqual({
      text_source: 'textract', pages: 1, model_id: HAIKU, attempts: 1,
      input_tokens: 2900, output_tokens: 610, cache_read_input_tokens: 0, cache_write_input_tokens: 0,
    });
    // The decision step validates and decides it like a bill from any other reader, and keeps the usage.
    const store = await freshStore();
    await store.importMaster(master());
    const row = await decideSubmittedBill({ submission, part }, { store, now: () => Date.parse('2026-03-03T10:05:00Z') });
    expect(row.state).toBe('ready_for_payment');
    expect((await store.getBill(row.bill_id))?.source.extraction?.input_tokens).toBe(2900);
  });

  it('a photo attached to an email is stored on its own for OCR', async () => {
    // A phone photo: too big for a logo (20 KB and up), so the email reader hands it on.
    const photo = new Uint8Array(30_000);
    photo.set(PHOTO);
    const mail = new TextEncoder().encode(
      [
        'From: Acme Billing <billing@acme.example>',
        'To: bills@example.com',
        'Subject: Invoice INV-1001',
        'MIME-Version: 1.0',
        'Content-Type: multipart/mixed; boundary="b1"',
        '',
        '--b1',
        'Content-Type: text/plain',
        '',
        'Please find the invoice attached.',
        '--b1',
        'Content-Type: image/png; name="invoice.png"',
        'Content-Disposition: attachment; filename="invoice.png"',
        'Content-Transfer-Encoding: base64',
        '',
        Buffer.from(photo).toString('base64').replace(/.{76}/g, '$&\r\n'),
        '--b1--',
        '',
      ].join('\r\n'),
    );
    const s = { ...submission, name: 'mail.eml' };
    const { documents, read } = await readOf(mail, s);
    const d = deps({ documents });

    const out = await byRef(d)({ submission: s, read });

    const key = `extraction/${sha256Hex(photo)}.png`;
    expect(read.parts.map((p) => [p.format, p.needs_extraction, p.origin])).toEqual([['image', true, 'attachment invoice.png']]);
    expect(documents.keys()).toContain(key);
    expect(d.ocrCalls.map((c) => c.key)).toEqual([key]);
    expect(out.parts[0]).toMatchObject({ format: 'ocr+model', email: { from: 'billing@acme.example' } });
    expect(out.parts[0]?.bill).not.toBeNull();
  });

  it('a confident text-layer read costs no model call', async () => {
    const pdf = await pdfWithText([
      rowsToItems([
        [60, [[50, 'Müller Bürotechnik GmbH · Hauptstraße 5 · 80331 München']]],
        [110, [[360, 'Rechnungsnummer:'], [470, 'RE-2024-0815']]],
        [124, [[360, 'Rechnungsdatum:'], [470, '15.03.2024']]],
        [240, [[50, 'Pos'], [80, 'Menge'], [130, 'Beschreibung'], [380, 'Einzelpreis'], [490, 'Gesamt']]],
        [258, [[50, '1'], [85, '10'], [130, 'Toner schwarz'], [390, '45,00'], [495, '450,00']]],
        [320, [[380, 'Nettobetrag'], [490, '450,00 €']]],
        [334, [[380, 'USt. 19 %'], [490, '85,50 €']]],
        [348, [[380, 'Gesamtbetrag'], [490, '535,50 €']]],
        [780, [[50, 'Müller Bürotechnik GmbH'], [250, 'USt-IdNr. DE123456789']]],
      ]).concat([{ x: 50, y: 200, text: 'Rechnung', size: 16 }]),
    ]);
    const { documents, read } = await readOf(pdf, { ...submission, name: 'bill.pdf' });
    const converse = vi.fn();

    const out = await byRef(deps({ documents, model: { converse } }))({ submission, read });

    expect(converse).not.toHaveBeenCalled();
    expect(out.parts[0]).toMatchObject({ format: 'pdf-text', needs_extraction: false, extraction: null });
  });

  it('an uncertain text-layer read is read again by the model from the text layer (no OCR)', async () => {
    const pdf = await pdfWithText([rowsToItems([[60, [[50, 'INVOICE']]], [100, [[50, 'Invoice No:'], [150, 'INV-1001']]], [120, [[50, 'Thank you for your business and continued trust.']]]])]);
    const { documents, read } = await readOf(pdf, { ...submission, name: 'bill.pdf' });
    const d = deps({ documents, textLayer: async () => ACME_TEXT });

    const out = await byRef(d)({ submission, read });

    expect(d.ocrCalls).toEqual([]);
    expect(out.parts[0]).toMatchObject({ format: 'pdf-text+model', extraction: { text_source: 'pdf-text-layer', attempts: 1 } });
  });

  it('the per-supplier model goes to the sender it is set for', async () => {
    const { documents, read } = await readOf(PHOTO);
    const replay = replayingModel('first-try.json');
    const sonnet = 'eu.anthropic.claude-sonnet-4-5-20250929-v1:0';

    const out = await byRef(deps({ documents, model: replay.model, modelFor: modelChooser(HAIKU, { 'ap@acme.example': sonnet }) }))({ submission, read });

    expect(replay.requests[0]?.modelId).toBe(sonnet);
    expect(out.parts[0]?.extraction?.model_id).toBe(sonnet);
  });

  it('OCR that fails for the document: UNREADABLE with the reason, not a retry', async () => {
    const { documents, read } = await readOf(PHOTO);
    const ocr = { textOf: async (): Promise<DocumentText> => Promise.reject(new OcrFailedError('unsupported document format')) };

    const out = await byRef(deps({ documents, ocr }))({ submission, read });

    expect(out.parts[0]).toMatchObject({ bill: null, needs_extraction: false });
    expect(out.parts[0]?.exceptions.map((e) => e.message)).toEqual(['scan.png: OCR failed: unsupported document format']);
  });

  it('a document the model says is not a bill: UNREADABLE with its reason', async () => {
    const { documents, read } = await readOf(PHOTO);

    const out = await byRef(deps({ documents, model: replayingModel('not-a-bill.json').model }))({ submission, read });

    expect(out.parts[0]?.bill).toBeNull();
    expect(out.parts[0]?.exceptions[0]?.message).toBe('scan.png: not a bill: a purchase order (PURCHASE ORDER PO-7001), not an invoice');
  });

  it('Bedrock throttling surfaces as TransientError, for the state machine to retry', async () => {
    const { documents, read } = await readOf(PHOTO);
    const throttled = Object.assign(new Error('Rate exceeded'), { name: 'ThrottlingException' });

    await expect(byRef(deps({ documents, model: { converse: () => Promise.reject(throttled) } }))({ submission, read })).rejects.toMatchObject({ name: 'TransientError' });
  });
});
