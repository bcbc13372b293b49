/**
 * The submission contract, on its own so that the small functions in front of the workflow
 * (intake, start-execution) can validate it without bundling the readers and the decision core.
 */
import * as z from 'zod';

/** One submission: a document as it arrived, identified for idempotency. */
export const submissionSchema = z.object({
  /** Stable id of the arrival (SES message id, S3 object key + ETag, upload id): one execution per id. */
  id: z.string().min(1),
  document_key: z.string().min(1),
  /** The name shown in results: the file name or path as given. */
  name: z.string().min(1),
  /** The operator who gave the file (signed-in uploader, `bm run`); an email's sender is read from the email. */
  submitter: z.string().nullable().default(null),
  /**
   * The sender check of the channel it came by, where the policy sets none (spec/domain.md §9):
   * `off` for the local SMTP inbox and `bm run`; absent = `strict` (the AWS inbox).
   */
  sender_check: z.enum(['strict', 'off']).optional(),
  received_at: z.string().datetime({ offset: true }),
  /** Intake's word on the sender (§9): false = not to be believed (no receipt, no review link to it); null = unknown. */
  sender_trusted: z.boolean().nullable().optional(),
  /**
   * Set when a clerk corrected a `needs_review` bill: the document is the corrected bill (JSON),
   * and the decision replaces that bill's version `expected_version` instead of making a new bill.
   */
  review: z
    .object({
      bill_id: z.string().min(1),
      expected_version: z.number().int().min(1),
      reviewer: z.string().min(1),
      note: z.string().nullable().default(null),
      /** What the clerk changed, `field: old → new`, for the audit row. */
      changes: z.array(z.string()).default([]),
    })
    .optional(),
});
export type Submission = z.infer<typeof submissionSchema>;
