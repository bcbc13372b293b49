import { describe, expect, it } from 'vitest';
import { jaccard, normalizeInvoiceNumber, normalizeName, tokens } from '../../lambdas/core/normalize.ts';

describe('normalizeName', () => {
  it.each([
    { case: 'legal form dropped', input: 'Acme GmbH', out: 'acme' },
    { case: 'punctuation deleted, not spaced', input: 'Vantage Supply S.A.', out: 'vantage supply' },
    { case: 'several legal forms', input: 'Foo Holding Co. Ltd.', out: 'foo holding' },
    { case: 'ampersand', input: 'Smith & Sons Ltd', out: 'smith and sons' },
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
    { input: 'INV-0012', out: 'INV12' },
    { input: 'inv 12', out: 'INV12' },
    { input: 'INV12', out: 'INV12' },
    { input: '000', out: '0' },
    { input: 'A-007/B-0001', out: 'A7B1' },
    { input: '2026-0100', out: '20260100' },
  ])('"$input" → "$out"', ({ input, out }) => {
    expect(normalizeInvoiceNumber(input)).toBe(out);
  });
});

describe('token similarity', () => {
  it('is Jaccard over lower-cased alphanumeric tokens', () => {
    expect(jaccard(tokens('Copy paper A4'), tokens('copy PAPER a4 ream'))).toBe(0.75);
    expect(jaccard(tokens(''), tokens(''))).toBe(0);
  });
});
