/** Normalizations the matching rules compare by (spec/domain.md §3–§5). */
import { CONFUSABLE_ASCII_PAIRS } from './data/confusables-ascii.ts';

const LEGAL_FORMS = new Set([
  'inc', 'incorporated', 'llc', 'ltd', 'limited', 'gmbh', 'ag', 'co', 'corp', 'corporation', 'company',
  'plc', 'sa', 'sas', 'sarl', 'bv', 'nv', 'srl', 'spa', 'pty', 'kg', 'oy', 'ab',
]);

/**
 * Vendor name for comparison: lower case, `&` → ` and ` (so `A&B` = `A & B`), punctuation deleted (not replaced:
 * `S.A.` → `sa`), white space collapsed, trailing legal-form words removed while more than
 * one word remains.
 */
export function normalizeName(name: string | null | undefined): string {
  if (!name) return '';
  let out = nameCache.get(name);
  if (out === undefined) {
    out = computeNormalizedName(name);
    if (nameCache.size >= 50_000) nameCache.clear();
    nameCache.set(name, out);
  }
  return out;
}

// The same few thousand vendor names come back on every bill.
const nameCache = new Map<string, string>();

function computeNormalizedName(name: string): string {
  const cleaned = name
    .normalize('NFKC')
    .toLowerCase()
    .replace(/&/g, ' and ')
    .replace(/[^\p{L}\p{N}\s]/gu, '')
    .replace(/\s+/g, ' ')
    .trim();
  const words = cleaned ? cleaned.split(' ') : [];
  while (words.length > 1 && LEGAL_FORMS.has(words[words.length - 1]!)) words.pop();
  return words.join(' ');
}

/** Tax id / IBAN for comparison: spaces removed, upper-cased. */
export function normalizeId(id: string | null | undefined): string {
  if (!id) return '';
  return isPlainId(id) ? id : id.replace(/\s+/g, '').toUpperCase();
}

/** True when `normalizeId` would not change `id`: ASCII, no white space, no lower-case letter (the usual stored form). */
function isPlainId(id: string): boolean {
  for (let i = 0; i < id.length; i++) {
    const c = id.charCodeAt(i);
    if (c <= 32 || c >= 127 || (c >= 97 && c <= 122)) return false;
  }
  return true;
}

/** PO reference for comparison: case-insensitive, spaces removed. */
export function normalizePoRef(ref: string | null | undefined): string {
  return normalizeId(ref);
}

/**
 * Non-ASCII character → its ASCII look-alike, from Unicode's confusables data (UTS #39). Built on
 * first use, so that a function that imports this module only for the id normalizations (the
 * readers, through the table adapter) leaves the 17 KB table out of its bundle.
 */
let confusableAscii: ReadonlyMap<string, string> | undefined;
function confusable(ch: string): string | undefined {
  confusableAscii ??= new Map(
    CONFUSABLE_ASCII_PAIRS.map((p) => {
      const [from, to] = [...p];
      return [from!, to!];
    }),
  );
  return confusableAscii.get(ch);
}

const ND = /\p{Nd}/u;
const ASCII = /^[\x00-\x7f]*$/;

/** The value of a decimal digit of any script: Unicode encodes each script's 0–9 contiguously. */
function digitValue(ch: string): number {
  let cp = ch.codePointAt(0)!;
  let back = 0;
  while (back < 60 && ND.test(String.fromCodePoint(cp - 1))) {
    cp--;
    back++;
  }
  return back % 10;
}

/** One character as the ASCII it reads as, upper-cased; characters with no look-alike stay (upper-cased). */
function asciiLookAlike(ch: string): string {
  if (ch.length === 1 && ch.charCodeAt(0) < 0x80) return ch.toUpperCase();
  if (ND.test(ch)) return String(digitValue(ch));
  // Upper-case first, then look the letter up in either case, so that `п` and `П` read alike.
  const upper = ch.toUpperCase();
  const hit = confusable(upper) ?? confusable(upper.toLowerCase()) ?? confusable(ch);
  return hit ? hit.toUpperCase() : upper;
}

/**
 * Invoice number for duplicate detection (spec/domain.md §5, v2): Unicode NFKC; decimal digits of
 * any script become their ASCII digit; every other character its ASCII look-alike where
 * Unicode's confusables data gives one; upper-cased; `O` read as `0`, `I` and `L` as `1`; then
 * runs of letters and runs of digits (anything else only separates), each digit run without its
 * leading zeros (a run of only zeros is `0`), joined. `INV-0012`, `inv 12`, `INV12` and
 * `ІNV-OO12` are one number; so are `2026-0001` and `2026-1`.
 */
export function normalizeInvoiceNumber(n: string | null | undefined): string {
  if (!n) return '';
  // A decision asks for the same bill's number several times (its claims, its duplicate entry).
  if (n === lastNumber) return lastNormalized;
  // Most numbers are plain ASCII: NFKC and the look-alikes change nothing there.
  const out = ASCII.test(n) ? normalizeAsciiNumber(n) : normalizeUnicodeNumber(n);
  lastNumber = n;
  lastNormalized = out;
  return out;
}

let lastNumber = '';
let lastNormalized = '';

/**
 * `normalizeUnicodeNumber` for an ASCII number, in one pass: in ASCII, upper-casing, the
 * look-alikes and the runs of letters (`A-Z`) and digits (`0-9`) need no Unicode tables.
 */
function normalizeAsciiNumber(n: string): string {
  let out = '';
  // In a run of digits, the zeros not yet known to be leading (a run of only zeros is `0`).
  let inDigits = false;
  let zeros = 0;
  let digitSeen = false;
  for (let i = 0; i < n.length; i++) {
    let c = n.charCodeAt(i);
    if (c >= 97 && c <= 122) c -= 32; // upper case
    if (c === 79 /* O */) c = 48;
    else if (c === 73 /* I */ || c === 76 /* L */) c = 49;
    if (c >= 48 && c <= 57) {
      if (!inDigits) {
        inDigits = true;
        zeros = 0;
        digitSeen = false;
      }
      if (c === 48 && !digitSeen) zeros++;
      else {
        digitSeen = true;
        out += String.fromCharCode(c);
      }
      continue;
    }
    if (inDigits) {
      if (!digitSeen && zeros > 0) out += '0';
      inDigits = false;
    }
    if (c >= 65 && c <= 90) out += String.fromCharCode(c);
  }
  if (inDigits && !digitSeen && zeros > 0) out += '0';
  return out;
}

function normalizeUnicodeNumber(n: string): string {
  let mapped = '';
  for (const ch of n.normalize('NFKC')) mapped += asciiLookAlike(ch);
  mapped = mapped.normalize('NFKC');
  mapped = mapped.replace(/O/g, '0').replace(/[IL]/g, '1');
  const runs = mapped.match(/\p{Nd}+|\p{L}+/gu) ?? [];
  return runs.map((r) => (/^\d/.test(r) ? r.replace(/^0+(?=\d)/, '') : r)).join('');
}

/** Item codes: trimmed, case-insensitive. */
export function normalizeItemCode(code: string | null | undefined): string {
  return (code ?? '').trim().toUpperCase();
}

/** Lower-cased alphanumeric tokens of a description. */
export function tokens(text: string | null | undefined): Set<string> {
  return new Set((text ?? '').toLowerCase().match(/[\p{L}\p{N}]+/gu) ?? []);
}

/** Jaccard similarity of two token sets (0 when both are empty). */
export function jaccard(a: ReadonlySet<string>, b: ReadonlySet<string>): number {
  if (a.size === 0 && b.size === 0) return 0;
  let inter = 0;
  for (const t of a) if (b.has(t)) inter++;
  return inter / (a.size + b.size - inter);
}
