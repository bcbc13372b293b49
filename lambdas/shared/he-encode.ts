/**
 * A small stand-in for the `he` package in the Lambda bundles (aliased in `lib/bundle.ts`).
 * mailparser uses `he` only to *encode* text into the HTML it builds beside the text (header
 * tables, address links, `textAsHtml`), which the product never reads; `he` itself is 85 KB of
 * entity tables. This encodes the way `he.encode` does by default: the six unsafe symbols and every
 * character outside printable ASCII (but line breaks) as a hexadecimal reference. `useNamedReferences` is accepted
 * and ignored (a numeric reference is equally valid HTML). The test compares it with `he`.
 */

export function encode(text: string, _options?: { useNamedReferences?: boolean }): string {
  return String(text).replace(/[&<>"'`]|[^\n\r\x20-\x7E]/gu, (c) => `&#x${c.codePointAt(0)!.toString(16).toUpperCase()};`);
}

export default { encode };
