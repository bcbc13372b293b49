/**
 * Payloads by reference (spec §10): what the workflow passes between states is a key, never a
 * document or a bill. ReadDocument (and ExtractScannedParts) store the parts they read as one
 * object each in the document store, under a prefix derived from the submission, and hand the
 * state machine only that prefix and the part numbers; DecideBill and RecordFailure load the
 * part they are given by number. DecideBill returns a bill reference, not the bill.
 */
import { createHash } from 'node:crypto';
import * as z from 'zod';
import type { OutcomeRow } from './output.ts';
import type { DocumentStore } from './ports/documents.ts';
import { partSchema, type Part, type ReadOutcome } from './part-schema.ts';
import type { Submission } from './submission-schema.ts';

/** What ReadDocument / ExtractScannedParts return: where the parts are, and their numbers. */
export const partsRefSchema = z.object({
  parts_key: z.string().min(1),
  parts: z.array(z.number().int().min(0)),
  needs_extraction: z.boolean(),
});
export type PartsRef = z.infer<typeof partsRefSchema>;

/** What DecideBill (and RecordBillFailure) return: the bill's key and what the workflow branches on. */
export interface BillRef {
  readonly bill_id: string;
  readonly state: string;
  /** The bill waits for a person: the workflow starts its approval execution. */
  readonly needs_approver: boolean;
  /** When the approval request may be emailed (quiet hours), ISO 8601. */
  readonly notify_at: string;
  /** The approval execution's name: one per bill and submission (a review asks again). */
  readonly approval_name: string;
}

const WAITING = new Set(['awaiting_approval', 'flagged', 'blocked']);

/** Every key a submission's parts are stored under (both stages) starts with this. */
export function partsRoot(submission: Pick<Submission, 'id' | 'received_at'>): string {
  const h = createHash('sha256').update(`${submission.id}\n${submission.received_at}`).digest('hex').slice(0, 40);
  return `parts/${h}/`;
}

/** The prefix a submission's parts are stored under: the same for a retried or redriven execution. */
export function partsPrefix(submission: Pick<Submission, 'id' | 'received_at'>, stage: 'read' | 'extracted'): string {
  return `${partsRoot(submission)}${stage}`;
}

const partKey = (prefix: string, n: number) => `${prefix}/${n}.json`;

/** Stores every part (one object each) and returns the reference the state machine carries. */
export async function storeParts(prefix: string, read: ReadOutcome, documents: DocumentStore): Promise<PartsRef> {
  for (const p of read.parts) await documents.put(partKey(prefix, p.part), new TextEncoder().encode(JSON.stringify(p)));
  return { parts_key: prefix, parts: read.parts.map((p) => p.part), needs_extraction: read.needs_extraction };
}

/** One stored part. Throws when it is missing (a broken reference is never decided as empty). */
export async function loadPart(prefix: string, n: number, documents: DocumentStore): Promise<Part> {
  const bytes = await documents.get(partKey(prefix, n));
  if (!bytes) throw new Error(`part ${n} of ${prefix} is not in the document store`);
  return partSchema.parse(JSON.parse(new TextDecoder().decode(bytes)));
}

/** Every part a reference names, in order. */
export async function loadParts(ref: PartsRef, documents: DocumentStore): Promise<ReadOutcome> {
  const parts: Part[] = [];
  for (const n of ref.parts) parts.push(await loadPart(ref.parts_key, n, documents));
  return { parts, needs_extraction: ref.needs_extraction };
}

/** The reference DecideBill returns for a decided bill. */
export function billRef(row: OutcomeRow, submission: Pick<Submission, 'id'>, nowMs: number): BillRef {
  const h = createHash('sha256').update(submission.id).digest('hex').slice(0, 16);
  return {
    bill_id: row.bill_id,
    state: row.state,
    needs_approver: row.approvers.length > 0 && WAITING.has(row.state),
    notify_at: row.notify_at ?? new Date(nowMs).toISOString(),
    approval_name: `approve-${row.bill_id}-${h}`,
  };
}
