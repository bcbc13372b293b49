import { describe, expect, it } from 'vitest';
import { decodeEntities, find, maxDepthOf, parseXml, textAt } from '../../../lambdas/readers/xml.ts';

const parse = (text: string) => parseXml(new TextEncoder().encode(text));

describe('safe XML parsing', () => {
  it('strips prefixes, resolves namespaces and keeps values as written', () => {
    const result = parse('<p:Doc xmlns:p="urn:a" xmlns="urn:b"><Amount currencyID="EUR"> 0012 </Amount><p:Rate>1.10</p:Rate></p:Doc>');

    expect(result.ok && result.root.ns).toBe('urn:a');
    if (!result.ok) throw new Error(result.reason);
    expect(find(result.root, 'Amount')).toMatchObject({ ns: 'urn:b', text: '0012', attrs: { currencyID: 'EUR' } });
    expect(textAt(result.root, 'Rate')).toBe('1.10');
  });

  it.each([
    { case: 'predefined entities', text: 'A &amp; B &lt;C&gt; &quot;d&quot; &apos;e&apos;', expected: 'A & B <C> "d" \'e\'' },
    { case: 'character references', text: '&#169; &#xE9;', expected: '© é' },
    { case: 'unknown entities stay literal', text: '&lol9; &nbsp;', expected: '&lol9; &nbsp;' },
  ])('decodes $case only', ({ text, expected }) => {
    expect(decodeEntities(text)).toBe(expected);
  });

  it.each([
    { case: 'ISO-8859-1 declared', bytes: Uint8Array.from([...new TextEncoder().encode('<?xml version="1.0" encoding="ISO-8859-1"?><a>M'), 0xfc, ...new TextEncoder().encode('ller</a>')]), expected: 'Müller' },
    { case: 'UTF-16LE with a BOM', bytes: Uint8Array.from([0xff, 0xfe, ...[...'<a>é</a>'].flatMap((c) => [c.charCodeAt(0), 0])]), expected: 'é' },
  ])('decodes $case', ({ bytes, expected }) => {
    const result = parseXml(bytes);

    expect(result.ok && result.root.text).toBe(expected);
  });

  it.each([
    { case: 'an unknown encoding', text: '<?xml version="1.0" encoding="UTF-8-W/O-BOM"?><a/>', reason: 'not well-formed XML: unknown encoding "UTF-8-W/O-BOM"' },
    { case: 'mismatched tags', text: '<a><b></a>', reason: 'not well-formed XML' },
    { case: 'a DOCTYPE', text: '<!DOCTYPE a><a/>', reason: 'XML with a DOCTYPE declaration is refused' },
  ])('refuses $case', ({ text, reason }) => {
    const result = parse(text);

    expect(result.ok ? 'parsed' : result.reason).toContain(reason);
  });

  it.each([
    { case: 'self-closing elements do not nest', text: '<a><b/><b/><c><d/></c></a>', expected: 3 },
    { case: 'comments, CDATA and quoted ">" are skipped', text: '<a x=">"><!-- <b><b> --><![CDATA[<c><c>]]><d/></a>', expected: 2 },
  ])('measures depth: $case', ({ text, expected }) => {
    expect(maxDepthOf(text, 64)).toBe(expected);
  });
});
