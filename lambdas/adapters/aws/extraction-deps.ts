/**
 * The real dependencies of the ExtractScannedParts task, built once per container from the
 * environment: Textract for OCR, Bedrock for the model, S3 for the documents, the policy's
 * confidence threshold from the table, and usage published as CloudWatch metrics (EMF).
 * Null when the extraction path is not configured (BM_EXTRACTION_MODEL_ID unset): the task
 * then keeps what the local reader read and sends scans to review.
 */
import { Metrics, MetricUnit } from '@aws-lambda-powertools/metrics';
import { BedrockRuntimeClient } from '@aws-sdk/client-bedrock-runtime';
import { TextractClient } from '@aws-sdk/client-textract';
import { config } from '../../config.ts';
import type { ExtractDeps } from '../../core/extract-parts.ts';
import type { ExtractionUsage } from '../../core/ports/extractor.ts';
import { METRICS_NAMESPACE, SERVICE_NAME, traced } from '../../shared/powertools.ts';
import { BedrockInvoiceModel, modelChooser } from './bedrock.ts';
import { awsDeps } from './deps.ts';
import { S3DocumentStore } from './s3-documents.ts';
import { TextractTextSource, type TextractLike } from './textract.ts';

let cached: ExtractDeps | null | undefined;

export function awsExtractionDeps(): ExtractDeps | null {
  if (cached !== undefined) return cached;
  if (!config.extractionEnabled) return (cached = null);
  const metrics = new Metrics({ namespace: METRICS_NAMESPACE, serviceName: SERVICE_NAME });
  cached = {
    documents: new S3DocumentStore(config.documentBucket),
    ocr: new TextractTextSource({ bucket: config.documentBucket, client: traced(new TextractClient({})) as unknown as TextractLike }),
    model: new BedrockInvoiceModel({ client: traced(new BedrockRuntimeClient({})) }),
    modelFor: modelChooser(config.extractionModelId, config.extractionSupplierModels),
    confidenceThreshold: async () => (await awsDeps().store.policy()).confidence_threshold,
    recordUsage: (usage) => publishUsage(metrics, usage),
  };
  return cached;
}

/** One bill's pages and tokens, by model and text source (for the cost dashboard). */
export function publishUsage(metrics: Metrics, u: ExtractionUsage): void {
  metrics.addDimensions({ ModelId: u.model_id, TextSource: u.text_source });
  metrics.addMetric('ExtractionPages', MetricUnit.Count, u.pages);
  metrics.addMetric('ExtractionAttempts', MetricUnit.Count, u.attempts);
  metrics.addMetric('ExtractionInputTokens', MetricUnit.Count, u.input_tokens);
  metrics.addMetric('ExtractionOutputTokens', MetricUnit.Count, u.output_tokens);
  metrics.addMetric('ExtractionCacheReadInputTokens', MetricUnit.Count, u.cache_read_input_tokens);
  metrics.addMetric('ExtractionCacheWriteInputTokens', MetricUnit.Count, u.cache_write_input_tokens);
  metrics.publishStoredMetrics();
}
