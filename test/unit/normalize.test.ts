import { describe, expect, it } from 'vitest';
import { jaccard, normalizeInvoiceNumber, normalizeName, tokens } from '../../lambdas/core/normalize.ts';

describe('normalizeName', () => {
  it.each([
    { case: 'legal form dropped', input: 'Acme GmbH', out: 'acme' },
    { case: 'punctuation deleted, not spaced', input: 'Vantage Supply S.A.', out: 'vantage supply' },
    { case: 'several legal forms', input: 'Foo Holding Co. Ltd.', out: 'foo holding' },
    { case: 'ampersand', input: 'Smith & Sons Ltd', out: 'smith and sons' },
    { case: 'ampersand without spaces', input: 'A&B GmbH', out: 'a and b' },
    { case: 'ampersand as in the master', input: 'Smith&Sons', out: 'smith and sons' },
    { case: 'white space collapsed', input: '  Big   Blue\tInc ', out: 'big blue' },
    { case: 'last word kept', input: 'Company Ltd', out: 'company' },
    { case: 'only a legal form', input: 'GmbH', out: 'gmbh' },
    { case: 'number kept', input: 'Halcyon Trading 22 Inc.', out: 'halcyon trading 22' },
  ])('$case: "$input" → "$out"', ({ input, out }) => {
    expect(normalizeName(input)).toBe(out);
  });
});

describe('normalizeInvoiceNumber', () => {
  it.each([
    { case: 'ASCII with separator and zeros', input: 'INV-0012', out: '1NV12' },
    { case: 'lower case and a space', input: 'inv 12', out: '1NV12' },
    { case: 'no separator', input: 'INV12', out: '1NV12' },
    { case: 'a run of only zeros', input: '000', out: '0' },
    { case: 'several runs', input: 'A-007/B-0001', out: 'A7B1' },
    { case: 'zeros inside a run are kept', input: '2026-0100', out: '2026100' },
    { case: 'per-run leading zeros', input: '2026-0001', out: '20261' },
    { case: 'per-run leading zeros, short', input: '2026-1', out: '20261' },
    { case: 'O read as 0', input: 'INV-OO12', out: '1NV12' },
    { case: 'l read as 1', input: 'INV-00l2', out: '1NV12' },
    { case: 'Latin full-width (NFKC)', input: 'ＩＮＶ－００１２', out: '1NV12' },
    { case: 'mathematical bold (NFKC)', input: '𝐈𝐍𝐕-𝟎𝟎𝟏𝟐', out: '1NV12' },
    { case: 'Arabic-Indic digits', input: 'INV-٠٠١٢', out: '1NV12' },
    { case: 'Devanagari digits', input: 'INV-००१२', out: '1NV12' },
    { case: 'Thai digits', input: 'inv-๐๐๑๒', out: '1NV12' },
    { case: 'Cyrillic І and О', input: 'ІNV-ОО12', out: '1NV12' },
    { case: 'Cyrillic lower-case а, е, о, р, с', input: 'а-е-о-р-с', out: 'AE0PC' },
    { case: 'Greek capitals Ι, Ν, Ο', input: 'ΙΝV-ΟΟ12', out: '1NV12' },
    { case: 'Armenian Օ (capital oh)', input: 'INV-Օ012', out: '1NV12' },
    { case: 'Cherokee Ꭺ, Ᏼ, Ꮯ', input: 'ᎪᏴᏟ-7', out: 'ABC7' },
    { case: 'a letter with no ASCII look-alike stays', input: 'ЖX-01', out: 'ЖX1' },
  ])('$case: "$input" → "$out"', ({ input, out }) => {
    expect(normalizeInvoiceNumber(input)).toBe(out);
  });
});

describe('token similarity', () => {
  it('is Jaccard over lower-cased alphanumeric tokens', () => {
    expect(jaccard(tokens('Copy paper A4'), tokens('copy PAPER a4 ream'))).toBe(0.75);
    expect(jaccard(tokens(''), tokens(''))).toBe(0);
  });
});
