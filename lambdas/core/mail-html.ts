/**
 * Building blocks of the emails people read (approval requests, receipts, review links,
 * reminders): escaped text, a frame that is readable on a 375 px phone (nothing wider than the
 * screen: facts stack, lines are cards, long words wrap), buttons, and times in words.
 */
import { localTime } from './dates.ts';
import { billText } from './safe-text.ts';

export const esc = (s: unknown): string =>
  String(s ?? '').replace(/[&<>"']/g, (c) => ({ '&': '&amp;', '<': '&lt;', '>': '&gt;', '"': '&quot;', "'": '&#39;' })[c]!);

/**
 * Text taken from a bill (or a file's name, a supplier's message) in an email: one line, no
 * control characters or direction overrides, nothing that a mail client would make a link
 * (`safe-text.ts` `billText`, spec/domain.md §9), at most `max` characters. The one definition
 * every email uses.
 */
export const oneLine = (s: unknown, max = 600): string => billText(s, max);

/** The whole email: a single column at most 640 px wide that shrinks to the screen. */
export function mailFrame(body: string): string {
  return `<!doctype html><html lang="en"><head><meta charset="utf-8"><meta name="viewport" content="width=device-width, initial-scale=1"></head>
<body style="margin:0;padding:0;background:#fff"><div style="font-family:system-ui,-apple-system,'Segoe UI',Roboto,sans-serif;font-size:15px;line-height:1.45;color:#111;max-width:640px;margin:0 auto;padding:12px;box-sizing:border-box;overflow-wrap:anywhere;word-break:break-word">
${body}
</div></body></html>`;
}

/** Label / value pairs as stacked blocks (never a wide table). */
export function factsHtml(pairs: readonly (readonly [string, string])[]): string {
  return pairs
    .map(([k, v]) => `<div style="margin:0 0 6px"><span style="color:#555;font-size:13px">${esc(k)}</span><br><span>${esc(v)}</span></div>`)
    .join('');
}

export function button(href: string, label: string, color: string): string {
  return `<a href="${esc(href)}" style="display:inline-block;padding:10px 16px;margin:4px 6px 4px 0;border-radius:6px;background:${color};color:#fff;text-decoration:none;font-weight:600">${esc(label)}</a>`;
}

const DAYS = ['Sun', 'Mon', 'Tue', 'Wed', 'Thu', 'Fri', 'Sat'];
const MONTHS = ['Jan', 'Feb', 'Mar', 'Apr', 'May', 'Jun', 'Jul', 'Aug', 'Sep', 'Oct', 'Nov', 'Dec'];

/** `Mon 08:00` (within a week) or `Mon 9 Mar 08:00`, in the policy's time zone. */
export function whenInWords(epochMs: number, timeZone: string, nowMs?: number): string {
  const t = localTime(epochMs, timeZone);
  const hhmm = `${String(t.hour).padStart(2, '0')}:${String(t.minute).padStart(2, '0')}`;
  const day = DAYS[t.weekday]!;
  if (nowMs !== undefined && epochMs - nowMs < 6 * 86_400_000 && epochMs >= nowMs) return `${day} ${hhmm}`;
  return `${day} ${t.day} ${MONTHS[t.month - 1]} ${t.year} ${hhmm}`;
}
