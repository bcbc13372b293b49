/**
 * Limits on what one document may ask of the pipeline (spec/domain.md §10): at most
 * `max_bills_per_document` bills (policy, default 100) and 5,000 lines per bill. Beyond either,
 * the document gives one result — part 0, `UNREADABLE` naming the limit — and nothing of it is
 * decided: a 7 MB X12 file cannot become 20,000 bills, claims and approval emails.
 */
import { createHash } from 'node:crypto';
import { exception } from './exceptions.ts';
import type { Part } from './submission.ts';

export const DEFAULT_MAX_BILLS_PER_DOCUMENT = 100;
export const MAX_LINES_PER_BILL = 5_000;

/** The parts as read, or the one part that refuses the whole document with the limit it broke. */
export function withinLimits(parts: readonly Part[], bytes: Uint8Array, maxBills: number): Part[] {
  const reason = overLimit(parts, maxBills);
  if (!reason) return [...parts];
  return [
    {
      part: 0,
      format: parts[0]?.format ?? 'unknown',
      bill: null,
      exceptions: [exception('UNREADABLE', `${reason}; nothing of this document was decided`)],
      document_hash: createHash('sha256').update(bytes).digest('hex'),
      document_part: null,
      origin: null,
      email: parts[0]?.email ?? null,
      needs_extraction: false,
      extraction: null,
    },
  ];
}

function overLimit(parts: readonly Part[], maxBills: number): string | null {
  const bills = parts.filter((p) => p.bill !== null || p.needs_extraction).length;
  if (bills > maxBills) {
    return `the document holds ${bills.toLocaleString('en')} bills, over the limit of ${maxBills.toLocaleString('en')} bills per document (policy max_bills_per_document)`;
  }
  for (const p of parts) {
    const lines = p.bill?.['lines'];
    if (Array.isArray(lines) && lines.length > MAX_LINES_PER_BILL) {
      const number = typeof p.bill?.['invoice_number'] === 'string' ? `bill ${p.bill['invoice_number']}` : `the bill of part ${p.part}`;
      return `${number} has ${lines.length.toLocaleString('en')} lines, over the limit of ${MAX_LINES_PER_BILL.toLocaleString('en')} lines per bill`;
    }
  }
  return null;
}
