/**
 * Text taken from a bill is data (spec/domain.md §9). In an email it is one line, with control
 * characters, line breaks and direction overrides removed, and nothing in it may become a link:
 * a supplier name "Acme\nApprove here: https://…" must not put a line of its own, let alone a
 * clickable one, above the real buttons. On a terminal it is shown with its control characters
 * escaped, so that escape sequences in a file name or a supplier name cannot drive the console.
 */

/** C0 and C1 controls, DEL, line and paragraph separators, bidirectional overrides and isolates. */
const UNSAFE = /[\u0000-\u001f\u007f-\u009f\u2028\u2029\u202a-\u202e\u2066-\u2069\u200e\u200f\u061c]/g;

/** `scheme:` of the link kinds mail clients make clickable. */
const SCHEME = /\b(https?|ftp|ftps|sftp|file|mailto|javascript|data|tel|sms|callto|ssh|smb|news|irc|webcal)(:)/gi;

/** A host name (`evil.example`, `www.pay-here.com`): its last dot is shown as `[.]`. */
const HOST = /\b((?:[a-z0-9](?:[a-z0-9-]{0,61}[a-z0-9])?\.)+)([a-z]{2,63})\b/gi;

/**
 * One line of text kept as data (an import history, a note on a bill, a command's answer, all
 * escaped again where they are shown): controls and line breaks become spaces, runs of white
 * space one space, at most `max` characters. Links are left as written: `billText` defangs them
 * where the text goes into an email.
 */
export function plainLine(value: unknown, max = 300): string {
  const line = String(value ?? '')
    .replace(UNSAFE, ' ')
    .replace(/\s+/g, ' ')
    .trim();
  return line.length > max ? `${line.slice(0, max - 1)}…` : line;
}

/**
 * One line of text from a bill, safe to put in an email subject or body: controls and line
 * breaks become spaces, runs of white space one space, links defanged (`https[:]//evil[.]example`, `www[.]evil[.]example`,
 * `billing@acme[.]example`), at most `max` characters. Escaping for HTML stays the caller's.
 */
export function billText(value: unknown, max = 300): string {
  const line = plainLine(value, Infinity)
    .replace(SCHEME, '$1[:]')
    .replace(/\bwww\./gi, (w) => `${w.slice(0, 3)}[.]`)
    .replace(HOST, (_m, labels: string, tld: string) => `${labels.slice(0, -1)}[.]${tld}`);
  return line.length > max ? `${line.slice(0, max - 1)}…` : line;
}

/**
 * Text for a terminal: every control character shown as an escape (`\x1b`, `\n`), so that
 * nothing from a document can move the cursor, recolour, retitle or clear the console.
 */
export function consoleText(value: unknown): string {
  return String(value ?? '').replace(UNSAFE, (c) => {
    const named: Record<string, string> = { '\n': '\\n', '\r': '\\r', '\t': '\\t' };
    if (named[c]) return named[c];
    const code = c.charCodeAt(0);
    return code <= 0xff ? `\\x${code.toString(16).padStart(2, '0')}` : `\\u${code.toString(16).padStart(4, '0')}`;
  });
}
