/**
 * The laptop's stand-in for SES outbound: every email the pipeline sends is written, as the
 * MIME message SES would have sent, to an `.eml` file in the outbox folder. Any mail program
 * opens them; the local web page lists and renders them.
 */
import { randomUUID } from 'node:crypto';
import { readdir, readFile, stat } from 'node:fs/promises';
import { durableWrite } from './durable-file.ts';
import { join } from 'node:path';
import { simpleParser } from 'mailparser';
import MailComposer from 'nodemailer/lib/mail-composer/index.js';
import type { OutgoingEmail } from '../../core/ports/mailer.ts';
import type { ComposedEmail, ComposingMailer } from './sending-order.ts';
import { mimeAttachments } from '../../shared/mime.ts';

/** Header names that carry what the email is about (the port's `tag` and `billId`). */
export const TAG_HEADER = 'X-Bill-Matcher-Tag';
export const BILL_HEADER = 'X-Bill-Matcher-Bill';

/** What `.eml` files in the outbox are named like: written by `OutboxMailer`, or by hand. */
const FILE_NAME = /^[A-Za-z0-9][A-Za-z0-9._-]{0,200}\.eml$/;

export interface OutboxOptions {
  /** The From address of every email. @default 'bill-matcher@localhost' */
  readonly from?: string;
  readonly now?: () => number;
}

/** The time at the head of an outbox file's name: `20260303T090000123Z` (ISO 8601, basic format). */
const fileStamp = (ms: number): string => new Date(ms).toISOString().replace(/[-:]/g, '').replace('.', '');
const FILE_STAMP = /^(\d{4})(\d{2})(\d{2})T(\d{2})(\d{2})(\d{2})(\d{3})Z-/;

/**
 * When an email reached the outbox: the time `OutboxMailer` put in its file's name when it wrote
 * it (an email is composed before its turn to be sent, so its Date header can be a little earlier
 * than a later-composed one's), else its Date header (a file put there by hand).
 */
function sentAt(entry: { readonly file: string; readonly date: string | null }): string {
  const m = FILE_STAMP.exec(entry.file);
  return m ? `${m[1]}-${m[2]}-${m[3]}T${m[4]}:${m[5]}:${m[6]}.${m[7]}Z` : (entry.date ?? '');
}

/** A Mailer that writes each email as an `.eml` file (written aside, then renamed: never half a file). */
export class OutboxMailer implements ComposingMailer {
  private seq = 0;

  constructor(
    readonly dir: string,
    private readonly options: OutboxOptions = {},
  ) {}

  async send(email: OutgoingEmail): Promise<{ messageId: string }> {
    return this.deliver(await this.compose(email));
  }

  async compose(email: OutgoingEmail): Promise<ComposedEmail> {
    const id = randomUUID();
    const messageId = `<${id}@bill-matcher.local>`;
    const headers: Record<string, string> = {};
    if (email.tag) headers[TAG_HEADER] = email.tag;
    if (email.billId) headers[BILL_HEADER] = email.billId;
    const raw = await new MailComposer({
      from: this.options.from ?? 'bill-matcher@localhost',
      to: email.to.join(', '),
      subject: email.subject,
      text: email.text,
      ...(email.html ? { html: email.html } : {}),
      ...(email.attachments?.length ? { attachments: mimeAttachments(email) } : {}),
      date: new Date(this.now()),
      messageId,
      headers,
    })
      .compile()
      .build();
    return { messageId, raw, tag: email.tag ?? null, id };
  }

  async deliver(composed: ComposedEmail): Promise<{ messageId: string }> {
    // Named when sent: sortable by time, then by order of sending within one millisecond.
    const stamp = fileStamp(this.now());
    const slug = (composed.tag ?? 'email').replace(/[^A-Za-z0-9-]/g, '-').slice(0, 40);
    const name = `${stamp}-${String(++this.seq).padStart(4, '0')}-${slug}-${composed.id.slice(0, 8)}.eml`;
    // On the disk before the send counts: an approval request is never lost to a crash.
    // Readable by the user only: the emails carry signed approval links.
    await durableWrite(join(this.dir, name), composed.raw, { mode: 0o600 });
    return { messageId: composed.messageId };
  }

  private now(): number {
    return this.options.now?.() ?? Date.now();
  }
}

/** One email in the outbox, as the list shows it. */
export interface OutboxEntry {
  readonly file: string;
  readonly date: string | null;
  readonly to: string;
  readonly subject: string;
  readonly tag: string | null;
  readonly billId: string | null;
  readonly bytes: number;
}

/** One email in the outbox, whole. */
export interface OutboxMessage extends OutboxEntry {
  readonly from: string;
  readonly messageId: string | null;
  readonly text: string | null;
  /** The HTML part as sent: show it only in a sandbox. */
  readonly html: string | null;
  readonly attachments: readonly { readonly filename: string; readonly contentType: string; readonly size: number }[];
}

/** Reads the outbox folder for the web page. */
export class OutboxReader {
  constructor(readonly dir: string) {}

  /** Newest first. */
  async list(): Promise<OutboxEntry[]> {
    let names: string[];
    try {
      names = (await readdir(this.dir)).filter((n) => FILE_NAME.test(n));
    } catch (err) {
      if ((err as NodeJS.ErrnoException).code === 'ENOENT') return [];
      throw err;
    }
    const out: OutboxEntry[] = [];
    for (const file of names) {
      const m = await this.read(file);
      if (m) out.push({ file: m.file, date: m.date, to: m.to, subject: m.subject, tag: m.tag, billId: m.billId, bytes: m.bytes });
    }
    return out.sort((a, b) => sentAt(b).localeCompare(sentAt(a)) || b.file.localeCompare(a.file));
  }

  /** The email in `file`, or null when there is none by that name (names never leave the folder). */
  async read(file: string): Promise<OutboxMessage | null> {
    if (!FILE_NAME.test(file)) return null;
    const path = join(this.dir, file);
    let raw: Buffer;
    try {
      if (!(await stat(path)).isFile()) return null;
      raw = await readFile(path);
    } catch (err) {
      if ((err as NodeJS.ErrnoException).code === 'ENOENT') return null;
      throw err;
    }
    const mail = await simpleParser(raw, { skipImageLinks: true, skipTextLinks: true, keepCidLinks: true });
    const header = (name: string) => {
      const v = mail.headers.get(name.toLowerCase());
      return typeof v === 'string' ? v : null;
    };
    const addresses = (a: typeof mail.to) => (a === undefined ? '' : Array.isArray(a) ? a.map((x) => x.text).join(', ') : a.text);
    return {
      file,
      date: mail.date ? mail.date.toISOString() : null,
      from: addresses(mail.from),
      to: addresses(mail.to),
      subject: mail.subject ?? '',
      tag: header(TAG_HEADER),
      billId: header(BILL_HEADER),
      bytes: raw.byteLength,
      messageId: mail.messageId ?? null,
      text: mail.text ?? null,
      html: typeof mail.html === 'string' ? inlineImages(mail.html, mail.attachments) : null,
      attachments: mail.attachments.map((a) => ({ filename: a.filename ?? '(unnamed)', contentType: a.contentType, size: a.size })),
    };
  }

  /** The raw `.eml` bytes, for download. */
  async raw(file: string): Promise<Buffer | null> {
    if (!FILE_NAME.test(file)) return null;
    try {
      return await readFile(join(this.dir, file));
    } catch (err) {
      if ((err as NodeJS.ErrnoException).code === 'ENOENT') return null;
      throw err;
    }
  }
}

/** `cid:` references to the message's own inline images as `data:` URLs, so that a page can show them. */
function inlineImages(html: string, attachments: readonly { cid?: string; contentType: string; content: Buffer }[]): string {
  const byCid = new Map(attachments.filter((a) => a.cid && /^image\/(png|jpeg|gif)$/.test(a.contentType)).map((a) => [a.cid!, a]));
  if (byCid.size === 0) return html;
  return html.replace(/(["'])cid:([^"']+)\1/g, (whole, q: string, cid: string) => {
    const a = byCid.get(cid);
    return a ? `${q}data:${a.contentType};base64,${a.content.toString('base64')}${q}` : whole;
  });
}
