/**
 * Factur-X / ZUGFeRD / XRechnung-in-PDF: the invoice XML embedded in a PDF (its
 * /EmbeddedFiles), read with the CII or UBL reader and reported as format `facturx`.
 *
 * The seam for a later text-layer PDF reader: `readFacturx` returns null when the PDF holds
 * no invoice XML at all, so the caller can try another reader. A PDF that cannot be opened
 * (truncated, corrupt, encrypted) or whose invoice attachment is broken is refused here.
 */
import { unreadable } from './canonical.ts';
import { readInvoiceXml } from './einvoice.ts';
import type { ReadInput, ReadResult } from './types.ts';
import { PDF_LIMITS, pdfEmbeddedFiles, type PdfSession } from './pdfjs.ts';

export const FACTURX_FORMAT = 'facturx';

export { PDF_LIMITS };

/** Attachment names that carry the invoice, in order of preference (compared case-insensitively). */
const INVOICE_ATTACHMENTS = ['factur-x.xml', 'zugferd-invoice.xml', 'xrechnung.xml', 'zugferd.xml', 'ubl-invoice-2.1.xml', 'invoice.xml'];

/** True when the bytes start a PDF (`%PDF-`, possibly after a few bytes of junk, as readers tolerate). */
export function looksLikePdf(bytes: Uint8Array): boolean {
  const head = new TextDecoder('latin1').decode(bytes.subarray(0, 1024));
  return head.includes('%PDF-');
}

export interface PdfAttachment {
  readonly name: string;
  readonly bytes: Uint8Array;
}

export type PdfAttachments = { readonly ok: true; readonly attachments: readonly PdfAttachment[] } | { readonly ok: false; readonly reason: string };

/** The embedded files of a PDF, or why the PDF cannot be opened. Never throws, never hangs. */
export async function pdfAttachments(bytes: Uint8Array, timeoutMs = PDF_LIMITS.timeoutMs, pdf?: PdfSession): Promise<PdfAttachments> {
  // pdf.js runs in a worker thread with bounded memory and time (pdfjs.ts).
  const r = await pdfEmbeddedFiles(bytes, timeoutMs, pdf);
  return r.ok ? { ok: true, attachments: r.value } : r;
}

/** What a PDF holds: its invoice results, or (`results: null`) no invoice XML at all. */
export type FacturxInspection =
  | { readonly results: ReadResult[] }
  | { readonly results: null; readonly attachments: readonly string[] };

/**
 * Reads the invoice XML embedded in a PDF. Returns null when the PDF opens but carries no
 * invoice XML (the caller decides what a plain PDF becomes: later, the text-layer reader);
 * an UNREADABLE result when the PDF is corrupt or its invoice attachment cannot be read.
 */
export async function readFacturx(input: ReadInput): Promise<ReadResult[] | null> {
  return (await inspectFacturx(input)).results;
}

/**
 * Like `readFacturx`, and says which attachments a PDF without invoice XML carries. `pdf`: the
 * session the caller reads the same PDF's text with afterwards (one worker for both).
 */
export async function inspectFacturx(input: ReadInput, pdf?: PdfSession): Promise<FacturxInspection> {
  const opened = await pdfAttachments(input.bytes, PDF_LIMITS.timeoutMs, pdf);
  if (!opened.ok) return { results: [unreadable(FACTURX_FORMAT, input.filename, opened.reason, input.bytes)] };
  const xml = opened.attachments.filter((a) => a.name.toLowerCase().endsWith('.xml'));
  // A file named as the invoice is authoritative: if it is broken, say so.
  const named = INVOICE_ATTACHMENTS.flatMap((n) => xml.filter((a) => a.name.toLowerCase() === n))[0];
  if (named) return { results: [readAttachment(input, named)] };
  // Otherwise any XML attachment whose root is an invoice (Odoo's UBL-Invoice-2.1.xml, …).
  for (const attachment of xml) {
    const result = readAttachment(input, attachment);
    if (result.bill) return { results: [result] };
  }
  return { results: null, attachments: opened.attachments.map((a) => a.name) };
}

function readAttachment(input: ReadInput, attachment: PdfAttachment): ReadResult {
  return readInvoiceXml(attachment.bytes, `${input.filename} (embedded ${attachment.name})`, {
    format: FACTURX_FORMAT,
    origin: `attachment ${attachment.name}`,
    hashOf: input.bytes,
  });
}

