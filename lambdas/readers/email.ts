/**
 * Reads a raw email (RFC 5322 / MIME, as SES stores it) into the bills it carries.
 *
 * 1. Refuse a message over the size limit before parsing it; parse the rest with mailparser
 *    (bodies are not converted: they are never bills).
 * 2. Record the email facts: Message-ID, From, Subject, Date and the SES verdict headers.
 *    A virus verdict FAIL refuses every attachment.
 * 3. Walk the attachments: pick bill files (PDF, XML, X12, CSV, bill JSON), expand zips
 *    safely, recurse into forwarded messages (message/rfc822) up to a depth limit, refuse
 *    oversized ones, and pass over signatures, inline images, invites, cards and winmail.dat.
 * 4. Read each picked file with `readAttachment`; number the results as parts of the email.
 *    An email with nothing to read still yields one `UNREADABLE` result saying what it held.
 *
 * The raw bytes are never changed: the caller stores them as they came.
 */
import { simpleParser, type Attachment, type HeaderLines, type ParsedMail, type SimpleParserOptions } from 'mailparser';
import { exception } from '../core/exceptions.ts';
import {
  classifyFile,
  displayName,
  megabytes,
  readItems,
  refusedItem,
  type BillFileKind,
  type Item,
  type ReadAttachment,
} from './attachments.ts';
import { sha256Hex } from './hash.ts';
import type { EmailFacts, ReadInput, ReadResult } from './types.ts';
import { ZIP_LIMITS, zipItems, type ZipLimits } from './zip.ts';

export type { ReadAttachment } from './attachments.ts';

export const EMAIL_FORMAT = 'email';

export interface EmailLimits {
  /** Raw message size, checked before parsing. SES receiving accepts at most 40 MB. */
  readonly maxMessageBytes: number;
  /** Decoded size of one attachment. */
  readonly maxAttachmentBytes: number;
  /** Bill files read from one email, zip entries and forwarded messages included. */
  readonly maxBillFiles: number;
  /** Forwarded messages inside forwarded messages. */
  readonly maxForwardDepth: number;
  readonly zip: ZipLimits;
}

const MB = 1024 * 1024;

export const EMAIL_LIMITS: EmailLimits = {
  maxMessageBytes: 40 * MB,
  maxAttachmentBytes: 25 * MB,
  maxBillFiles: 50,
  maxForwardDepth: 3,
  zip: ZIP_LIMITS,
};

const PARSER_OPTIONS: SimpleParserOptions = {
  // Bodies are never bills: skip the HTML/text conversions (and their worst cases).
  skipHtmlToText: true,
  skipTextToHtml: true,
  skipTextLinks: true,
  skipImageLinks: true,
  keepCidLinks: true,
  // Attached messages come back as message/rfc822 attachments, so nesting is counted here.
  ignoreEmbedded: true,
  checksumAlgo: false,
};

/** Reads every bill attached to the email in `input.bytes`. Never throws for bad input. */
export async function readEmail(
  input: ReadInput,
  readAttachment: ReadAttachment,
  limits: EmailLimits = EMAIL_LIMITS,
): Promise<ReadResult[]> {
  try {
    return await readParsedEmail(input, readAttachment, limits);
  } catch (err) {
    const why = err instanceof Error ? err.message : String(err);
    return [emailResult(input.bytes, NO_FACTS, `the email reader failed unexpectedly (${why})`)];
  }
}

async function readParsedEmail(input: ReadInput, readAttachment: ReadAttachment, limits: EmailLimits): Promise<ReadResult[]> {
  const refuse = (facts: EmailFacts, reason: string) => [emailResult(input.bytes, facts, reason)];
  if (input.bytes.length > limits.maxMessageBytes) {
    const size = `${megabytes(input.bytes.length)}, over the ${megabytes(limits.maxMessageBytes)} limit per message`;
    return refuse(await headerFacts(input.bytes), `email is ${size}; not read`);
  }
  const parsed = await parseMessage(input.bytes);
  if ('error' in parsed) return refuse(NO_FACTS, `not a readable email (${parsed.error})`);
  const facts = emailFacts(parsed.mail);
  if (facts.verdicts['virus'] === 'FAIL') return refuse(facts, 'virus scan verdict FAIL: no attachment was read');
  const found = await collect(parsed.mail, { depth: 0, prefix: '', limits });
  const files = found.items.filter((i) => i.kind === 'file').length;
  if (files > limits.maxBillFiles) {
    return refuse(facts, `email has ${files} bill files, over the limit of ${limits.maxBillFiles} per email; none read`);
  }
  if (found.items.length === 0) return refuse(facts, `email has no bill attachment (attachments: ${listIgnored(found.ignored)})`);
  return readItems(found.items, readAttachment, (r) => ({ ...r, email: facts }));
}

function emailResult(bytes: Uint8Array, facts: EmailFacts, reason: string): ReadResult {
  return {
    part: 0,
    format: EMAIL_FORMAT,
    bill: null,
    documentHash: sha256Hex(bytes),
    email: facts,
    exceptions: [exception('UNREADABLE', reason)],
  };
}

function listIgnored(ignored: readonly string[]): string {
  if (ignored.length === 0) return 'none';
  const shown = ignored.slice(0, 20).join(', ');
  return ignored.length > 20 ? `${shown} and ${ignored.length - 20} more` : shown;
}

async function parseMessage(bytes: Uint8Array): Promise<{ mail: ParsedMail } | { error: string }> {
  try {
    return { mail: await simpleParser(Buffer.from(bytes.buffer, bytes.byteOffset, bytes.byteLength), PARSER_OPTIONS) };
  } catch (err) {
    return { error: err instanceof Error ? err.message : String(err) };
  }
}

// ---------------------------------------------------------------------------------------------
// Walking the attachments

interface Walk {
  readonly depth: number;
  /** Origin prefix for people: '' or `forwarded message > `. */
  readonly prefix: string;
  readonly limits: EmailLimits;
}

interface Found {
  readonly items: Item[];
  /** `name (why)` for every attachment that is not a bill file. */
  readonly ignored: string[];
}

async function collect(mail: ParsedMail, walk: Walk): Promise<Found> {
  const found: Found = { items: [], ignored: [] };
  for (const attachment of mail.attachments) {
    const more = await collectAttachment(attachment, walk);
    found.items.push(...more.items);
    found.ignored.push(...more.ignored);
  }
  return found;
}

async function collectAttachment(attachment: Attachment, walk: Walk): Promise<Found> {
  const name = attachmentName(attachment);
  const origin = `${walk.prefix}attachment ${name}`;
  const bytes: Uint8Array = attachment.content;
  if (bytes.length > walk.limits.maxAttachmentBytes) {
    const size = `${megabytes(bytes.length)}, over the ${megabytes(walk.limits.maxAttachmentBytes)} limit per attachment`;
    return only(refusedItem(origin, `attachment ${name} is ${size}; not read`, bytes, EMAIL_FORMAT));
  }
  const filename = attachment.filename ?? '';
  const contentType = attachment.contentType.toLowerCase();
  const inline = Boolean(attachment.cid) && (attachment.related === true || attachment.contentDisposition === 'inline');
  const verdict = classifyFile({ filename, contentType, bytes, inline });
  if ('ignored' in verdict) return { items: [], ignored: [`${walk.prefix}${name} (${verdict.ignored})`] };
  return collectBillFile(verdict.kind, { name, filename, bytes, origin }, walk);
}

async function collectBillFile(
  kind: BillFileKind,
  file: { name: string; filename: string; bytes: Uint8Array; origin: string },
  walk: Walk,
): Promise<Found> {
  if (kind === 'message') return collectForwarded(file.bytes, file.filename ? displayName(file.filename) : '', walk);
  if (kind === 'zip') return zipItems(file.bytes, file.name, `${walk.prefix}attachment `, walk.limits.zip);
  const filename = file.filename || `${file.name.replace(/\W+/g, '-')}.${kind}`;
  return only({ kind: 'file', filename, bytes: file.bytes, origin: file.origin });
}

async function collectForwarded(bytes: Uint8Array, name: string, walk: Walk): Promise<Found> {
  const label = `${walk.prefix}forwarded message${name ? ` ${name}` : ''}`;
  const depth = walk.depth + 1;
  if (depth > walk.limits.maxForwardDepth) {
    const reason = `${label}: forwarded messages nested deeper than ${walk.limits.maxForwardDepth} levels are not read`;
    return only(refusedItem(label, reason, bytes, EMAIL_FORMAT));
  }
  const parsed = await parseMessage(bytes);
  if ('error' in parsed) return only(refusedItem(label, `${label}: not a readable email (${parsed.error})`, bytes, EMAIL_FORMAT));
  return collect(parsed.mail, { ...walk, depth, prefix: `${label} > ` });
}

function only(item: Item): Found {
  return { items: [item], ignored: [] };
}

function attachmentName(attachment: Attachment): string {
  if (attachment.filename) return displayName(attachment.filename);
  return `unnamed ${attachment.contentType.toLowerCase()} part`;
}

// ---------------------------------------------------------------------------------------------
// Email facts and SES verdicts

const NO_FACTS: EmailFacts = { messageId: null, from: null, subject: null, date: null, verdicts: {} };

function emailFacts(mail: ParsedMail): EmailFacts {
  const first = mail.from?.value[0];
  const from = first?.address || first?.group?.[0]?.address || null;
  return {
    messageId: mail.messageId ?? null,
    from,
    subject: mail.subject ?? null,
    date: isoDate(headerValue(mail.headerLines, 'date')),
    verdicts: verdicts(mail.headerLines),
  };
}

/** Facts of a message too large to parse: read from its header block alone. */
async function headerFacts(bytes: Uint8Array): Promise<EmailFacts> {
  const head = bytes.subarray(0, Math.min(bytes.length, 256 * 1024));
  const text = new TextDecoder('latin1').decode(head);
  const end = text.search(/\r?\n\r?\n/);
  if (end < 0) return NO_FACTS;
  const parsed = await parseMessage(head.subarray(0, end));
  return 'error' in parsed ? NO_FACTS : emailFacts(parsed.mail);
}

/** mailparser replaces a bad Date with the current time; the facts must not depend on the clock. */
function isoDate(value: string | null): string | null {
  if (!value) return null;
  const date = new Date(value);
  return Number.isNaN(date.getTime()) ? null : date.toISOString();
}

/** Values SES writes in X-SES-Spam-Verdict / X-SES-Virus-Verdict. */
const SES_VERDICTS = new Set(['PASS', 'FAIL', 'GRAY', 'PROCESSING_FAILED', 'DISABLED']);
/** Result words of RFC 8601 (Authentication-Results) and RFC 7208 (Received-SPF). */
const AUTH_RESULTS = new Set(['PASS', 'FAIL', 'SOFTFAIL', 'NEUTRAL', 'NONE', 'TEMPERROR', 'PERMERROR', 'POLICY']);

/**
 * The SES verdicts present on the message, keyed `spam`, `virus`, `spf`, `dkim`, `dmarc`,
 * upper-cased (`PASS`, `FAIL`, `GRAY`, …); a value outside the standard words is left out.
 * Only the topmost header of each name counts: SES prepends its own, and anything below it
 * came with the message and may be forged. `X-SES-RECEIPT` is an opaque, encrypted blob and
 * is not read.
 */
export function verdicts(lines: HeaderLines): Record<string, string> {
  const out: Record<string, string> = {};
  const put = (key: string, value: string | undefined, allowed: ReadonlySet<string>) => {
    if (value && allowed.has(value) && !out[key]) out[key] = value;
  };
  put('spam', firstWord(headerValue(lines, 'x-ses-spam-verdict')), SES_VERDICTS);
  put('virus', firstWord(headerValue(lines, 'x-ses-virus-verdict')), SES_VERDICTS);
  // Only SES's own results count (authserv-id amazonses.com, prepended on receipt): a sender can
  // write any Authentication-Results into the message it sends.
  const auth = authenticationResults(headerValue(lines, 'authentication-results'), SES_AUTHSERV_ID);
  for (const method of ['spf', 'dkim', 'dmarc']) put(method, auth[method], AUTH_RESULTS);
  put('spf', firstWord(headerValue(lines, 'received-spf')), AUTH_RESULTS);
  return out;
}

/** The authserv-id SES writes in the Authentication-Results it adds to received mail. */
export const SES_AUTHSERV_ID = 'amazonses.com';

/**
 * `amazonses.com; spf=pass (comment) smtp.mailfrom=…; dkim=pass …; dmarc=none …` → the first
 * result of each method; nothing when the header is not from `authservId`.
 */
function authenticationResults(value: string | null, authservId: string): Record<string, string> {
  const out: Record<string, string> = {};
  if (!value) return out;
  const parts = value.replace(/\([^()]*\)/g, ' ').split(';');
  if (parts[0]?.trim().split(/\s+/)[0]?.toLowerCase() !== authservId) return out;
  const clauses = parts.slice(1);
  for (const clause of clauses) {
    const m = /^\s*(spf|dkim|dmarc)\s*=\s*([A-Za-z_]+)/i.exec(clause);
    const method = m?.[1]?.toLowerCase();
    if (method && m?.[2] && !out[method]) out[method] = m[2].toUpperCase();
  }
  return out;
}

function firstWord(value: string | null): string | undefined {
  return value?.trim().split(/[\s;(]/)[0]?.toUpperCase();
}

/** The unfolded value of the topmost header named `key` (lower case), or null. */
function headerValue(lines: HeaderLines, key: string): string | null {
  const line = lines.find((l) => l.key === key)?.line;
  if (line === undefined) return null;
  return line
    .slice(line.indexOf(':') + 1)
    .replace(/\r?\n[ \t]+/g, ' ')
    .trim();
}
