/**
 * Task ExtractScannedParts: reads the parts that need OCR or a model (scans, photos, PDFs read
 * by their text layer). With the extraction path configured (BM_EXTRACTION_MODEL_ID), scans go
 * through Textract and the model, and an uncertain text-layer read is read again by the model;
 * without it, text-layer reads stay as read and scans go to review with the reason
 * "needs OCR (Textract) — not available offline".
 */
import * as z from 'zod';
import { extractParts, type ExtractDeps } from '../core/extract-parts.ts';
import type { DocumentStore } from '../core/ports/documents.ts';
import { loadParts, partsPrefix, partsRefSchema, storeParts, type PartsRef } from '../core/parts.ts';
import { submissionSchema } from '../core/submission-schema.ts';
import { awsDeps } from '../adapters/aws/deps.ts';
import { awsExtractionDeps } from '../adapters/aws/extraction-deps.ts';
import { task } from '../shared/errors.ts';
import { lambdaEntry, workflowKeys } from '../shared/powertools.ts';

export const extractEvent = z.object({
  submission: submissionSchema,
  /** The parts ReadDocument stored, by reference. */
  read: partsRefSchema,
});

/**
 * `deps`: the extraction dependencies, null for none (offline), or omitted to take them from
 * the environment on first use (null when the path is not configured, as on a laptop).
 */
export function makeHandler(deps?: ExtractDeps | null, store?: { documents: DocumentStore }) {
  return task(async (event: unknown): Promise<PartsRef> => {
    const { submission, read } = extractEvent.parse(event);
    const documents = (store ?? awsDeps()).documents;
    const extracted = await extractParts({ submission, read: await loadParts(read, documents) }, deps === undefined ? awsExtractionDeps() : deps);
    return storeParts(partsPrefix(submission, 'extracted'), extracted, documents);
  });
}

export const handler = lambdaEntry('extract', makeHandler(), { keys: workflowKeys });
