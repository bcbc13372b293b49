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
  submitter: z.string().nullable().default(null),
  received_at: z.string().datetime({ offset: true }),
});
export type Submission = z.infer<typeof submissionSchema>;
