/**
 * Task ExtractScannedParts: reads the parts that need OCR or a model. Until the Textract +
 * Bedrock path is configured, such parts stay unreadable with the reason, and go to review.
 */
import { z } from 'zod';
import { partSchema, submissionSchema, type ReadOutcome } from '../core/submission.ts';
import { task } from '../shared/errors.ts';

export const extractEvent = z.object({
  submission: submissionSchema,
  read: z.object({ parts: z.array(partSchema), needs_extraction: z.boolean() }),
});

export function makeHandler() {
  return task(async (event: unknown): Promise<ReadOutcome> => {
    const { read } = extractEvent.parse(event);
    const parts = read.parts.map((p) =>
      p.needs_extraction
        ? { ...p, needs_extraction: false, exceptions: [...p.exceptions, { code: 'UNREADABLE', line: null, message: 'needs OCR (Textract) — not available offline' }] }
        : p,
    );
    return { parts, needs_extraction: false };
  });
}

export const handler = makeHandler();
