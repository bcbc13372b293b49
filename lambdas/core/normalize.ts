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
  return (id ?? '').replace(/\s+/g, '').toUpperCase();
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
  let mapped = '';
  // Most numbers are plain ASCII: NFKC and the look-alikes change nothing there.
  if (ASCII.test(n)) mapped = n.toUpperCase();
  else {
    for (const ch of n.normalize('NFKC')) mapped += asciiLookAlike(ch);
    mapped = mapped.normalize('NFKC');
  }
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
