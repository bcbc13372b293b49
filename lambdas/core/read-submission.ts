/**
 * Task ReadDocument: the submitted document through the readers, one part per bill it holds.
 * On its own so that the functions after it (decide, record a failure) do not bundle the readers.
 */
import { DEFAULT_MAX_BILLS_PER_DOCUMENT, withinLimits } from './limits.ts';
import type { DocumentStore } from './ports/documents.ts';
import type { BillStore } from './ports/store.ts';
import { readDocument } from '../readers/index.ts';
import { DocumentMissingError, type Part, type ReadOutcome } from './part-schema.ts';
import type { Submission } from './submission-schema.ts';

export interface ReadDeps {
  readonly documents: DocumentStore;
  /** Where the policy's `max_bills_per_document` is read; without it (or a policy), the default. */
  readonly store?: Pick<BillStore, 'policy'>;
}

export async function readSubmission(submission: Submission, deps: ReadDeps): Promise<ReadOutcome> {
  const bytes = await deps.documents.get(submission.document_key);
  if (!bytes) throw new DocumentMissingError(`document ${submission.document_key} is not in the document store`);
  const results = await readDocument({ bytes, filename: submission.name });
  const read: Part[] = results.map((r) => ({
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
  // §10: beyond a limit, one part saying so; nothing of the document is decided.
  const parts = withinLimits(read, bytes, await maxBillsPerDocument(deps));
  return { parts, needs_extraction: parts.some((p) => p.needs_extraction) };
}

async function maxBillsPerDocument(deps: ReadDeps): Promise<number> {
  if (!deps.store) return DEFAULT_MAX_BILLS_PER_DOCUMENT;
  try {
    return (await deps.store.policy()).max_bills_per_document ?? DEFAULT_MAX_BILLS_PER_DOCUMENT;
  } catch {
    // No policy imported yet (or the table unreachable): the default limit still bounds the work.
    return DEFAULT_MAX_BILLS_PER_DOCUMENT;
  }
}
