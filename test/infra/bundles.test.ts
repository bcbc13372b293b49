/**
 * The reader function as Lambda runs it: bundled exactly as `BillFunction` bundles it, in a folder
 * of its own (only the AWS SDK, which the runtime provides, resolvable from outside), fed a
 * text-layer PDF, a Factur-X PDF and an email in a double-byte charset. This is what proves that
 * pdf.js, its worker and the charset tables are found beside the bundle. And every function's
 * bundle loads and runs its Lambda entry (Powertools on) as Lambda would.
 */
import { existsSync, mkdirSync, mkdtempSync, readFileSync, rmSync, symlinkSync } from 'node:fs';
import { createRequire } from 'node:module';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { pathToFileURL } from 'node:url';
import iconv from 'iconv-lite';
import { afterAll, beforeAll, describe, expect, it, vi } from 'vitest';
import { BILL_FUNCTIONS, bundleFunction, CHARSET_TABLES, ON_DEMAND_FILES, PROJECT_ROOT, SUMMARY_FILES, type BillFunctionName } from '../../lib/bundle.ts';
import type { OutgoingEmail } from '../../lambdas/core/ports/mailer.ts';
import { master } from '../support/builders.ts';
import { fixtureBytes, pdfWith } from '../unit/readers/support.ts';
import { pdfWithText, rowsToItems } from '../unit/extraction/support.ts';

/** A German bill as printed: sender line, labels, a line table, totals, the legal footer (points). */
const GERMAN_BILL = rowsToItems([
  [60, [[50, 'Acme GmbH · Industriestraße 1 · 10115 Berlin']]],
  [110, [[50, 'Example Ltd'], [360, 'Rechnungsnummer:'], [470, 'INV-1001']]],
  [124, [[360, 'Rechnungsdatum:'], [470, '02.03.2026']]],
  [138, [[360, 'Bestellnummer:'], [470, 'PO-7001']]],
  [240, [[50, 'Pos'], [80, 'Menge'], [130, 'Beschreibung'], [380, 'Einzelpreis'], [490, 'Gesamt']]],
  [258, [[50, '1'], [85, '10'], [130, 'Widget'], [390, '12,50'], [495, '125,00']]],
  [320, [[380, 'Nettobetrag'], [490, '125,00 €']]],
  [334, [[380, 'USt. 19 %'], [490, '23,75 €']]],
  [348, [[380, 'Gesamtbetrag'], [490, '148,75 €']]],
  [780, [[50, 'Acme GmbH'], [250, 'USt-IdNr. DE123456789']]],
]).concat([{ x: 50, y: 200, text: 'Rechnung', size: 16 }]);

interface Outcome {
  parts: { format: string; bill: Record<string, unknown> | null; exceptions: { message: string }[]; email: Record<string, unknown> | null }[];
}
type Handler = (event: unknown) => Promise<Outcome>;

// One folder for every bundle, each built once; the Lambda runtime provides the AWS SDK v3 and
// nothing else of the project is reachable from there.
const dir = mkdtempSync(join(tmpdir(), 'bm-bundle-test-'));
mkdirSync(join(dir, 'node_modules'));
symlinkSync(join(PROJECT_ROOT, 'node_modules', '@aws-sdk'), join(dir, 'node_modules', '@aws-sdk'));
afterAll(() => rmSync(dir, { recursive: true, force: true }));
const built = new Map<BillFunctionName, Promise<string>>();
/** The URL of a function's bundle, built on first use. */
function bundled(name: BillFunctionName): Promise<string> {
  if (!built.has(name)) built.set(name, bundleFunction(name, join(dir, name)).then(() => pathToFileURL(join(dir, name, 'index.mjs')).href));
  return built.get(name)!;
}

describe('the read-document bundle', () => {
  let documents: Map<string, Uint8Array>;
  let read: (name: string, bytes: Uint8Array) => Promise<Outcome>;

  beforeAll(async () => {
    const mod = (await import(await bundled('read-document'))) as { makeHandler(deps: unknown): Handler };
    documents = new Map();
    const handler = mod.makeHandler({ documents: { get: async (key: string) => documents.get(key) ?? null, put: async (key: string, b: Uint8Array) => void documents.set(key, b) } });
    read = async (name, bytes) => {
      documents.set(name, bytes);
      // The handler stores the parts and returns their key (payloads by reference): read them back.
      const ref = (await handler({ submission: { id: name, document_key: name, name, submitter: null, received_at: '2026-03-02T09:00:00Z' } })) as unknown as { parts_key: string; parts: number[] };
      return { parts: ref.parts.map((n) => JSON.parse(new TextDecoder().decode(documents.get(`${ref.parts_key}/${n}.json`)!))) } as Outcome;
    };
  }, 120_000);

  it('ships every on-demand file beside the bundle', () => {
    for (const f of ON_DEMAND_FILES) expect(existsSync(join(dir, 'read-document', f.to)), f.to).toBe(true);
  });

  it('reads a PDF by its text layer with pdf.js loaded from beside the bundle', async () => {
    const out = await read('acme.pdf', await pdfWithText([GERMAN_BILL]));
    expect(out.parts).toHaveLength(1);
    expect(out.parts[0]!.format).toBe('pdf-text');
    expect(out.parts[0]!.bill).toMatchObject({ invoice_number: 'INV-1001', total: '148.75', currency: 'EUR' });
  });

  it('reads the invoice embedded in a Factur-X PDF', async () => {
    const out = await read('facturx.pdf', await pdfWith([{ name: 'factur-x.xml', bytes: fixtureBytes('cii-invoice.xml') }]));
    expect(out.parts.map((p) => p.format)).toEqual(['facturx']);
    expect(out.parts[0]!.bill).not.toBeNull();
  });

  it('decodes an email in a double-byte charset with the tables from beside the bundle', async () => {
    const subject = `=?GB2312?B?${iconv.encode('发票 INV-7', 'gb2312').toString('base64')}?=`;
    const body = iconv.encode('请查收附件中的发票。', 'gb2312').toString('base64');
    const ubl = Buffer.from(fixtureBytes('ubl-invoice.xml')).toString('base64');
    const mime = [
      'From: billing@supplier.example',
      'To: bills@example.com',
      `Subject: ${subject}`,
      'Message-ID: <cjk-1@supplier.example>',
      'MIME-Version: 1.0',
      'Content-Type: multipart/mixed; boundary="b1"',
      '',
      '--b1',
      'Content-Type: text/plain; charset=GB2312',
      'Content-Transfer-Encoding: base64',
      '',
      body,
      '--b1',
      'Content-Type: application/xml; name="invoice.xml"',
      'Content-Disposition: attachment; filename="invoice.xml"',
      'Content-Transfer-Encoding: base64',
      '',
      ubl,
      '--b1--',
      '',
    ].join('\r\n');
    const out = await read('cjk.eml', new TextEncoder().encode(mime));
    expect(out.parts.map((p) => p.format)).toEqual(['ubl']);
    expect(out.parts[0]!.email).toMatchObject({ subject: '发票 INV-7' });
  });
});

describe('the summary bundle', () => {
  it('ships resvg\'s WebAssembly and the font beside the bundle, and draws the month\'s chart from them', async () => {
    const mod = (await import(await bundled('summary'))) as {
      makeHandler(deps: unknown): (e: unknown) => Promise<{ status: string }>;
      WasmChartRenderer: new () => unknown;
    };
    for (const f of SUMMARY_FILES) expect(existsSync(join(dir, 'summary', f.to)), f.to).toBe(true);
    const sent: OutgoingEmail[] = [];
    const store = {
      policy: async () => master().policy,
      monthItems: async () => ({ bills: [], events: [] }),
      listBills: async () => [],
      claimSummary: async () => 'claimed',
      summarySent: async () => undefined,
    };
    const handler = mod.makeHandler({
      store,
      mailer: { send: async (e: OutgoingEmail) => (sent.push(e), { messageId: 'm-1' }) },
      chart: new mod.WasmChartRenderer(),
      model: null,
      modelId: null,
      recipients: ['finance@example.com'],
      now: () => Date.parse('2026-04-06T09:00:00+02:00'),
      runId: () => 'run-1',
      onChartError: (err: unknown) => {
        throw err;
      },
    });
    expect(await handler({})).toMatchObject({ status: 'sent', month: '2026-03' });
    const png = sent[0]!.attachments!.find((a) => a.contentType === 'image/png')!.content;
    expect(Buffer.from(png).readUInt32BE(16)).toBe(1200);
  }, 120_000);
});

describe('the ack bundle', () => {
  it('ships the double-byte charset tables beside the bundle, not in it (the original document is found in its email)', async () => {
    const url = await bundled('ack');
    for (const f of CHARSET_TABLES) expect(existsSync(join(dir, 'ack', f.to)), f.to).toBe(true);
    // iconv-lite's require of a table stays a require by path (bundled, it would be inlined), and that
    // path resolves beside the bundle, as the bundle's own require resolves it.
    expect(readFileSync(new URL(url), 'utf8')).toMatch(/\("\.\/tables\/shiftjis\.json"\)/);
    expect(createRequire(url)('./tables/shiftjis.json')).toEqual(expect.arrayContaining([expect.arrayContaining(['8140'])]));
  }, 120_000);
});

describe('every function bundle', () => {
  afterAll(() => {
    vi.unstubAllEnvs();
    vi.restoreAllMocks();
  });

  it.each(BILL_FUNCTIONS.map((name) => ({ name })))('$name loads and its Lambda entry answers a malformed event by its schema or its configuration', async ({ name }) => {
    const url = await bundled(name);
    vi.stubEnv('AWS_LAMBDA_FUNCTION_NAME', name);
    vi.stubEnv('POWERTOOLS_TRACE_ENABLED', 'false');
    vi.stubEnv('AWS_REGION', 'eu-west-1');
    const lines: string[] = [];
    const keep = (chunk: string | Uint8Array) => (lines.push(String(chunk)), true);
    const out = vi.spyOn(process.stdout, 'write').mockImplementation(keep);
    const err = vi.spyOn(process.stderr, 'write').mockImplementation(keep);
    try {
      const mod = (await import(url)) as { handler: (e: unknown, c: unknown) => Promise<unknown> };
      const outcome = await mod.handler({ nonsense: true }, { functionName: name, awsRequestId: 'req-1' }).then(
        () => 'answered',
        (err: Error) => err.name,
      );
      expect(['answered', 'ZodError', 'ConfigError']).toContain(outcome);
    } finally {
      out.mockRestore();
      err.mockRestore();
    }
    // Powertools is on: the structured log names the handler.
    expect(lines.join('')).toContain(`"handler":"${name}"`);
  }, 60_000);
});
