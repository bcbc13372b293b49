/**
 * Use case for the workflow task ExtractScannedParts: the parts the reader marked for
 * extraction (scans, photos, PDFs read by their text layer) are read by OCR and a model where
 * that path is configured, and kept as the reader left them where it is not.
 *
 * 1. Offline (no extraction configured): a text-layer read stays as it is; a scan or a photo
 *    stays UNREADABLE with the reason "needs OCR (Textract) — not available offline".
 * 2. A text-layer read that passes every reading check at the policy's threshold is kept: the
 *    model is not paid to read what is already read with confidence.
 * 3. Otherwise find the part's own bytes (the document, or an attachment inside it) and their
 *    text: the PDF's text layer with its layout, else OCR (Textract) — never OCR on a PDF that
 *    has text.
 * 4. Read the text with the model (`extractBill`: forced tool use, validation, up to three
 *    attempts) and put the bill, with its confidence per field and the usage, on the part.
 *
 * The part carries the bill as read; the decision step validates it again with the policy's
 * threshold, so every remaining problem (sums, dates, LOW_CONFIDENCE) becomes a reading
 * exception there, once, and the bill goes to needs_review.
 */
import { detectFormat } from '../readers/detect.ts';
import { findDocumentBytes } from '../readers/locate.ts';
import { pdfDocumentText } from '../readers/pdf-layout.ts';
import { NEEDS_OCR_REASON, PDF_TEXT_FORMAT } from '../readers/pdf-text.ts';
import type { CanonicalBill } from './bill.ts';
import { exception } from './exceptions.ts';
import { extractBill } from './extraction.ts';
import type { Decimal } from './money.ts';
import type { DocumentStore } from './ports/documents.ts';
import { OcrFailedError, type DocumentRef, type DocumentText, type DocumentTextSource, type ExtractionUsage, type InvoiceModel } from './ports/extractor.ts';
import { DocumentMissingError, type Part, type ReadOutcome, type Submission } from './submission.ts';
import { validateBill } from './validate.ts';

/** What a document says about its supplier before it is read: who sent it, the VAT id a text-layer read found. */
export interface SupplierHints {
  readonly sender: string | null;
  readonly taxId: string | null;
}

export interface ExtractDeps {
  readonly documents: DocumentStore;
  readonly ocr: DocumentTextSource;
  readonly model: InvoiceModel;
  /** The model for this supplier: the configured default, or a larger one for a supplier whose bills need it. */
  readonly modelFor: (hints: SupplierHints) => string;
  /** The policy's confidence threshold. */
  readonly confidenceThreshold: () => Promise<Decimal>;
  /** A PDF's text layer with its layout, or null for a scan. @default the pdf.js layout reader */
  readonly textLayer?: (bytes: Uint8Array) => Promise<DocumentText | null>;
  /** Publishes the pages and tokens one bill cost (metrics). */
  readonly recordUsage?: (usage: ExtractionUsage) => void;
}

/** Formats of parts read by the model, by where their text came from. */
export const MODEL_FORMATS = { 'pdf-text-layer': 'pdf-text+model', textract: 'ocr+model' } as const;

export async function extractParts(input: { submission: Submission; read: ReadOutcome }, deps: ExtractDeps | null): Promise<ReadOutcome> {
  const parts: Part[] = [];
  let threshold: Decimal | null = null;
  let document: Uint8Array | null = null;
  for (const part of input.read.parts) {
    if (!part.needs_extraction) {
      parts.push(part);
      continue;
    }
    if (!deps) {
      parts.push(offline(part));
      continue;
    }
    threshold ??= await deps.confidenceThreshold();
    if (isTextLayerRead(part) && validateBill(part.bill, { confidenceThreshold: threshold }).exceptions.length === 0) {
      parts.push({ ...part, needs_extraction: false });
      continue;
    }
    document ??= await loadDocument(input.submission, deps.documents);
    parts.push(await extractPart(input.submission, part, document, threshold, deps));
  }
  return { parts, needs_extraction: false };
}

function isTextLayerRead(part: Part): part is Part & { bill: Record<string, unknown> } {
  return part.format === PDF_TEXT_FORMAT && part.bill !== null;
}

/** No OCR and no model here: the reader's result stands, and a part without a bill says why. */
function offline(part: Part): Part {
  const reasons = part.exceptions.length > 0 || part.bill ? part.exceptions : [{ code: 'UNREADABLE', line: null, message: NEEDS_OCR_REASON }];
  return { ...part, exceptions: reasons, needs_extraction: false };
}

async function loadDocument(submission: Submission, documents: DocumentStore): Promise<Uint8Array> {
  const bytes = await documents.get(submission.document_key);
  if (!bytes) throw new DocumentMissingError(`document ${submission.document_key} is not in the document store`);
  return bytes;
}

const unreadablePart = (part: Part, reason: string): Part => ({
  ...part,
  bill: null,
  needs_extraction: false,
  exceptions: [{ ...exception('UNREADABLE', reason) }],
});

async function extractPart(submission: Submission, part: Part, document: Uint8Array, threshold: Decimal, deps: ExtractDeps): Promise<Part> {
  const name = part.origin ? `${submission.name} (${part.origin})` : submission.name;
  const found = await findDocumentBytes({ bytes: document, filename: submission.name }, part.document_hash);
  if (!found) return unreadablePart(part, `${name}: the part to read could not be found in the stored document again`);
  const detected = detectFormat(found.bytes);
  const mediaType = detected.kind === 'pdf' ? 'application/pdf' : detected.kind === 'image' ? detected.mediaType : null;
  if (!mediaType) return { ...part, needs_extraction: false };

  let text = mediaType === 'application/pdf' ? await (deps.textLayer ?? pdfDocumentText)(found.bytes) : null;
  if (!text) {
    // OCR reads from the store: an attachment is stored on its own, under its hash.
    const whole = found.bytes === document;
    const key = whole ? submission.document_key : `extraction/${part.document_hash}.${mediaType.split('/')[1]}`;
    if (!whole) await deps.documents.put(key, found.bytes);
    const ref: DocumentRef = { key, bytes: found.bytes, mediaType, hash: part.document_hash };
    try {
      text = await deps.ocr.textOf(ref);
    } catch (err) {
      if (err instanceof OcrFailedError) return unreadablePart(part, `${name}: OCR failed: ${err.message}`);
      throw err;
    }
  }

  const bill = part.bill as CanonicalBill | null;
  const modelId = deps.modelFor({
    sender: typeof part.email?.['from'] === 'string' ? part.email['from'] : submission.submitter,
    taxId: typeof bill?.supplier?.tax_id === 'string' ? bill.supplier.tax_id : null,
  });
  const outcome = await extractBill(text, deps.model, { modelId, confidenceThreshold: threshold });
  deps.recordUsage?.(outcome.usage);
  const read: Part = {
    ...part,
    format: MODEL_FORMATS[text.source],
    needs_extraction: false,
    extraction: outcome.usage,
    exceptions: [],
    bill: outcome.bill as Record<string, unknown> | null,
  };
  if (outcome.status === 'not_a_bill') return { ...read, bill: null, exceptions: [{ ...exception('UNREADABLE', `${name}: not a bill: ${outcome.reason}`) }] };
  if (!outcome.bill) return { ...read, exceptions: [{ ...exception('UNREADABLE', `${name}: ${outcome.reason ?? 'the model read nothing'}`) }] };
  return read;
}
