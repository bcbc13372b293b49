/**
 * DocumentTextSource on Amazon Textract, for scans and photos (a PDF with a text layer never
 * comes here: its own text is cheaper and exact). The asynchronous expense analysis
 * (`StartExpenseAnalysis` / `GetExpenseAnalysis`) reads multi-page PDFs, TIFF, PNG and JPEG
 * from S3 and returns both the page's lines (with their position, for the layout the model
 * sees) and Textract's own invoice fields (given to the model as hints, never as facts).
 *
 * 1. Start the job with a client request token derived from the document's hash: a retried
 *    task gets the same job back instead of paying for a second analysis.
 * 2. Poll with backoff until the job is done; past the deadline, a TransientError lets the
 *    state machine retry the task (which finds the same job).
 * 3. Page through the result and map LINE blocks and summary fields to the port's terms.
 */
import {
  GetExpenseAnalysisCommand,
  StartExpenseAnalysisCommand,
  TextractClient,
  type Block,
  type GetExpenseAnalysisCommandOutput,
  type StartExpenseAnalysisCommandOutput,
} from '@aws-sdk/client-textract';
import { OcrFailedError, type DocumentRef, type DocumentText, type DocumentTextSource, type FieldHint, type LayoutLine, type LayoutPage } from '../../core/ports/extractor.ts';
import { TransientError } from '../../shared/errors.ts';

/** The part of the Textract client this adapter uses (tests pass a fake). */
export interface TextractLike {
  send(command: StartExpenseAnalysisCommand): Promise<StartExpenseAnalysisCommandOutput>;
  send(command: GetExpenseAnalysisCommand): Promise<GetExpenseAnalysisCommandOutput>;
}

export interface TextractOptions {
  /** The bucket the document store writes to (Textract reads the document there). */
  readonly bucket: string;
  readonly client?: TextractLike;
  /** First poll after this many ms, then doubling up to `maxPollMs`. @default 1000 */
  readonly pollMs?: number;
  /** @default 5000 */
  readonly maxPollMs?: number;
  /** Give up polling (and let the task be retried) after this many ms. @default 240000 */
  readonly deadlineMs?: number;
  readonly sleep?: (ms: number) => Promise<void>;
  readonly now?: () => number;
}

export class TextractTextSource implements DocumentTextSource {
  private readonly client: TextractLike;

  constructor(private readonly options: TextractOptions) {
    this.client = options.client ?? (new TextractClient({}) as unknown as TextractLike);
  }

  async textOf(doc: DocumentRef): Promise<DocumentText> {
    const started = await this.client.send(
      new StartExpenseAnalysisCommand({
        DocumentLocation: { S3Object: { Bucket: this.options.bucket, Name: doc.key } },
        // Same document, same job: the token makes a retried start return the job already running.
        ClientRequestToken: `bm-${doc.hash.slice(0, 60)}`,
        JobTag: 'bill-matcher',
      }),
    );
    const jobId = started.JobId;
    if (!jobId) throw new OcrFailedError('Textract started no job');
    const pages = await this.collect(jobId);
    return toDocumentText(pages);
  }

  private async collect(jobId: string): Promise<GetExpenseAnalysisCommandOutput[]> {
    const sleep = this.options.sleep ?? ((ms: number) => new Promise<void>((r) => setTimeout(r, ms)));
    const now = this.options.now ?? Date.now;
    const deadline = now() + (this.options.deadlineMs ?? 240_000);
    let wait = this.options.pollMs ?? 1000;
    let first: GetExpenseAnalysisCommandOutput;
    for (;;) {
      first = await this.client.send(new GetExpenseAnalysisCommand({ JobId: jobId, MaxResults: 20 }));
      if (first.JobStatus === 'SUCCEEDED' || first.JobStatus === 'PARTIAL_SUCCESS') break;
      if (first.JobStatus === 'FAILED') throw new OcrFailedError(first.StatusMessage ?? 'Textract could not analyse the document');
      if (now() + wait > deadline) throw new TransientError(`Textract job ${jobId} still ${first.JobStatus ?? 'pending'}; the task will be retried`);
      await sleep(wait);
      wait = Math.min(wait * 2, this.options.maxPollMs ?? 5000);
    }
    const out = [first];
    let next = first.NextToken;
    while (next) {
      const page = await this.client.send(new GetExpenseAnalysisCommand({ JobId: jobId, MaxResults: 20, NextToken: next }));
      out.push(page);
      next = page.NextToken;
    }
    return out;
  }
}

/** Textract's expense analysis as document text: LINE blocks by page with their boxes, and the summary fields as hints. */
export function toDocumentText(results: readonly GetExpenseAnalysisCommandOutput[]): DocumentText {
  const byPage = new Map<number, LayoutLine[]>();
  const hints: FieldHint[] = [];
  let pageCount = 0;
  for (const r of results) {
    pageCount = Math.max(pageCount, r.DocumentMetadata?.Pages ?? 0);
    for (const doc of r.ExpenseDocuments ?? []) {
      for (const block of doc.Blocks ?? []) {
        const line = lineOf(block);
        if (!line) continue;
        const page = block.Page ?? 1;
        byPage.set(page, [...(byPage.get(page) ?? []), line]);
      }
      for (const f of doc.SummaryFields ?? []) {
        const value = f.ValueDetection?.Text?.trim();
        if (!value) continue;
        hints.push({
          type: f.Type?.Text ?? 'OTHER',
          label: f.LabelDetection?.Text?.trim() || null,
          value,
          confidence: f.ValueDetection?.Confidence === undefined ? null : f.ValueDetection.Confidence / 100,
          page: f.PageNumber ?? null,
        });
      }
    }
  }
  const pages: LayoutPage[] = [...byPage.entries()].sort((a, b) => a[0] - b[0]).map(([page, lines]) => ({ page, lines }));
  return { source: 'textract', pageCount: Math.max(pageCount, pages.length), pages, hints };
}

function lineOf(block: Block): LayoutLine | null {
  if (block.BlockType !== 'LINE' || !block.Text) return null;
  const box = block.Geometry?.BoundingBox;
  return {
    text: block.Text,
    left: box?.Left ?? 0,
    top: box?.Top ?? 0,
    width: box?.Width ?? 0,
    height: box?.Height ?? 0,
    ...(block.Confidence === undefined ? {} : { confidence: block.Confidence / 100 }),
  };
}
