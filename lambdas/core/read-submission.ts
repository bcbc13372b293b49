/**
 * Task ReadDocument: the submitted document through the readers, one part per bill it holds.
 * On its own so that the functions after it (decide, record a failure) do not bundle the readers.
 */
import type { DocumentStore } from './ports/documents.ts';
import { readDocument } from '../readers/index.ts';
import { DocumentMissingError, type Part, type ReadOutcome, type Submission } from './submission.ts';

export async function readSubmission(submission: Submission, deps: { documents: DocumentStore }): Promise<ReadOutcome> {
  const bytes = await deps.documents.get(submission.document_key);
  if (!bytes) throw new DocumentMissingError(`document ${submission.document_key} is not in the document store`);
  const results = await readDocument({ bytes, filename: submission.name });
  const parts: Part[] = results.map((r) => ({
    part: r.part,
    format: r.format,
    bill: (r.bill as Record<string, unknown> | null) ?? null,
    exceptions: r.exceptions.map((e) => ({ ...e })),
    document_hash: r.documentHash,
    document_part: r.documentPart ?? null,
    origin: r.origin ?? null,
    email: r.email ? { ...r.email } : null,
    needs_extraction: r.needsExtraction === true,
    extraction: null,
  }));
  return { parts, needs_extraction: parts.some((p) => p.needs_extraction) };
}
