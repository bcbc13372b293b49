/**
 * The original document of a bill: the file itself — the attachment of an email, the entry of a
 * zip, the file of an upload — not the whole email it came in. Found by its SHA-256, which the
 * bill records (`source.document_hash`), in the stored submission (`source.stored_as`): the
 * submission itself, else its attachments (forwarded messages and zips included, within the
 * readers' limits). Served inline for PDFs and images, as a download otherwise.
 */
import { createHash } from 'node:crypto';
import { simpleParser, type ParsedMail, type SimpleParserOptions } from 'mailparser';
import { looksLikeEmail } from '../readers/detect.ts';
import { basename } from '../readers/attachments.ts';
import { zipItems } from '../readers/zip.ts';

export interface OriginalDocument {
  readonly bytes: Uint8Array;
  readonly filename: string;
  readonly contentType: string;
  /** PDFs and images show on the page; anything else is downloaded. */
  readonly inline: boolean;
}

const sha256 = (b: Uint8Array) => createHash('sha256').update(b).digest('hex');
const MAX_DEPTH = 3;

function typeOf(bytes: Uint8Array, filename: string): { contentType: string; inline: boolean } {
  const head = Buffer.from(bytes.subarray(0, 12));
  if (head.subarray(0, 5).toString('latin1') === '%PDF-') return { contentType: 'application/pdf', inline: true };
  if (head[0] === 0x89 && head.subarray(1, 4).toString('latin1') === 'PNG') return { contentType: 'image/png', inline: true };
  if (head[0] === 0xff && head[1] === 0xd8) return { contentType: 'image/jpeg', inline: true };
  if (head.subarray(0, 4).toString('latin1') === 'II*\0' || head.subarray(0, 4).toString('latin1') === 'MM\0*') return { contentType: 'image/tiff', inline: false };
  const ext = filename.toLowerCase().split('.').pop() ?? '';
  if (ext === 'xml') return { contentType: 'application/xml', inline: false };
  if (ext === 'json') return { contentType: 'application/json', inline: false };
  if (ext === 'csv') return { contentType: 'text/csv', inline: false };
  return { contentType: 'application/octet-stream', inline: false };
}

function found(bytes: Uint8Array, filename: string): OriginalDocument {
  return { bytes, filename: basename(filename) || 'document', ...typeOf(bytes, filename) };
}

/** The file with SHA-256 `hash` in the stored submission `bytes`, or null. */
export async function findOriginal(bytes: Uint8Array, hash: string, name: string): Promise<OriginalDocument | null> {
  return search(bytes, hash.toLowerCase(), name, 0);
}

async function search(bytes: Uint8Array, hash: string, name: string, depth: number): Promise<OriginalDocument | null> {
  if (sha256(bytes) === hash) return found(bytes, name);
  if (depth > MAX_DEPTH) return null;
  if (Buffer.from(bytes.subarray(0, 2)).toString('latin1') === 'PK') {
    const z = zipItems(bytes, name);
    for (const item of z.items) if (item.kind === 'file' && sha256(item.bytes) === hash) return found(item.bytes, item.filename);
    return null;
  }
  if (!looksLikeEmail(bytes)) return null;
  let mail: ParsedMail;
  const options: SimpleParserOptions = { skipHtmlToText: true, skipTextToHtml: true, skipTextLinks: true, skipImageLinks: true, ignoreEmbedded: true, checksumAlgo: false };
  try {
    mail = await simpleParser(Buffer.from(bytes), options);
  } catch {
    return null;
  }
  for (const a of mail.attachments) {
    const hit = await search(a.content as Uint8Array, hash, a.filename ?? `attachment.${a.contentType.split('/')[1] ?? 'bin'}`, depth + 1);
    if (hit) return hit;
  }
  return null;
}
