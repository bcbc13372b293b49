/**
 * The parts read from a submission (what ReadDocument and ExtractScannedParts store), on their own
 * so that the reader functions validate them without bundling the decision core.
 */
import * as z from 'zod';

const exceptionSchema = z.object({ code: z.string(), line: z.string().nullable(), message: z.string() });

export const partSchema = z.object({
  part: z.number().int().min(0),
  format: z.string(),
  bill: z.record(z.string(), z.unknown()).nullable(),
  exceptions: z.array(exceptionSchema),
  document_hash: z.string(),
  document_part: z.number().int().min(0).nullable().default(null),
  origin: z.string().nullable().default(null),
  email: z.record(z.string(), z.unknown()).nullable().default(null),
  /** Set by the reader when the part needs OCR or a model (scans, PDFs without an e-invoice). */
  needs_extraction: z.boolean().default(false),
  /** What reading it by OCR and a model cost (pages, tokens), once the extraction step has read it. */
  extraction: z
    .object({
      text_source: z.enum(['pdf-text-layer', 'textract']),
      pages: z.number().int().min(0),
      model_id: z.string(),
      attempts: z.number().int().min(0),
      input_tokens: z.number().int().min(0),
      output_tokens: z.number().int().min(0),
      cache_read_input_tokens: z.number().int().min(0),
      cache_write_input_tokens: z.number().int().min(0),
    })
    .nullable()
    .default(null),
});
export type Part = z.infer<typeof partSchema>;

export interface ReadOutcome {
  readonly parts: Part[];
  readonly needs_extraction: boolean;
}

/** Thrown when the submitted document is not in the document store. */
export class DocumentMissingError extends Error {
  override readonly name = 'DocumentMissingError';
}
