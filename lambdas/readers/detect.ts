/**
 * Format detection by content, never by file name: a UBL invoice named `.txt` is read as
 * UBL, binary junk named `.xml` is refused as binary. The rules, in order, are listed in
 * docs/formats-mapping.md ("Detection").
 */
import { looksLikeJson } from './bill-json.ts';
import { looksLikeCsvBill } from './csv-bill.ts';
import { looksLikePdf } from './facturx.ts';
import { officeKind } from './office-kind.ts';
import { looksLikeX12 } from './x12.ts';

export type DetectedFormat =
  | { readonly kind: 'json' | 'pdf' | 'xml' | 'x12' | 'email' | 'zip' | 'csv' | 'docx' | 'xlsx' }
  | { readonly kind: 'image'; readonly mediaType: ImageMediaType; readonly description: string }
  | { readonly kind: 'unknown'; readonly description: string };

/** The image types OCR (Textract) reads: a photo or a scan of a bill. */
export type ImageMediaType = 'image/png' | 'image/jpeg' | 'image/tiff';

export function detectFormat(bytes: Uint8Array): DetectedFormat {
  if (bytes.length === 0) return { kind: 'unknown', description: 'an empty file' };
  if (looksLikeJson(bytes)) return { kind: 'json' };
  if (startsWithAscii(bytes, '%PDF-')) return { kind: 'pdf' };
  const image = imageType(bytes);
  if (image) return { kind: 'image', mediaType: image, description: describe(bytes) };
  if (isZip(bytes)) return { kind: officeKind(bytes) ?? 'zip' };
  if (looksLikeXml(bytes)) return { kind: 'xml' };
  // PDF readers accept up to 1 KB of junk before the header; so does this product.
  if (looksLikePdf(bytes)) return { kind: 'pdf' };
  if (looksLikeX12(bytes)) return { kind: 'x12' };
  if (looksLikeEmail(bytes)) return { kind: 'email' };
  if (looksLikeCsvBill(bytes)) return { kind: 'csv' };
  return { kind: 'unknown', description: describe(bytes) };
}

/** XML: after a BOM (UTF-8 or UTF-16) and white space, the first character is `<`. */
export function looksLikeXml(bytes: Uint8Array): boolean {
  if ((bytes[0] === 0xff && bytes[1] === 0xfe && bytes[2] === 0x3c) || (bytes[0] === 0xfe && bytes[1] === 0xff && bytes[3] === 0x3c)) return true;
  return firstSignificantByte(bytes) === 0x3c; // '<'
}

/** PNG, JPEG and TIFF by their magic bytes (GIF and others are not read: OCR does not take them). */
export function imageType(b: Uint8Array): ImageMediaType | null {
  if (b[0] === 0x89 && b[1] === 0x50 && b[2] === 0x4e && b[3] === 0x47) return 'image/png';
  if (b[0] === 0xff && b[1] === 0xd8 && b[2] === 0xff) return 'image/jpeg';
  if ((b[0] === 0x49 && b[1] === 0x49 && b[2] === 0x2a && b[3] === 0x00) || (b[0] === 0x4d && b[1] === 0x4d && b[2] === 0x00 && b[3] === 0x2a)) return 'image/tiff';
  return null;
}

function startsWithAscii(bytes: Uint8Array, text: string): boolean {
  for (let i = 0; i < text.length; i++) if (bytes[i] !== text.charCodeAt(i)) return false;
  return true;
}

function isZip(bytes: Uint8Array): boolean {
  return bytes[0] === 0x50 && bytes[1] === 0x4b && (bytes[2] === 0x03 || bytes[2] === 0x05) && (bytes[3] === 0x04 || bytes[3] === 0x06);
}

/** Header names that mark an RFC 5322 message when they open the file. */
const MAIL_HEADERS = new Set([
  'received', 'from', 'to', 'cc', 'subject', 'date', 'mime-version', 'return-path', 'delivered-to', 'message-id',
  'content-type', 'reply-to', 'sender', 'x-mailer', 'dkim-signature', 'authentication-results', 'newsgroups', 'path',
  'x-original-to', 'user-agent', 'thread-topic', 'in-reply-to', 'references', 'x-account-key',
]);

/**
 * An email: the file opens (after a BOM, blank lines and an optional mbox `From ` line) with
 * RFC 5322 header lines, and its header block names at least one common message header.
 */
export function looksLikeEmail(bytes: Uint8Array): boolean {
  const head = new TextDecoder('latin1').decode(bytes.subarray(0, 16 * 1024)).replace(/^\u00ef\u00bb\u00bf/, '').replace(/^\s+/, '');
  const lines = head.split(/\r?\n/);
  if (lines[0]?.startsWith('From ')) lines.shift();
  let known = 0;
  for (const [i, line] of lines.entries()) {
    if (line === '' || i > 200) break;
    if (/^[ \t]/.test(line) && i > 0) continue; // folded continuation
    const m = /^([!-9;-~]+):/.exec(line);
    if (!m) {
      if (i === 0) return false;
      break; // a malformed header line ends the scan; what was seen decides
    }
    if (MAIL_HEADERS.has(m[1]!.toLowerCase())) known++;
  }
  return known > 0;
}

function firstSignificantByte(bytes: Uint8Array): number | undefined {
  let i = bytes[0] === 0xef && bytes[1] === 0xbb && bytes[2] === 0xbf ? 3 : 0;
  while (i < bytes.length && (bytes[i] === 0x20 || bytes[i] === 0x0a || bytes[i] === 0x0d || bytes[i] === 0x09)) i++;
  return bytes[i];
}

/** A short description of content no reader takes, for the refusal message. */
function describe(bytes: Uint8Array): string {
  const b = bytes;
  if (b[0] === 0x89 && b[1] === 0x50 && b[2] === 0x4e && b[3] === 0x47) return 'a PNG image';
  if (b[0] === 0xff && b[1] === 0xd8 && b[2] === 0xff) return 'a JPEG image';
  if (b[0] === 0x47 && b[1] === 0x49 && b[2] === 0x46) return 'a GIF image';
  if ((b[0] === 0x49 && b[1] === 0x49 && b[2] === 0x2a) || (b[0] === 0x4d && b[1] === 0x4d && b[3] === 0x2a)) return 'a TIFF image';
  if (b[0] === 0xd0 && b[1] === 0xcf && b[2] === 0x11 && b[3] === 0xe0) return 'an OLE compound file (Outlook .msg, old Office document)';
  if (b[0] === 0x1f && b[1] === 0x8b) return 'gzip data';
  if (b[0] === 0x78 && b[1] === 0x9f && b[2] === 0x3e && b[3] === 0x22) return 'a TNEF (winmail.dat) file';
  if (firstSignificantByte(b) === 0x5b) return 'a JSON array (a bill is a JSON object)';
  return isText(b) ? (looksLikeCsv(b) ? 'CSV without a bill header (invoice_number and quantity/unit_price/net_amount)' : 'plain text') : 'binary data';
}

function isText(bytes: Uint8Array): boolean {
  const sample = bytes.subarray(0, 4096);
  let control = 0;
  for (const c of sample) if (c === 0 || (c < 0x20 && c !== 0x09 && c !== 0x0a && c !== 0x0d)) control++;
  if (control > 0) return false;
  try {
    new TextDecoder('utf-8', { fatal: true }).decode(sample.subarray(0, Math.max(0, sample.length - 4)));
    return true;
  } catch {
    return false;
  }
}

function looksLikeCsv(bytes: Uint8Array): boolean {
  const first = new TextDecoder('utf-8').decode(bytes.subarray(0, 1024)).split(/\r?\n/)[0] ?? '';
  return first.split(',').length >= 3;
}
