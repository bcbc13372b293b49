import { createRequire } from 'node:module';
import { describe, expect, it } from 'vitest';
import { encode } from '../../lambdas/shared/he-encode.ts';

/** The real package (mailparser's dependency), untyped. */
const he = createRequire(import.meta.url)('he') as { encode(text: string, options?: object): string };

describe('the he stand-in of the Lambda bundles', () => {
  it.each([
    ['the unsafe symbols', `a & b <c> "d" 'e' \`f\``],
    ['letters outside ASCII and astral symbols', 'Müller & Söhne © 😀 ß Ωμέγα 株式会社'],
    ['tabs and line breaks', 'tab\tnl\nx\r\ny'],
    ['plain ASCII', 'Invoice INV-1001 (PO-7001) 100% paid'],
  ])('encodes %s exactly as he.encode does', (_case, text) => {
    expect(encode(text)).toBe(he.encode(text));
    expect(encode(text, { useNamedReferences: true })).not.toMatch(/[<>"'`]|&(?!#x[0-9A-F]+;)/);
  });
});
