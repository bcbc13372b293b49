/** Normalizations the matching rules compare by (spec/domain.md §3–§5). */

const LEGAL_FORMS = new Set([
  'inc', 'incorporated', 'llc', 'ltd', 'limited', 'gmbh', 'ag', 'co', 'corp', 'corporation', 'company',
  'plc', 'sa', 'sas', 'sarl', 'bv', 'nv', 'srl', 'spa', 'pty', 'kg', 'oy', 'ab',
]);

/**
 * Vendor name for comparison: lower case, `&` → `and`, punctuation deleted (not replaced:
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
    .replace(/&/g, 'and')
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
 * Invoice number for duplicate detection: upper-cased, every non-alphanumeric character
 * removed, leading zeros of every digit run removed (a run of only zeros kept as `0`):
 * `INV-0012`, `inv 12` and `INV12` are one number.
 */
export function normalizeInvoiceNumber(n: string | null | undefined): string {
  return (n ?? '')
    .toUpperCase()
    .replace(/[^\p{L}\p{N}]/gu, '')
    .replace(/\d+/g, (run) => run.replace(/^0+(?=\d)/, ''));
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
