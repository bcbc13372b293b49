/** Properties of the normalizations duplicates are judged by (fast-check). */
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { normalizeInvoiceNumber } from '../../lambdas/core/normalize.ts';

// Letters and digits a supplier might type or paste: ASCII, full-width, Cyrillic, Greek,
// Armenian, mathematical bold, Arabic-Indic and Devanagari digits, separators.
const ALPHABET = [
  ...'ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789',
  ...'-/ ._#',
  ...'ＡＢＩＯＬａｂｉｏｌ０１２９－',
  ...'АВЕІКМНОРСТХаеіорсхжЖпП',
  ...'ΑΒΕΙΚΜΝΟΡΤΧΥΖαοιβνσςΣ',
  ...'ՕՍօս',
  ...'𝐀𝐈𝐎𝟎𝟏𝟗',
  ...'٠١٢٩०१२९',
];
const invoiceNumber = fc.array(fc.constantFrom(...ALPHABET), { minLength: 1, maxLength: 16 }).map((cs) => cs.join(''));

describe('normalized invoice numbers', () => {
  it('are stable under NFKC', () => {
    fc.assert(fc.property(invoiceNumber, (s) => normalizeInvoiceNumber(s.normalize('NFKC')) === normalizeInvoiceNumber(s)), { numRuns: 2000 });
  });

  it('are stable under case', () => {
    fc.assert(
      fc.property(invoiceNumber, (s) => {
        const n = normalizeInvoiceNumber(s);
        return normalizeInvoiceNumber(s.toUpperCase()) === n && normalizeInvoiceNumber(s.toLowerCase()) === n;
      }),
      { numRuns: 2000 },
    );
  });

  // Letters read as digits (O, I, L) join the digit run they touch, so the prefix avoids them here.
  it('ignore separators and leading zeros of each digit run', () => {
    fc.assert(
      fc.property(fc.stringMatching(/^[A-HJKMNP-Z]{1,3}$/), fc.nat(99999), fc.nat(3), fc.constantFrom('-', ' ', '/', ''), (prefix, n, zeros, sep) => {
        expect(normalizeInvoiceNumber(`${prefix}${sep}${'0'.repeat(zeros)}${n}`)).toBe(normalizeInvoiceNumber(`${prefix}${n}`));
      }),
      { numRuns: 500 },
    );
  });
});
