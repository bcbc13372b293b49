/**
 * Use case: one submitted document (a file, an email) through reading and decision.
 *
 * 1. Read the document into zero or more canonical bills (by content, not by name).
 * 2. Decide each bill in turn and record it (`processBill`).
 */
import { readDocument } from '../readers/index.ts';
import { newBillId } from './ids.ts';
import { processBill, type ProcessDeps } from './process-bill.ts';
import type { BillRecord } from './ports/store.ts';

export interface SubmittedDocument {
  readonly bytes: Uint8Array;
  /** The name shown in results (the file path as given, the attachment's name). */
  readonly input: string;
  readonly submitter: string | null;
}

export async function processDocument(doc: SubmittedDocument, deps: ProcessDeps): Promise<BillRecord[]> {
  const results = await readDocument({ bytes: doc.bytes, filename: doc.input });
  const out: BillRecord[] = [];
  for (const r of results) {
    const submitter = doc.submitter ?? r.email?.from ?? null;
    out.push(
      await processBill(
        {
          billId: newBillId(deps.now()),
          canonical: r.bill,
          readingExceptions: r.exceptions,
          source: {
            input: doc.input,
            part: r.part,
            format: r.format,
            document_hash: r.documentHash,
            document_part: r.documentPart ?? null,
            submitter,
            origin: r.origin ?? null,
            email: r.email ? { ...r.email } : null,
          },
        },
        deps,
      ),
    );
  }
  return out;
}
