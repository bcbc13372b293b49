import { zipSync } from 'fflate';
import { describe, expect, it, vi } from 'vitest';
import { exception } from '../../../lambdas/core/exceptions.ts';
import { sha256Hex } from '../../../lambdas/readers/hash.ts';
import type { ReadInput, ReadResult } from '../../../lambdas/readers/types.ts';
import { readZip, safeUnzip, ZIP_LIMITS, type UnzipResult } from '../../../lambdas/readers/zip.ts';
import { buildZip, zeroBomb } from './zip-builder.ts';

const text = (s: string) => new TextEncoder().encode(s);
const invoiceXml = (n: string) => text(`<?xml version="1.0"?><Invoice><cbc:ID>${n}</cbc:ID></Invoice>`);

/** Stands in for readDocument: XML with `<Invoice` is a bill, anything else is not. */
async function fakeReader(input: ReadInput): Promise<ReadResult[]> {
  const body = new TextDecoder().decode(input.bytes);
  const number = /<cbc:ID>([^<]+)<\/cbc:ID>/.exec(body)?.[1] ?? null;
  const documentHash = sha256Hex(input.bytes);
  if (body.includes('<Invoice')) return [{ part: 0, format: 'fake-xml', bill: { invoice_number: number }, exceptions: [], documentHash }];
  return [{ part: 0, format: 'unknown', bill: null, exceptions: [exception('UNREADABLE', 'not a bill')], documentHash }];
}

function refusal(result: UnzipResult): string {
  if (!('refused' in result)) throw new Error(`expected a refusal, got ${result.files.length} files`);
  return result.refused;
}

describe('safeUnzip', () => {
  it('returns the files of an ordinary zip, skipping directories and __MACOSX', () => {
    // Arrange
    const zip = zipSync({
      'bills/': new Uint8Array(0),
      'bills/a.xml': invoiceXml('A-1'),
      'bills/b.xml': invoiceXml('B-2'),
      '__MACOSX/bills/._a.xml': text('resource fork'),
    });

    // Act
    const result = safeUnzip(zip);

    // Assert
    expect('files' in result && result.files.map((f) => f.name)).toEqual(['bills/a.xml', 'bills/b.xml']);
    expect('files' in result && new TextDecoder().decode(result.files[0]!.bytes)).toContain('A-1');
  });

  it('reads stored (uncompressed) entries', () => {
    const zip = buildZip([{ name: 'a.xml', data: invoiceXml('S-1'), method: 0 }]);

    const result = safeUnzip(zip);

    expect('files' in result && result.files[0]!.bytes).toEqual(invoiceXml('S-1'));
  });

  it('refuses a zip bomb (200 MB of zeros) from its central directory, naming the limit', () => {
    const result = safeUnzip(zeroBomb());

    expect(refusal(result)).toBe('entry zeros.xml declares 200 MB uncompressed, over the 20 MB limit per entry');
  });

  it('refuses an entry whose compression ratio is over 100:1', () => {
    const zip = buildZip([{ name: 'padded.csv', data: new Uint8Array(5 * 1024 * 1024) }]);

    expect(refusal(safeUnzip(zip))).toMatch(/^entry padded\.csv compresses \d+:1, over the 100:1 compression ratio limit$/);
  });

  it('stops inflating an entry whose declared size lies', () => {
    // Declares 1,000 bytes (ratio looks harmless) but inflates to 200 MB.
    const zip = buildZip([{ name: 'liar.xml', data: new Uint8Array(200 * 1024 * 1024), declaredSize: 1000 }]);

    expect(refusal(safeUnzip(zip))).toBe('entry liar.xml inflates beyond the 1000 bytes it declares (a zip bomb?)');
  });

  it('refuses when the entries together declare more than the total limit', () => {
    const zip = buildZip(['a', 'b', 'c'].map((n) => ({ name: `${n}.xml`, data: invoiceXml(n) })));
    const limits = { ...ZIP_LIMITS, maxTotalBytes: 100 };

    expect(refusal(safeUnzip(zip, limits))).toMatch(/in total, over the limit per archive$/);
  });

  it('refuses more than 100 entries before reading any', () => {
    const zip = buildZip(Array.from({ length: 101 }, (_, i) => ({ name: `${i}.xml`, data: invoiceXml(String(i)) })));

    expect(refusal(safeUnzip(zip))).toBe('101 entries, over the limit of 100 per archive');
  });

  it.each([
    { case: 'encrypted entry', entry: { name: 'a.xml', data: invoiceXml('1'), flags: 0x1 }, reason: 'entry a.xml is encrypted' },
    {
      case: 'nested zip',
      entry: { name: 'inner.zip', data: zipSync({ 'a.xml': invoiceXml('1') }) },
      reason: 'entry inner.zip is a zip inside the zip: nested archives are not read',
    },
    {
      case: 'unsupported method',
      entry: { name: 'a.xml', data: invoiceXml('1'), method: 12 },
      reason: 'entry a.xml uses compression method 12; only stored and deflate are read',
    },
    {
      case: 'CRC mismatch',
      entry: { name: 'a.xml', data: invoiceXml('1'), crc: 0x1234 },
      reason: 'corrupt zip: entry a.xml fails its CRC-32 check',
    },
  ])('refuses an archive with an $case', ({ entry, reason }) => {
    expect(refusal(safeUnzip(buildZip([entry])))).toBe(reason);
  });

  it.each([
    { case: 'not a zip', bytes: text('just some text'), reason: 'not a zip archive (no central directory)' },
    { case: 'empty input', bytes: new Uint8Array(0), reason: 'not a zip archive (no central directory)' },
    {
      case: 'a truncated zip',
      bytes: (() => {
        const zip = buildZip([{ name: 'a.xml', data: invoiceXml('1') }]);
        return new Uint8Array([...zip.subarray(0, 20), ...zip.subarray(zip.length - 70)]);
      })(),
      reason: /^corrupt zip/,
    },
  ])('refuses $case without throwing', ({ bytes, reason }) => {
    expect(refusal(safeUnzip(bytes))).toMatch(reason);
  });
});

describe('readZip', () => {
  it('reads every bill in a zip given directly, as numbered parts', async () => {
    const zip = zipSync({ 'a.xml': invoiceXml('A-1'), 'b.xml': invoiceXml('B-2'), 'readme.txt': text('hello') });

    const results = await readZip({ bytes: zip, filename: 'bills.zip' }, fakeReader);

    expect(results.map((r) => [r.part, r.origin, r.bill?.invoice_number])).toEqual([
      [0, 'bills.zip > a.xml', 'A-1'],
      [1, 'bills.zip > b.xml', 'B-2'],
    ]);
    expect(results[1]!.documentHash).toBe(sha256Hex(invoiceXml('B-2')));
  });

  it('gives one UNREADABLE result for a zip without a bill file, listing its entries', async () => {
    const zip = zipSync({ 'readme.txt': text('hello'), 'logo.png': new Uint8Array([0x89, 0x50]) });
    const reader = vi.fn(fakeReader);

    const results = await readZip({ bytes: zip, filename: 'bills.zip' }, reader);

    expect(reader).not.toHaveBeenCalled();
    expect(results).toEqual([
      {
        part: 0,
        format: 'zip',
        bill: null,
        documentHash: sha256Hex(zip),
        exceptions: [exception('UNREADABLE', 'bills.zip: zip has no bill file (entries: bills.zip > readme.txt (not a bill format), bills.zip > logo.png (not a bill format))')],
      },
    ]);
  });

  it('turns a refused zip into one UNREADABLE result naming the archive', async () => {
    const bomb = zeroBomb();

    const results = await readZip({ bytes: bomb, filename: 'bomb.zip' }, fakeReader);

    expect(results).toHaveLength(1);
    expect(results[0]).toMatchObject({ part: 0, format: 'zip', bill: null, documentHash: sha256Hex(bomb) });
    expect(results[0]!.exceptions[0]!.message).toBe('bomb.zip: entry zeros.xml declares 200 MB uncompressed, over the 20 MB limit per entry');
  });
});
