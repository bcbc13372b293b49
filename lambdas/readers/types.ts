/**
 * What a reader gives back: one entry per bill found in a document (an email with two
 * invoices, an X12 interchange with several 810s), or one entry with `bill: null` and an
 * `UNREADABLE` exception when the document holds no bill that can be read.
 */
import type { CanonicalBill } from '../core/bill.ts';
import type { BillException } from '../core/exceptions.ts';

/** Names the reader used: `bill-json`, `ubl`, `cii`, `facturx`, `x12-810`, `csv`, `pdf-text`, `email`, … */
export type ReaderFormat = string;

export interface ReadResult {
  /** Numbers the bills inside one input file, from 0. */
  readonly part: number;
  readonly format: ReaderFormat;
  /** The canonical bill, or null where nothing could be read. */
  readonly bill: CanonicalBill | null;
  /** Reading exceptions found while reading (UNREADABLE with its reason, …). */
  readonly exceptions: readonly BillException[];
  /**
   * SHA-256 (hex) of the document bytes the bill was read from: the file itself, or the
   * attachment inside an email. With `part`, the key of byte-identical duplicate detection.
   */
  readonly documentHash: string;
  /**
   * The part number within the bytes `documentHash` identifies (an attachment's own part), where
   * it differs from `part` (numbered across the whole email). Byte-identical duplicates compare
   * (documentHash, documentPart ?? part), so the same attachment in another email is found.
   */
  readonly documentPart?: number;
  /** Where the bill came from inside the input (`attachment invoice.xml`, `ST 0002`), for people. */
  readonly origin?: string;
  /** Email facts, when the bill arrived by email. */
  readonly email?: EmailFacts;
  /**
   * Set when OCR or a model could read this part (a scan, a photo, a PDF read by its text
   * layer): the workflow's extraction step takes it. Locally a scan stays UNREADABLE with the
   * reason "needs OCR (Textract) — not available offline"; a text-layer read is kept as is.
   */
  readonly needsExtraction?: boolean;
}

export interface EmailFacts {
  readonly messageId: string | null;
  readonly from: string | null;
  readonly subject: string | null;
  readonly date: string | null;
  /** SES verdicts where the message carries them (X-SES-Spam-Verdict, …): PASS, FAIL, GRAY, … */
  readonly verdicts: Readonly<Record<string, string>>;
}

export interface ReadInput {
  readonly bytes: Uint8Array;
  /** The file name as given (used as a hint only: detection is by content). */
  readonly filename: string;
}

export class ReaderError extends Error {
  override readonly name = 'ReaderError';
  constructor(
    message: string,
    readonly field?: string,
    options?: { cause?: unknown },
  ) {
    super(message, options);
  }
}
