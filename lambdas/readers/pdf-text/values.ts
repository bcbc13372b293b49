/**
 * Parsers for values printed on a bill, in the languages the text-layer reader knows (EN, DE,
 * FR, ES, NL, IT): amounts with either decimal separator, dates numeric and with month names,
 * invoice numbers, VAT ids and IBANs. Each parser says when a value is ambiguous, so that the
 * reader can lower its confidence instead of guessing silently.
 */
import { isRealDate } from '../../core/dates.ts';
import { Decimal } from '../../core/money.ts';

/** Lower case, accents removed, white space collapsed: the form labels are compared in. */
export function fold(text: string): string {
  return text
    .normalize('NFD')
    .replace(/[\u0300-\u036f]/g, '')
    .replace(/ß/g, 'ss')
    .replace(/[\u2010-\u2015\u2212]/g, '-')
    .replace(/\s+/g, ' ')
    .trim()
    .toLowerCase();
}

// ---------------------------------------------------------------- currency markers

/** Symbols and words that name one currency for certain. */
const CERTAIN_MARKERS: readonly [RegExp, string][] = [
  [/€/, 'EUR'],
  [/₹/, 'INR'],
  [/\beuros?\b/i, 'EUR'],
  [/\bus[- ]?dollars?\b/i, 'USD'],
  [/\bpounds? sterling\b/i, 'GBP'],
  [/\bswiss francs?\b|\bschweizer franken\b/i, 'CHF'],
];
/** Symbols that several currencies use: `$` (USD, CAD, AUD, …), `£` (GBP, EGP, …), `Rs` (INR, PKR, LKR, …). */
const AMBIGUOUS_MARKERS: readonly [RegExp, string][] = [
  [/(?:^|[^A-Za-z])(?:US|CA|AU|NZ|HK|SG)?\$/, '$'],
  [/£/, '£'],
  [/¥|円/, '¥'],
  [/(?:^|[^A-Za-z])Rs\.?(?=\s*[\d-])/, 'Rs'],
  [/(?:^|[^A-Za-z])kr\.?(?=\s*[\d-])|(?<=\d\s?)kr\b/, 'kr'],
];
const PREFIXED_DOLLARS: Readonly<Record<string, string>> = { US: 'USD', CA: 'CAD', AU: 'AUD', NZ: 'NZD', HK: 'HKD', SG: 'SGD' };

/** Three-letter codes that are common words in the bill languages and must not be read as currencies on their own. */
const CODE_WORDS = new Set(['ALL', 'TOP', 'MAD', 'CUP', 'BAM', 'GEL', 'PEN', 'TRY', 'BOB', 'SOS', 'CAD', 'MOP', 'LAK', 'DOP']);

/** ISO codes written out, e.g. `EUR`, `USD`, `CHF` (upper case, as bills print them). */
export function currencyCodesIn(text: string, isCode: (c: string) => boolean): string[] {
  const out: string[] = [];
  for (const m of text.matchAll(/(?<![A-Za-z])([A-Z]{3})(?![A-Za-z])/g)) {
    const code = m[1]!;
    if (isCode(code) && !CODE_WORDS.has(code)) out.push(code);
  }
  return out;
}

export interface CurrencyMarks {
  /** ISO codes a symbol or word names for certain (`€` → EUR). */
  readonly certain: readonly string[];
  /** Symbols shared by several currencies (`$`, `£`, `Rs`). */
  readonly ambiguous: readonly string[];
}

export function currencyMarks(text: string): CurrencyMarks {
  const certain: string[] = [];
  const ambiguous: string[] = [];
  for (const [re, code] of CERTAIN_MARKERS) if (re.test(text)) certain.push(code);
  const prefixed = /(?:^|[^A-Za-z])(US|CA|AU|NZ|HK|SG)\$/.exec(text);
  if (prefixed) certain.push(PREFIXED_DOLLARS[prefixed[1]!]!);
  else for (const [re, sym] of AMBIGUOUS_MARKERS) if (re.test(text)) ambiguous.push(sym);
  return { certain, ambiguous };
}

// ---------------------------------------------------------------- amounts

/** How the document writes decimals: `,` (1.234,56) or `.` (1,234.56), or unknown. */
export type DecimalConvention = ',' | '.' | null;

export interface ParsedAmount {
  /** Canonical decimal text, `-1234.56`. */
  readonly value: string;
  /** True when the separator could be read either way (`1.234` with no convention known). */
  readonly ambiguous: boolean;
  readonly marks: CurrencyMarks;
  readonly codes: readonly string[];
}

const CURRENCY_NOISE =
  /(?<![A-Za-z])(?:US|CA|AU|NZ|HK|SG)(?=\$)|€|₹|\$|£|¥|(?<![A-Za-z])(?:EUR|USD|GBP|CHF|INR|JPY|CAD|AUD|SEK|NOK|DKK|PLN|CZK|HUF|Rs|euros?|TTC|HT|netto|brutto|net|gross|incl|excl|kr)(?![A-Za-z])\.?/gi;

/**
 * A cell that is an amount and nothing else (a currency symbol or code around it is allowed).
 * `convention` is the document's decimal separator when known; percentages are not amounts.
 */
export function parseAmount(text: string, convention: DecimalConvention, isCode: (c: string) => boolean = () => false): ParsedAmount | null {
  const raw = text.trim();
  if (raw === '' || raw.length > 40 || /%/.test(raw)) return null;
  const marks = currencyMarks(raw);
  const codes = currencyCodesIn(raw, isCode);
  let t = raw.replace(CURRENCY_NOISE, ' ').replace(/\s+/g, ' ').trim();
  t = t.replace(/^[:=]\s*/, '');
  let negative = false;
  if (/^\(.*\)$/.test(t)) {
    negative = true;
    t = t.slice(1, -1).trim();
  }
  if (/^[-−–]\s*/.test(t)) {
    negative = !negative;
    t = t.replace(/^[-−–]\s*/, '');
  } else if (/\s*[-−–]$/.test(t)) {
    negative = !negative;
    t = t.replace(/\s*[-−–]$/, '');
  }
  t = t.replace(/^\+/, '');
  if (!/^\d[\d.,'’ \u00a0\u202f]*$/.test(t) || /[.,'’ ]$/.test(t)) return null;
  const r = normaliseNumber(t, convention);
  if (!r) return null;
  return { value: negative && r.value !== '0' ? `-${r.value}` : r.value, ambiguous: r.ambiguous, marks, codes };
}

/** `1.234,56` / `1,234.56` / `1 234,56` / `1234.5` → canonical text, with the separator decided. */
export function normaliseNumber(t: string, convention: DecimalConvention): { value: string; ambiguous: boolean } | null {
  const s = t.replace(/[\u00a0\u202f']/g, ' ').replace(/’/g, ' ');
  const hasDot = s.includes('.');
  const hasComma = s.includes(',');
  let intPart: string;
  let frac = '';
  let ambiguous = false;
  const grouped = (int: string, sep: string) => new RegExp(`^\\d{1,3}(\\${sep}\\d{3})*$`).test(int);
  if (hasDot && hasComma) {
    const dec = s.lastIndexOf('.') > s.lastIndexOf(',') ? '.' : ',';
    const thou = dec === '.' ? ',' : '.';
    const [i, f] = [s.slice(0, s.lastIndexOf(dec)), s.slice(s.lastIndexOf(dec) + 1)];
    if (!grouped(i.replace(/ /g, thou), thou) || !/^\d+$/.test(f)) return null;
    intPart = i.replace(/[., ]/g, '');
    frac = f;
  } else if (hasDot || hasComma) {
    const sep = hasDot ? '.' : ',';
    const pieces = s.split(sep);
    if (pieces.length > 2) {
      // Several of one separator: thousands grouping (1.234.567).
      if (!grouped(s.replace(/ /g, ''), sep)) return null;
      intPart = s.replace(/[., ]/g, '');
    } else {
      const [i, f] = pieces as [string, string];
      if (!/^\d+$/.test(f) || !/^\d[\d ]*$/.test(i)) return null;
      if (f.length === 3 && grouped(i.replace(/ /g, ''), sep === '.' ? ',' : '.')) {
        // `1.234` or `1,234`: thousands or three decimals, the document's convention decides.
        if (convention === sep) {
          intPart = i.replace(/ /g, '');
          frac = f;
        } else if (convention !== null) {
          intPart = i.replace(/ /g, '') + f;
        } else {
          intPart = i.replace(/ /g, '') + f;
          ambiguous = true;
        }
      } else {
        intPart = i.replace(/ /g, '');
        frac = f;
      }
    }
  } else {
    if (!/^\d{1,3}( \d{3})*$/.test(s) && !/^\d+$/.test(s)) return null;
    intPart = s.replace(/ /g, '');
  }
  const d = Decimal.tryParse(frac ? `${intPart}.${frac}` : intPart);
  return d ? { value: d.toFixed(), ambiguous } : null;
}

/** The decimal separator a document uses, from the amounts it prints (`12,50` vs `12.50`). */
export function decimalConvention(texts: readonly string[]): DecimalConvention {
  let comma = 0;
  let dot = 0;
  for (const raw of texts) {
    // Dates (01.05.14), times, version and IP numbers (78.46.77.79) are not amounts.
    const t = raw.replace(/\d+(?:[.:]\d+){2,}/g, ' ').replace(/\d{1,2}[./-]\d{1,2}[./-]\d{2,4}/g, ' ').replace(/\d{1,2}:\d{2}/g, ' ');
    for (const m of t.matchAll(/\d([.,])(\d+)(?!\d)/g)) {
      const sep = m[1]!;
      const digits = m[2]!.length;
      if (digits === 2 || digits === 4) sep === ',' ? comma++ : dot++;
    }
    for (const m of t.matchAll(/\d{1,3}([.,])\d{3}([.,])\d{2}(?!\d)/g)) if (m[1] !== m[2]) m[2] === ',' ? comma++ : dot++;
  }
  if (comma > 0 && dot === 0) return ',';
  if (dot > 0 && comma === 0) return '.';
  if (comma >= 3 * dot) return ',';
  if (dot >= 3 * comma) return '.';
  return null;
}

// ---------------------------------------------------------------- dates

const MONTHS: Readonly<Record<string, number>> = (() => {
  const names: [number, string[]][] = [
    [1, ['january', 'jan', 'januar', 'jänner', 'janvier', 'janv', 'januari', 'enero', 'ene', 'gennaio', 'gen']],
    [2, ['february', 'feb', 'februar', 'feber', 'fevrier', 'fevr', 'fev', 'februari', 'febrero', 'febbraio']],
    [3, ['march', 'mar', 'marz', 'maerz', 'mars', 'maart', 'mrt', 'marzo']],
    [4, ['april', 'apr', 'avril', 'avr', 'abril', 'abr', 'aprile']],
    [5, ['may', 'mai', 'mei', 'mayo', 'maggio', 'mag']],
    [6, ['june', 'jun', 'juni', 'juin', 'junio', 'giugno', 'giu']],
    [7, ['july', 'jul', 'juli', 'juillet', 'juil', 'julio', 'luglio', 'lug']],
    [8, ['august', 'aug', 'aout', 'augustus', 'agosto', 'ago']],
    [9, ['september', 'sep', 'sept', 'septembre', 'septiembre', 'setiembre', 'settembre', 'set']],
    [10, ['october', 'oct', 'oktober', 'okt', 'octobre', 'octubre', 'ottobre', 'ott']],
    [11, ['november', 'nov', 'novembre', 'noviembre']],
    [12, ['december', 'dec', 'dezember', 'dez', 'decembre', 'diciembre', 'dic', 'dicembre']],
  ];
  const out: Record<string, number> = {};
  for (const [n, list] of names) for (const name of list) out[fold(name)] = n;
  return out;
})();

export interface ParsedDate {
  readonly iso: string;
  /** True when day and month could be swapped (`03/04/2024` with no other clue). */
  readonly ambiguous: boolean;
  /** True when the year was written with two digits. */
  readonly shortYear: boolean;
  /** The text the date was read from, and where it ended in the input. */
  readonly end: number;
}

/** Day-month order of numeric dates in a document: `dmy`, `mdy`, or unknown. */
export type DateOrder = 'dmy' | 'mdy' | null;

function iso(y: number, m: number, d: number): string | null {
  const s = `${String(y).padStart(4, '0')}-${String(m).padStart(2, '0')}-${String(d).padStart(2, '0')}`;
  return isRealDate(s) ? s : null;
}

function fullYear(y: string): { year: number; short: boolean } {
  if (y.length === 4) return { year: Number(y), short: false };
  const n = Number(y);
  return { year: n < 70 ? 2000 + n : 1900 + n, short: true };
}

/**
 * The first date at the start of `text` (after optional words like "du", "vom", "le", "on").
 * `order` is the document's day-month order when known.
 */
export function parseDateAt(text: string, order: DateOrder): ParsedDate | null {
  const lead = /^\s*(?:(?:du|vom|von|am|le|on|of|dated|del|de|van|den|issued at|issued on|ausgestellt am|bis|until|avant le|before)\s+)?/i.exec(text)!;
  const start = lead[0].length;
  const s = text.slice(start);
  let m = /^(\d{4})[-./](\d{1,2})[-./](\d{1,2})(?!\d)/.exec(s);
  if (m) {
    const v = iso(Number(m[1]), Number(m[2]), Number(m[3]));
    return v ? { iso: v, ambiguous: false, shortYear: false, end: start + m[0].length } : null;
  }
  m = /^(\d{1,2})\s?([-./])\s?(\d{1,2})\s?\2\s?(\d{4}|\d{2})(?![\d])/.exec(s);
  if (m) {
    const a = Number(m[1]);
    const b = Number(m[3]);
    const { year, short } = fullYear(m[4]!);
    const sep = m[2];
    let dmy: boolean;
    let ambiguous = false;
    if (a > 12 && b <= 12) dmy = true;
    else if (b > 12 && a <= 12) dmy = false;
    else if (a === b) dmy = true;
    else if (order) dmy = order === 'dmy';
    else if (sep === '.') dmy = true; // d.m.y is the only dotted order in use
    else {
      dmy = true;
      ambiguous = true;
    }
    const v = dmy ? iso(year, b, a) : iso(year, a, b);
    return v ? { iso: v, ambiguous, shortYear: short, end: start + m[0].length } : null;
  }
  // 7. Mai 2014 · 19 april 2014 · 1er juillet 2015 · 3rd March 2020 · 15 de marzo de 2024
  m = /^(\d{1,2})(?:\.|er|st|nd|rd|th|º|°)?\s*(?:de\s+)?([A-Za-zÀ-ÿ]{3,10})\.?\s*(?:de\s+)?,?\s*(\d{4})(?!\d)/.exec(s);
  if (m) {
    const month = MONTHS[fold(m[2]!)];
    if (month) {
      const v = iso(Number(m[3]), month, Number(m[1]));
      return v ? { iso: v, ambiguous: false, shortYear: false, end: start + m[0].length } : null;
    }
  }
  // August 3, 2014 · Jan 1, 2022 · March 3rd 2020
  m = /^([A-Za-zÀ-ÿ]{3,10})\.?\s+(\d{1,2})(?:st|nd|rd|th)?\s*,?\s*(\d{4})(?!\d)/.exec(s);
  if (m) {
    const month = MONTHS[fold(m[1]!)];
    if (month) {
      const v = iso(Number(m[3]), month, Number(m[2]));
      return v ? { iso: v, ambiguous: false, shortYear: false, end: start + m[0].length } : null;
    }
  }
  // 20181230 (compact, as some Factur-X renderings print it)
  m = /^(\d{4})(\d{2})(\d{2})(?!\d)/.exec(s);
  if (m && Number(m[1]) > 1990 && Number(m[1]) < 2100) {
    const v = iso(Number(m[1]), Number(m[2]), Number(m[3]));
    return v ? { iso: v, ambiguous: false, shortYear: false, end: start + m[0].length } : null;
  }
  return null;
}

/** Every date written in a text, wherever it starts (`Lieferung vom 03.05.2024`, `Jan 1, 2022`). */
export function datesIn(text: string, order: DateOrder): string[] {
  const out: string[] = [];
  if (!/\d/.test(text)) return out;
  for (let i = 0; i < text.length; i++) {
    if (!/[\p{L}\d]/u.test(text[i]!) || (i > 0 && /[\p{L}\d]/u.test(text[i - 1]!))) continue;
    const d = parseDateAt(text.slice(i), order);
    if (d) out.push(d.iso);
  }
  return out;
}

/** A cell that is a date (and at most a little noise around it). */
export function parseDateCell(text: string, order: DateOrder): ParsedDate | null {
  const d = parseDateAt(text, order);
  if (!d) return null;
  const rest = text.slice(d.end).trim();
  return rest === '' || /^[,;.)]?$/.test(rest) || /^\d{1,2}:\d{2}/.test(rest) ? d : null;
}

/** The day-month order the numeric dates of a document reveal (a day over 12 in either place). */
export function dateOrderOf(texts: readonly string[]): DateOrder {
  let dmy = 0;
  let mdy = 0;
  for (const t of texts) {
    for (const m of t.matchAll(/(?<!\d)(\d{1,2})[-/.](\d{1,2})[-/.](\d{4}|\d{2})(?!\d)/g)) {
      const a = Number(m[1]);
      const b = Number(m[2]);
      if (a > 12 && b <= 12) dmy++;
      else if (b > 12 && a <= 12) mdy++;
    }
  }
  if (dmy > 0 && mdy === 0) return 'dmy';
  if (mdy > 0 && dmy === 0) return 'mdy';
  return null;
}

// ---------------------------------------------------------------- identifiers

/**
 * A document number at the start of `text`: letters, digits and `-/_.`, with at least one
 * digit, up to 40 characters. `# 123`, `: 123` and `n° 123` prefixes are skipped.
 */
export function parseDocumentNumber(text: string): string | null {
  const t = text.replace(/^[\s:#.°º-]+/, '').replace(/^(?:n[°º]|no\.?|nr\.?)\s*[:.]?\s*/i, '').replace(/^[\s:#]+/, '');
  const m = /^([A-Za-z0-9][A-Za-z0-9\-/_.]*[A-Za-z0-9]|[0-9])(?=$|[\s,;)])/.exec(t);
  if (!m) return null;
  const v = m[1]!;
  if (v.length > 40 || !/\d/.test(v)) return null;
  // A date or an amount is not a document number.
  if (/^\d{1,2}[./-]\d{1,2}[./-]\d{2,4}$/.test(v) || /^\d{4}-\d{2}-\d{2}$/.test(v) || /^\d+[.,]\d{2}$/.test(v)) return null;
  return v;
}

/** EU member states, plus the other VAT-id prefixes bills carry (`EL` is Greece, `XI` Northern Ireland). */
const VAT_PREFIXES = new Set([
  'AT', 'BE', 'BG', 'CY', 'CZ', 'DE', 'DK', 'EE', 'EL', 'ES', 'FI', 'FR', 'HR', 'HU', 'IE', 'IT', 'LT', 'LU', 'LV', 'MT',
  'NL', 'PL', 'PT', 'RO', 'SE', 'SI', 'SK', 'XI', 'GB', 'CH', 'NO',
]);

/** A VAT id with its country prefix (`DE 123 456 789` → `DE123456789`), or null. */
export function parseVatId(text: string): string | null {
  const compact = text.replace(/[\s.\-]/g, '').toUpperCase();
  const m = /^([A-Z]{2})([0-9A-Z]{2,13})(?:MWST|TVA|IVA)?$/.exec(compact);
  if (m && VAT_PREFIXES.has(m[1]!) && /\d{2}/.test(m[2]!)) return `${m[1]}${m[2]}`;
  const che = /^CHE(\d{9})(?:MWST|TVA|IVA)?$/.exec(compact);
  if (che) return `CHE${che[1]}`;
  return null;
}

/** A tax registration number without a country prefix (Indian GSTIN, a TIN): 8 to 15 letters and digits, mostly digits. */
export function parseOtherTaxId(text: string): string | null {
  // A date (`01.08.2013`) is no tax number, whatever label is near it.
  if (/^\s*\d{1,4}[./-]\d{1,2}[./-]\d{2,4}\s*$/.test(text)) return null;
  const compact = text.replace(/[\s.\-/]/g, '').toUpperCase();
  if (!/^[0-9A-Z]{8,15}$/.test(compact)) return null;
  const digits = (compact.match(/\d/g) ?? []).length;
  return digits >= 0.5 * compact.length ? compact : null;
}

const IBAN_LENGTH: Readonly<Record<string, number>> = {
  AD: 24, AE: 23, AL: 28, AT: 20, AZ: 28, BA: 20, BE: 16, BG: 22, BH: 22, BR: 29, CH: 21, CR: 22, CY: 28, CZ: 24, DE: 22,
  DK: 18, DO: 28, EE: 20, EG: 29, ES: 24, FI: 18, FO: 18, FR: 27, GB: 22, GE: 22, GI: 23, GL: 18, GR: 27, GT: 28, HR: 21,
  HU: 28, IE: 22, IL: 23, IS: 26, IT: 27, JO: 30, KW: 30, KZ: 20, LB: 28, LI: 21, LT: 20, LU: 20, LV: 21, MC: 27, MD: 24,
  ME: 22, MK: 19, MR: 27, MT: 31, MU: 30, NL: 18, NO: 15, PK: 24, PL: 28, PS: 29, PT: 25, QA: 29, RO: 24, RS: 22, SA: 24,
  SE: 24, SI: 19, SK: 24, SM: 27, TN: 24, TR: 26, UA: 29, VG: 24, XK: 20,
};

/** True when an IBAN's ISO 13616 check digits are right. */
export function ibanChecksumOk(iban: string): boolean {
  const re = iban.slice(4) + iban.slice(0, 4);
  let rem = 0;
  for (const ch of re) {
    const v = /\d/.test(ch) ? ch : String(ch.charCodeAt(0) - 55);
    for (const d of v) rem = (rem * 10 + Number(d)) % 97;
  }
  return rem === 1;
}

export interface IbanFound {
  readonly iban: string;
  /** True when it passed the length and check-digit tests. */
  readonly valid: boolean;
  /** True when digits are masked (`DE54 5004 **** ****`), as on a direct-debit notice. */
  readonly masked: boolean;
  readonly index: number;
}

/** IBANs written in a line of text, with spaces or without. */
export function ibansIn(text: string): IbanFound[] {
  const out: IbanFound[] = [];
  const upper = text.toUpperCase();
  for (const m of upper.matchAll(/(?<![A-Z0-9])([A-Z]{2})(\d{2})((?:\s?[A-Z0-9*]){8,34})/g)) {
    const country = m[1]!;
    const len = IBAN_LENGTH[country];
    if (!len) continue;
    const compact = (m[1]! + m[2]! + m[3]!).replace(/\s/g, '');
    if (compact.includes('*')) {
      out.push({ iban: compact.replace(/\*.*$/, '*'), valid: false, masked: true, index: m.index ?? 0 });
      continue;
    }
    const candidate = compact.slice(0, len);
    if (candidate.length === len && /^[A-Z]{2}\d{2}[A-Z0-9]+$/.test(candidate)) {
      out.push({ iban: candidate, valid: ibanChecksumOk(candidate), masked: false, index: m.index ?? 0 });
    } else if (compact.length >= len - 4) out.push({ iban: compact, valid: false, masked: false, index: m.index ?? 0 });
  }
  return out;
}

/** A quantity cell: a number with an optional unit word (`20 Stk`, `1 PCS`, `1,00`). */
export function parseQuantity(text: string, convention: DecimalConvention): string | null {
  const m = /^([-−]?\d[\d.,' ]*?)\s*(\p{L}[^\s%]{0,11})?$/u.exec(text.trim());
  if (!m) return null;
  const n = normaliseNumber(m[1]!.replace(/−/, '-').replace(/^-/, ''), convention);
  if (!n || n.ambiguous) return null;
  return m[1]!.trim().startsWith('-') || m[1]!.trim().startsWith('−') ? `-${n.value}` : n.value;
}
