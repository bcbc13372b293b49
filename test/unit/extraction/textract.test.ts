import type { GetExpenseAnalysisCommandOutput } from '@aws-sdk/client-textract';
import { describe, expect, it } from 'vitest';
import { TextractTextSource, toDocumentText } from '../../../lambdas/adapters/aws/textract.ts';
import { renderDocumentText } from '../../../lambdas/core/extraction.ts';
import type { DocumentRef } from '../../../lambdas/core/ports/extractor.ts';

const doc: DocumentRef = { key: 'extraction/abc.png', bytes: new Uint8Array([1]), mediaType: 'image/png', hash: 'a'.repeat(64) };

const line = (text: string, left: number, top: number, page = 1) => ({
  BlockType: 'LINE' as const,
  Text: text,
  Confidence: 99.1,
  Page: page,
  Geometry: { BoundingBox: { Left: left, Top: top, Width: 0.2, Height: 0.015 } },
});

const page1: GetExpenseAnalysisCommandOutput = {
  $metadata: {},
  JobStatus: 'SUCCEEDED',
  DocumentMetadata: { Pages: 2 },
  NextToken: 'page-2',
  ExpenseDocuments: [
    {
      ExpenseIndex: 1,
      Blocks: [line('Rechnungsnummer: INV-1001', 0.6, 0.15), line('Acme GmbH', 0.08, 0.06), { BlockType: 'WORD', Text: 'Acme', Page: 1 }],
      SummaryFields: [{ Type: { Text: 'INVOICE_RECEIPT_ID', Confidence: 98 }, LabelDetection: { Text: 'Rechnungsnummer:' }, ValueDetection: { Text: 'INV-1001', Confidence: 97.5 }, PageNumber: 1 }],
    },
  ],
};
const page2: GetExpenseAnalysisCommandOutput = {
  $metadata: {},
  JobStatus: 'SUCCEEDED',
  ExpenseDocuments: [{ ExpenseIndex: 1, Blocks: [line('Gesamtbetrag 148,75 EUR', 0.6, 0.5, 2)], SummaryFields: [{ Type: { Text: 'TOTAL' }, ValueDetection: { Text: '148,75', Confidence: 95 }, PageNumber: 2 }] }],
};

function fakeTextract(gets: GetExpenseAnalysisCommandOutput[]) {
  const sent: { name: string; input: Record<string, unknown> }[] = [];
  return {
    sent,
    client: {
      async send(command: { constructor: { name: string }; input: Record<string, unknown> }) {
        sent.push({ name: command.constructor.name, input: command.input });
        if (command.constructor.name === 'StartExpenseAnalysisCommand') return { $metadata: {}, JobId: 'job-1' };
        const next = gets.shift();
        if (!next) throw new Error('no more recorded GetExpenseAnalysis responses');
        return next;
      },
    },
  };
}

describe('Textract (asynchronous expense analysis)', () => {
  it('starts one idempotent job, polls with backoff until it is done, and pages through the result', async () => {
    const fake = fakeTextract([{ $metadata: {}, JobStatus: 'IN_PROGRESS' }, { $metadata: {}, JobStatus: 'IN_PROGRESS' }, page1, page2]);
    const waits: number[] = [];
    const source = new TextractTextSource({ bucket: 'docs', client: fake.client as never, pollMs: 500, sleep: async (ms) => void waits.push(ms) });

    const text = await source.textOf(doc);

    expect(fake.sent[0]).toEqual({
      name: 'StartExpenseAnalysisCommand',
      input: { DocumentLocation: { S3Object: { Bucket: 'docs', Name: 'extraction/abc.png' } }, ClientRequestToken: `bm-${'a'.repeat(60)}`, JobTag: 'bill-matcher' },
    });
    expect(fake.sent.slice(1).map((s) => s.input['NextToken'])).toEqual([undefined, undefined, undefined, 'page-2']);
    expect(waits).toEqual([500, 1000]);
    expect(text.source).toBe('textract');
    expect(text.pageCount).toBe(2);
    expect(text.pages.map((p) => p.lines.map((l) => l.text))).toEqual([['Rechnungsnummer: INV-1001', 'Acme GmbH'], ['Gesamtbetrag 148,75 EUR']]);
    expect(text.pages[0]?.lines[0]).toMatchObject({ left: 0.6, top: 0.15, confidence: 0.991 });
    expect(text.hints).toEqual([
      { type: 'INVOICE_RECEIPT_ID', label: 'Rechnungsnummer:', value: 'INV-1001', confidence: 0.975, page: 1 },
      { type: 'TOTAL', label: null, value: '148,75', confidence: 0.95, page: 2 },
    ]);
  });

  it('a failed job is final (OcrFailedError); a job still running past the deadline is a TransientError', async () => {
    const failed = new TextractTextSource({ bucket: 'docs', client: fakeTextract([{ $metadata: {}, JobStatus: 'FAILED', StatusMessage: 'UNSUPPORTED_DOCUMENT' }]).client as never });
    await expect(failed.textOf(doc)).rejects.toMatchObject({ name: 'OcrFailedError', message: 'UNSUPPORTED_DOCUMENT' });

    let clock = 0;
    const slow = new TextractTextSource({
      bucket: 'docs',
      client: fakeTextract(Array.from({ length: 10 }, () => ({ $metadata: {}, JobStatus: 'IN_PROGRESS' as const }))).client as never,
      deadlineMs: 3000,
      now: () => clock,
      sleep: async (ms) => void (clock += ms),
    });
    await expect(slow.textOf(doc)).rejects.toMatchObject({ name: 'TransientError' });
  });

  it('lays the lines out for the model as on the page', () => {
    const text = renderDocumentText(toDocumentText([page1, page2]));

    expect(text.split('\n')).toEqual([
      '--- page 1 of 2 ---',
      '         Acme GmbH',
      '                                                                  Rechnungsnummer: INV-1001',
      '--- page 2 of 2 ---',
      '                                                                  Gesamtbetrag 148,75 EUR',
    ]);
  });
});
