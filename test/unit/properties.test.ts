/** Properties (fast-check) of the normalizations duplicates are judged by, and of the tax check. */
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { Decimal } from '../../lambdas/core/money.ts';
import { normalizeInvoiceNumber } from '../../lambdas/core/normalize.ts';
import { checkTax, DEFAULT_TAX_RATES, taxAt } from '../../lambdas/core/tax.ts';
import type { Bill } from '../../lambdas/core/validate.ts';

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

describe('the tax check without a breakdown', () => {
  // It tries only the accepted rates next to the effective rate; trying them all must agree.
  it('agrees with trying every accepted rate', () => {
    const rates = DEFAULT_TAX_RATES.map((r) => Decimal.from(r));
    const one = Decimal.from('0.01');
    fc.assert(
      fc.property(fc.bigInt({ min: -10_000_000n, max: 10_000_000n }), fc.bigInt({ min: -3_000_000n, max: 3_000_000n }), (netUnits, taxUnits) => {
        const net = Decimal.ofUnits(netUnits, 2);
        const tax = Decimal.ofUnits(taxUnits, 2);
        const exhaustive = tax.isZero() || rates.some((r) => taxAt(net, r, 'EUR').sub(tax).abs().lte(one));
        const bill = { currency: 'EUR', net_total: net, tax_total: tax, tax_breakdown: null } as unknown as Bill;
        return (checkTax(bill, rates).length === 0) === exhaustive;
      }),
      { numRuns: 3000 },
    );
  });

  it('accepts the tax at any accepted rate', () => {
    const rates = DEFAULT_TAX_RATES.map((r) => Decimal.from(r));
    fc.assert(
      fc.property(fc.bigInt({ min: -10_000_000n, max: 10_000_000n }), fc.constantFrom(...rates), (netUnits, rate) => {
        const net = Decimal.ofUnits(netUnits, 2);
        const bill = { currency: 'EUR', net_total: net, tax_total: taxAt(net, rate, 'EUR'), tax_breakdown: null } as unknown as Bill;
        return checkTax(bill, rates).length === 0;
      }),
      { numRuns: 3000 },
    );
  });
});
