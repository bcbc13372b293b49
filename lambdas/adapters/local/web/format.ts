/**
 * How the workspace shows money, dates and exception codes to people:
 *
 * - Money with `Intl.NumberFormat` (en-GB, the ISO code before the amount: `EUR 15,815.10`,
 *   `JPY 8,550`), thousands separators and the currency's own decimals. The decimal string is
 *   passed as it is (Node 22 formats decimal strings exactly), never a float. An amount with
 *   more decimals than its currency has keeps them: nothing is rounded away on screen.
 * - Instants in the policy's time zone (`5 Jan 2026, 09:00 CET`), with the exact UTC instant in
 *   the `<time datetime>`; calendar dates (issue, due) as dates, in no zone.
 * - Exception codes in words (core/words.ts), each once; the code itself in a tooltip.
 */
import type { ExceptionCode } from '../../../core/exceptions.ts';
import { Decimal, isCurrencyCode, minorUnit } from '../../../core/money.ts';
import { EXCEPTION_WORDS } from '../../../core/words.ts';
import { esc, orDash } from './html.ts';

const LOCALE = 'en-GB';
const moneyFormats = new Map<string, Intl.NumberFormat>();

/** `EUR 15,815.10`; the amount grouped without a currency when the currency is unclear. */
export function moneyText(amount: string | null | undefined, currency: string | null | undefined): string | null {
  if (amount === null || amount === undefined || amount === '') return null;
  const d = Decimal.tryParse(amount);
  if (!d) return amount;
  const code = (currency ?? '').toUpperCase();
  const known = isCurrencyCode(code);
  const digits = known ? minorUnit(code) : 2;
  const key = `${known ? code : ''}:${Math.max(digits, d.scale)}`;
  let f = moneyFormats.get(key);
  if (!f) {
    f = new Intl.NumberFormat(LOCALE, {
      ...(known ? { style: 'currency', currency: code, currencyDisplay: 'code' } : {}),
      minimumFractionDigits: digits,
      maximumFractionDigits: Math.max(digits, d.scale),
    });
    moneyFormats.set(key, f);
  }
  // A decimal string, formatted exactly (ECMA-402 "Intl.NumberFormat v3"): never a float.
  return f.format(d.toString() as unknown as number);
}

/** Money as HTML: the formatted amount, and a note where the currency is unclear. */
export function money(amount: string | null | undefined, currency: string | null | undefined): string {
  const text = moneyText(amount, currency);
  if (text === null) return orDash(null);
  const known = isCurrencyCode((currency ?? '').toUpperCase());
  return `<span class="money">${esc(text)}</span>${known ? '' : ` <span class="muted">(currency ${currency ? `“${esc(currency)}” ` : ''}unclear)</span>`}`;
}

const instantFormats = new Map<string, Intl.DateTimeFormat>();

/** An instant in the zone, for people: `5 Jan 2026, 09:00 CET`. */
export function instantText(iso: string, timeZone: string): string {
  let f = instantFormats.get(timeZone);
  if (!f) {
    f = new Intl.DateTimeFormat(LOCALE, { timeZone, day: 'numeric', month: 'short', year: 'numeric', hour: '2-digit', minute: '2-digit', timeZoneName: 'short' });
    instantFormats.set(timeZone, f);
  }
  return f.format(new Date(iso));
}

/** An instant as `<time>`: in the zone for people, the UTC instant for machines. */
export function when(iso: string | null | undefined, timeZone: string): string {
  if (!iso) return orDash(null);
  const ms = Date.parse(iso);
  if (Number.isNaN(ms)) return esc(iso);
  return `<time datetime="${esc(new Date(ms).toISOString())}">${esc(instantText(iso, timeZone))}</time>`;
}

const MONTHS = ['Jan', 'Feb', 'Mar', 'Apr', 'May', 'Jun', 'Jul', 'Aug', 'Sep', 'Oct', 'Nov', 'Dec'];

/** A calendar date (`2026-04-01`) as `1 Apr 2026`; anything else as it is. */
export function day(date: string | null | undefined): string {
  if (!date) return orDash(null);
  const m = /^(\d{4})-(\d{2})-(\d{2})$/.exec(date);
  if (!m || Number(m[2]) < 1 || Number(m[2]) > 12) return esc(date);
  return `<time datetime="${esc(date)}">${Number(m[3])} ${MONTHS[Number(m[2]) - 1]} ${m[1]}</time>`;
}

/** An exception code in words. */
export const codeWords = (code: string): string => EXCEPTION_WORDS[code as ExceptionCode] ?? code.toLowerCase().replace(/_/g, ' ');

/** Exception codes in words, each once, the code in a tooltip. */
export function codesInWords(codes: readonly string[]): string {
  const unique = [...new Set(codes)];
  if (unique.length === 0) return orDash(null);
  return `<ul class="codes">${unique.map((c) => `<li title="${esc(c)}" data-code="${esc(c)}">${esc(codeWords(c))}</li>`).join('')}</ul>`;
}

/** A quantity or unit price (a decimal string, not money): grouped, every decimal kept. */
export function quantity(v: string | null | undefined): string {
  if (v === null || v === undefined || v === '') return orDash(null);
  const d = Decimal.tryParse(v);
  if (!d) return esc(v);
  return esc(new Intl.NumberFormat(LOCALE, { maximumFractionDigits: Math.max(0, d.scale) }).format(d.toString() as unknown as number));
}
