/**
 * Reads any supported document into canonical bills. Detection is by content (see
 * `detect.ts`); the file name is a hint only. Every refusal is an `UNREADABLE` result whose
 * message names the file, never a throw. Every bill read is then sign-normalised.
 *
 * 1. Detect the format from the bytes.
 * 2. Hand the bytes to that reader (an email or a zip hands each attachment back to here).
 * 3. Turn anything unexpected into an UNREADABLE result for this file.
 * 4. Read a negative invoice as a credit note (`normalizeSign`).
 */
import { readBillJson } from './bill-json.ts';
import { unreadable } from './canonical.ts';
import { readCsvBill } from './csv-bill.ts';
import { detectFormat } from './detect.ts';
import { readInvoiceXml } from './einvoice.ts';
import { readEmail } from './email.ts';
import { inspectFacturx } from './facturx.ts';
import { normalizeSign } from './normalize.ts';
import { readImageByOcr } from './ocr.ts';
import { readOffice } from './office.ts';
import { needsOcr, readPdfText } from './pdf-text.ts';
import { PdfSession } from './pdfjs.ts';
import type { ReadInput, ReadResult } from './types.ts';
import { readX12 } from './x12.ts';
import { readZip } from './zip.ts';

export type { ReadInput, ReadResult } from './types.ts';

/** Reads one document into one result per bill found (at least one result, never a throw). */
export async function readDocument(input: ReadInput): Promise<ReadResult[]> {
  let results: ReadResult[];
  try {
    results = await dispatch(input);
  } catch (err) {
    const why = err instanceof Error ? err.message : String(err);
    results = [unreadable('unknown', input.filename, `the reader failed unexpectedly (${why})`, input.bytes)];
  }
  if (results.length === 0) results = [unreadable('unknown', input.filename, 'no bill found', input.bytes)];
  return results.map((r) => (r.bill ? { ...r, bill: normalizeSign(r.bill) } : r));
}

async function dispatch(input: ReadInput): Promise<ReadResult[]> {
  const detected = detectFormat(input.bytes);
  switch (detected.kind) {
    case 'json':
      return readBillJson(input);
    case 'pdf':
      return readPdf(input);
    case 'xml':
      return [readInvoiceXml(input.bytes, input.filename)];
    case 'x12':
      return readX12(input);
    case 'email':
      return readEmail(input, readDocument);
    case 'zip':
      return readZip(input, readDocument);
    case 'csv':
      return readCsvBill(input);
    case 'docx':
    case 'xlsx':
      return readOffice(input, detected.kind);
    case 'image':
      // Read by local OCR where the process has an engine (the local stack, bm); else marked for Textract.
      return (await readImageByOcr(input, detected.mediaType, detected.description)) ?? [needsOcr(input, 'image', detected.description)];
    case 'unknown':
      return [unreadable('unknown', input.filename, `not a bill format this product reads (detected: ${detected.description})`, input.bytes)];
  }
}

/**
 * A PDF: the embedded invoice XML (Factur-X, ZUGFeRD, XRechnung) when there is one, read
 * exactly; otherwise its text layer (`pdf-text`, fields with a confidence each); a PDF with no
 * text layer (a scan) is marked for OCR.
 */
async function readPdf(input: ReadInput): Promise<ReadResult[]> {
  // One pdf.js worker for both looks at the document (pdfjs.ts `PdfSession`).
  const pdf = new PdfSession(input.bytes);
  try {
    const inspected = await inspectFacturx(input, pdf);
    if (inspected.results) return inspected.results;
    const results = await readPdfText(input, pdf);
    if (inspected.attachments.length === 0) return results;
    // Say what the PDF did carry (an Order-X, a picture): it explains why no e-invoice was read.
    const carried = `(no embedded invoice XML; attachments: ${inspected.attachments.join(', ')})`;
    return results.map((r) => (r.bill ? r : { ...r, exceptions: r.exceptions.map((e) => ({ ...e, message: `${e.message} ${carried}` })) }));
  } finally {
    pdf.close();
  }
}
