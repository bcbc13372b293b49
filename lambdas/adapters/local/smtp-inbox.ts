/**
 * The laptop's stand-in for SES inbound: an SMTP server on the loopback interface. Any mail
 * client (or nodemailer) can send bills to it; each accepted message is handed over raw, with
 * its envelope, exactly as SES would store it in the inbox bucket.
 */
import { SMTPServer, type SMTPServerDataStream, type SMTPServerSession } from 'smtp-server';

/** One received message: the raw bytes as they came and the SMTP envelope. */
export interface ReceivedMail {
  readonly raw: Uint8Array;
  /** Envelope sender (MAIL FROM), or null for a bounce (`MAIL FROM:<>`). */
  readonly mailFrom: string | null;
  readonly rcptTo: readonly string[];
}

export interface SmtpInboxOptions {
  readonly host?: string;
  /** 0 picks a free port. */
  readonly port: number;
  /** Recipients to accept; empty or absent: any recipient. Compared case-insensitively. */
  readonly acceptRecipients?: readonly string[];
  /** SES receiving accepts at most 40 MB. @default 40 MiB */
  readonly maxMessageBytes?: number;
  /**
   * Takes a message over. The client gets its `250` only once this resolves (the message is
   * stored and queued), and a `451` (try again later) when it throws.
   */
  readonly onMail: (mail: ReceivedMail) => Promise<string | void>;
}

export interface SmtpInbox {
  readonly host: string;
  readonly port: number;
  close(): Promise<void>;
}

/** Starts the SMTP inbox; resolves once it listens. */
export async function startSmtpInbox(options: SmtpInboxOptions): Promise<SmtpInbox> {
  const host = options.host ?? '127.0.0.1';
  const accept = new Set((options.acceptRecipients ?? []).map((a) => a.toLowerCase()));
  const maxBytes = options.maxMessageBytes ?? 40 * 1024 * 1024;

  const server = new SMTPServer({
    name: 'bill-matcher.local',
    banner: 'bill matcher local inbox',
    // Loopback only, so no TLS; clients that insist on logging in may, with any credentials.
    disabledCommands: ['STARTTLS'],
    authOptional: true,
    allowInsecureAuth: true,
    onAuth: (auth, _session, cb) => cb(null, { user: auth.username ?? 'local' }),
    disableReverseLookup: true,
    size: maxBytes,
    logger: false,
    closeTimeout: 1000,
    onRcptTo(address, _session, cb) {
      if (accept.size > 0 && !accept.has(address.address.toLowerCase())) {
        const err = new Error(`mailbox ${address.address} not found here; send bills to ${[...accept].join(' or ')}`) as Error & { responseCode: number };
        err.responseCode = 550;
        return cb(err);
      }
      cb();
    },
    onData(stream: SMTPServerDataStream, session: SMTPServerSession, cb) {
      const chunks: Buffer[] = [];
      stream.on('data', (c: Buffer) => chunks.push(c));
      stream.on('end', () => {
        if (stream.sizeExceeded) {
          const err = new Error(`message exceeds the ${Math.round(maxBytes / 1024 / 1024)} MB limit`) as Error & { responseCode: number };
          err.responseCode = 552;
          return cb(err);
        }
        const from = session.envelope.mailFrom;
        const mail: ReceivedMail = {
          raw: new Uint8Array(Buffer.concat(chunks)),
          mailFrom: from && from.address ? from.address : null,
          rcptTo: session.envelope.rcptTo.map((r) => r.address),
        };
        options.onMail(mail).then(
          (note) => cb(null, note ? `OK: ${note}` : 'OK: queued'),
          (e: Error) => {
            const err = new Error(`could not take the message: ${e.message}`) as Error & { responseCode: number };
            err.responseCode = 451;
            cb(err);
          },
        );
      });
      stream.on('error', (e) => cb(e));
    },
  });

  await new Promise<void>((resolve, reject) => {
    const onError = (e: Error) => reject(e);
    server.once('error', onError);
    server.listen(options.port, host, () => {
      server.off('error', onError);
      resolve();
    });
  });
  // Connection-level errors (a client hanging up) must not take the stack down.
  server.on('error', () => undefined);
  const addr = server.server.address();
  const port = typeof addr === 'object' && addr ? addr.port : options.port;
  return {
    host,
    port,
    close: () => new Promise<void>((resolve) => server.close(() => resolve())),
  };
}

/** The first value of a header in a raw message (unfolded, RFC 2047 words decoded), or null. */
export function headerOf(raw: Uint8Array, name: string): string | null {
  // Headers end at the first empty line; 256 KiB is far more than any real header block.
  const head = Buffer.from(raw.buffer, raw.byteOffset, Math.min(raw.byteLength, 256 * 1024)).toString('latin1');
  const end = head.search(/\r?\n\r?\n/);
  const block = (end === -1 ? head : head.slice(0, end)).replace(/\r?\n[ \t]+/g, ' ');
  const want = name.toLowerCase();
  for (const line of block.split(/\r?\n/)) {
    const i = line.indexOf(':');
    if (i > 0 && line.slice(0, i).trim().toLowerCase() === want) return decodeWords(Buffer.from(line.slice(i + 1), 'latin1').toString('utf8').trim());
  }
  return null;
}

/** RFC 2047 encoded words (`=?utf-8?B?…?=`, `=?iso-8859-1?Q?…?=`). */
function decodeWords(s: string): string {
  return s.replace(/=\?([^?]+)\?([bBqQ])\?([^?]*)\?=(\s+(?==\?))?/g, (whole, charset: string, enc: string, text: string) => {
    try {
      const bytes =
        enc.toUpperCase() === 'B'
          ? Buffer.from(text, 'base64')
          : Buffer.from(text.replace(/_/g, ' ').replace(/=([0-9A-Fa-f]{2})/g, (_m, h: string) => String.fromCharCode(parseInt(h, 16))), 'latin1');
      return new TextDecoder(charset.split('*')[0]!.toLowerCase()).decode(bytes);
    } catch {
      return whole;
    }
  });
}
