/**
 * What the container readers (an email, a zip) share: deciding which files inside are bill
 * candidates, and turning the picked files and the refusals into numbered `ReadResult`s.
 *
 * Picking is deliberately narrow: only the formats the product reads (PDF, XML, X12, CSV,
 * bill JSON, zip, and PNG/JPEG/TIFF photos attached on their own and too big for a logo) go to
 * the attachment reader, so a logo or a calendar invite never becomes a `needs_review` bill of
 * its own.
 */
import { exception } from '../core/exceptions.ts';
import { detectFormat, type DetectedFormat } from './detect.ts';
import { sha256Hex } from './hash.ts';
import type { ReadInput, ReadResult } from './types.ts';

/** Reads one file (the real one is `readDocument`); must return at least one result. */
export type ReadAttachment = (input: ReadInput) => Promise<ReadResult[]>;

export type BillFileKind = 'pdf' | 'xml' | 'x12' | 'csv' | 'json' | 'zip' | 'message' | 'image' | 'docx' | 'xlsx';

/**
 * A photo or scan attached on its own (not an inline picture of the HTML body) and at least this
 * big is a bill candidate for OCR; smaller pictures are logos, icons and signature images.
 */
export const MIN_PHOTO_BYTES = 20_000;

/** A bill candidate to hand to the attachment reader, or a piece refused for safety. */
export type Item =
  | { readonly kind: 'file'; readonly filename: string; readonly bytes: Uint8Array; readonly origin: string }
  | {
      readonly kind: 'refused';
      readonly origin: string;
      readonly reason: string;
      readonly format: string;
      readonly documentHash: string;
    };

export interface FileFacts {
  readonly filename: string;
  /** MIME type as declared (lower case), '' when unknown (zip entries). */
  readonly contentType: string;
  readonly bytes: Uint8Array;
  /** An image embedded in the HTML body (Content-ID inside multipart/related). */
  readonly inline?: boolean;
}

export type Classification = { readonly kind: BillFileKind } | { readonly ignored: string };

const SIGNATURE_TYPES = new Set([
  'application/pkcs7-signature',
  'application/x-pkcs7-signature',
  'application/pgp-signature',
  'application/pgp-keys',
  'application/pgp-encrypted',
]);
const SIGNATURE_EXTS = new Set(['p7s', 'asc', 'sig', 'pgp', 'gpg']);
const CALENDAR_TYPES = new Set(['text/calendar', 'application/ics', 'text/x-vcalendar']);
const VCARD_TYPES = new Set(['text/vcard', 'text/x-vcard', 'text/directory']);
const TNEF_TYPES = new Set(['application/ms-tnef', 'application/vnd.ms-tnef']);
const REPORT_TYPES = new Set([
  'message/delivery-status',
  'message/disposition-notification',
  'message/feedback-report',
  'text/rfc822-headers',
  'message/rfc822-headers',
]);
const XML_TYPES = new Set(['application/xml', 'text/xml']);
const CSV_TYPES = new Set(['text/csv', 'application/csv', 'text/comma-separated-values']);
const ZIP_TYPES = new Set(['application/zip', 'application/x-zip-compressed', 'application/x-zip']);

/**
 * Decides whether a file inside a container is a bill candidate, and if not, says why.
 *
 * Content decides first, through the same `detectFormat` that `readDocument` uses: whatever
 * it would read as an email or a zip is unpacked here instead (under this reader's nesting
 * limits) and never handed back to `readDocument`, which would start a fresh, unbounded read.
 * The name and declared type only add candidates, so a `.pdf` that is junk is still read and
 * refused with its reason rather than silently passed over.
 */
export function classifyFile(file: FileFacts): Classification {
  const ext = extensionOf(file.filename);
  const type = file.contentType;
  const ignored = notABill(file, ext, type);
  if (ignored) return { ignored };
  const detected = detectFormat(file.bytes).kind;
  if (type === 'message/rfc822' || ext === 'eml' || detected === 'email') return { kind: 'message' };
  const zipNamed = ext === 'zip' || (ext === '' && ZIP_TYPES.has(type));
  if (detected === 'zip' || zipNamed) return zipNamed ? { kind: 'zip' } : { ignored: otherReason(file, type) };
  if (detected === 'image') return !file.inline && file.bytes.length >= MIN_PHOTO_BYTES ? { kind: 'image' } : { ignored: otherReason(file, type || 'image/') };
  const kind = byContent(detected, file.bytes, ext, type) ?? byName(ext, type);
  return kind ? { kind } : { ignored: otherReason(file, type) };
}

function notABill(file: FileFacts, ext: string, type: string): string | null {
  if (SIGNATURE_TYPES.has(type) || SIGNATURE_EXTS.has(ext)) return 'signature';
  if (type === 'application/pkcs7-mime' || type === 'application/x-pkcs7-mime' || ext === 'p7m') {
    return 'S/MIME encrypted or signed content, not read';
  }
  if (CALENDAR_TYPES.has(type) || ext === 'ics' || ext === 'vcs') return 'calendar invite';
  if (VCARD_TYPES.has(type) || ext === 'vcf') return 'contact card';
  if (TNEF_TYPES.has(type) || /^winmail\.dat$/i.test(basename(file.filename)) || isTnef(file.bytes)) {
    return 'Outlook winmail.dat (TNEF), not read: ask the sender to send plain attachments';
  }
  if (REPORT_TYPES.has(type)) return 'delivery or read report';
  if (type === 'message/partial') return 'message fragment (message/partial), not reassembled';
  return null;
}

function byContent(detected: DetectedFormat['kind'], bytes: Uint8Array, ext: string, type: string): BillFileKind | null {
  switch (detected) {
    case 'pdf':
    case 'x12':
    case 'csv':
    case 'json':
    case 'docx':
    case 'xlsx':
      return detected;
    case 'xml':
      return !isHtml(bytes, ext, type) && (declaresXml(bytes) || ext === 'xml' || XML_TYPES.has(type)) ? 'xml' : null;
    default:
      return null;
  }
}

function byName(ext: string, type: string): BillFileKind | null {
  if (ext === 'pdf' || type === 'application/pdf') return 'pdf';
  if (ext === 'xml' || XML_TYPES.has(type) || (type.endsWith('+xml') && !isHtmlOrImageType(type))) return 'xml';
  if (ext === 'edi' || ext === 'x12' || type === 'application/edi-x12') return 'x12';
  if (ext === 'csv' || CSV_TYPES.has(type)) return 'csv';
  if (ext === 'json' || type === 'application/json') return 'json';
  return null;
}

function otherReason(file: FileFacts, type: string): string {
  if (type.startsWith('image/')) return file.inline ? 'inline image' : 'image';
  if (type.includes('html')) return 'HTML';
  if (type === 'text/plain') return 'text';
  return type || 'not a bill format';
}

/** The Outlook TNEF signature 0x223E9F78, little-endian. */
function isTnef(bytes: Uint8Array): boolean {
  return bytes[0] === 0x78 && bytes[1] === 0x9f && bytes[2] === 0x3e && bytes[3] === 0x22;
}

/** Markup that starts with `<` but is a web page or a picture, not an e-invoice. */
function isHtml(bytes: Uint8Array, ext: string, type: string): boolean {
  if (isHtmlOrImageType(type) || ['htm', 'html', 'xhtml', 'svg', 'mht', 'mhtml'].includes(ext)) return true;
  return /<(!doctype\s+html|html[\s>])/.test(head(bytes).toLowerCase());
}

/**
 * Content that starts with `<` is only taken for XML on its own word when it says so (an XML
 * declaration or a namespace): a text part that opens with `<name> wrote:` is not an invoice.
 */
function declaresXml(bytes: Uint8Array): boolean {
  const start = head(bytes);
  return /^\uFEFF?\s*<\?xml[\s?]/.test(start) || /xmlns(:\w+)?\s*=/.test(start);
}

function head(bytes: Uint8Array): string {
  return new TextDecoder('utf-8').decode(bytes.subarray(0, 2048));
}

/** Images, and every HTML flavour (text/html, Apple's text/watch-html, XHTML). */
function isHtmlOrImageType(type: string): boolean {
  return type.startsWith('image/') || type.includes('html');
}

export function extensionOf(filename: string): string {
  const m = /\.([A-Za-z0-9]{1,8})$/.exec(filename.trim());
  return m ? m[1]!.toLowerCase() : '';
}

export function basename(name: string): string {
  return name.split(/[/\\]/).filter(Boolean).pop() ?? name;
}

/** A file name fit for a message to people: one line, bounded length. */
export function displayName(name: string): string {
  const flat = name.replace(/[\u0000-\u001f\u007f]+/g, ' ').trim();
  return flat.length > 120 ? `${flat.slice(0, 117)}...` : flat;
}

/** `12.3 MB`, in binary megabytes, for limits in messages. */
export function megabytes(bytes: number): string {
  const mb = bytes / (1024 * 1024);
  return `${Number.isInteger(mb) ? mb : mb.toFixed(1)} MB`;
}

export function refusedItem(origin: string, reason: string, bytes: Uint8Array, format: string): Item {
  return { kind: 'refused', origin, reason, format, documentHash: sha256Hex(bytes) };
}

/**
 * Reads the picked files in order and turns refusals into `UNREADABLE` results; every result
 * gets the container's sequential `part`, its origin (`attachment a.xml > ST 0002`) and
 * whatever `decorate` adds (the email facts). A reader that throws becomes an `UNREADABLE`
 * result for that file: one bad attachment never loses the others.
 */
export async function readItems(
  items: readonly Item[],
  readAttachment: ReadAttachment,
  decorate: (r: ReadResult) => ReadResult = (r) => r,
): Promise<ReadResult[]> {
  const out: ReadResult[] = [];
  for (const item of items) {
    for (const r of await readItem(item, readAttachment)) out.push(decorate({ ...r, documentPart: r.documentPart ?? r.part, part: out.length }));
  }
  return out;
}

async function readItem(item: Item, readAttachment: ReadAttachment): Promise<ReadResult[]> {
  if (item.kind === 'refused') {
    const { format, documentHash, origin, reason } = item;
    return [{ part: 0, format, bill: null, documentHash, origin, exceptions: [exception('UNREADABLE', reason)] }];
  }
  const { bytes, filename, origin } = item;
  let found: ReadResult[];
  try {
    found = await readAttachment({ bytes, filename });
  } catch (err) {
    const why = err instanceof Error ? err.message : String(err);
    return [unreadableFile(item, `${displayName(filename)}: the reader failed (${why})`)];
  }
  if (found.length === 0) return [unreadableFile(item, `${displayName(filename)}: no bill found`)];
  return found.map((r) => ({ ...r, origin: r.origin ? `${origin} > ${r.origin}` : origin }));
}

function unreadableFile(item: Item & { kind: 'file' }, message: string): ReadResult {
  return {
    part: 0,
    format: 'unknown',
    bill: null,
    documentHash: sha256Hex(item.bytes),
    origin: item.origin,
    exceptions: [exception('UNREADABLE', message)],
  };
}
