/** Extraction usage as CloudWatch metrics (EMF): pages and tokens by model and text source. */
import { Metrics } from '@aws-lambda-powertools/metrics';
import { afterEach, describe, expect, it, vi } from 'vitest';
import { publishUsage } from '../../../lambdas/adapters/aws/extraction-deps.ts';

afterEach(() => {
  vi.unstubAllEnvs();
  vi.restoreAllMocks();
});

describe('publishUsage', () => {
  it('emits one EMF record per bill with the pages and tokens, by model and text source', () => {
    vi.stubEnv('AWS_LAMBDA_FUNCTION_NAME', 'extract');
    vi.stubEnv('POWERTOOLS_DEV', 'false');
    const lines: string[] = [];
    vi.spyOn(process.stdout, 'write').mockImplementation((chunk: string | Uint8Array) => (lines.push(String(chunk)), true));
    const metrics = new Metrics({ namespace: 'BillMatcher', serviceName: 'bill-matcher' });
    const usage = { text_source: 'textract', pages: 2, model_id: 'eu.anthropic.claude-haiku-4-5-20251001-v1:0', attempts: 2, input_tokens: 5100, output_tokens: 1200, cache_read_input_tokens: 0, cache_write_input_tokens: 0 } as const;

    publishUsage(metrics, usage);
    publishUsage(metrics, { ...usage, text_source: 'pdf-text-layer', pages: 1, model_id: 'eu.anthropic.claude-sonnet-4-5-20250929-v1:0' });

    const records = lines.map((l) => JSON.parse(l) as Record<string, unknown> & { _aws: { CloudWatchMetrics: { Namespace: string; Dimensions: string[][] }[] } });
    expect(records).toHaveLength(2);
    expect(records[0]).toMatchObject({ ModelId: usage.model_id, TextSource: 'textract', ExtractionPages: 2, ExtractionAttempts: 2, ExtractionInputTokens: 5100, ExtractionOutputTokens: 1200 });
    expect(records[0]!._aws.CloudWatchMetrics[0]).toMatchObject({ Namespace: 'BillMatcher' });
    expect(records[0]!._aws.CloudWatchMetrics[0]!.Dimensions[0]).toEqual(expect.arrayContaining(['ModelId', 'TextSource']));
    // The second bill's dimensions are its own, not left over from the first.
    expect(records[1]).toMatchObject({ ModelId: 'eu.anthropic.claude-sonnet-4-5-20250929-v1:0', TextSource: 'pdf-text-layer', ExtractionPages: 1 });
  });
});
