/**
 * Finds again the bytes a part was read from — the document itself, or an attachment inside an
 * email or a zip — by their SHA-256 (the part's `documentHash`). The extraction step needs
 * them: OCR and the model read the attachment, not the email around it.
 */
import { unreadable } from './canonical.ts';
import { detectFormat } from './detect.ts';
import { readEmail } from './email.ts';
import { sha256Hex } from './hash.ts';
import type { ReadInput, ReadResult } from './types.ts';
import { readZip } from './zip.ts';

/** The file inside `input` whose bytes hash to `hash`, or null. Reads no bill. */
export async function findDocumentBytes(input: ReadInput, hash: string): Promise<ReadInput | null> {
  if (sha256Hex(input.bytes) === hash) return input;
  let found: ReadInput | null = null;
  // The containers hand every file they unpack (nested emails and zips included) to this probe.
  const probe = async (inner: ReadInput): Promise<ReadResult[]> => {
    if (!found && sha256Hex(inner.bytes) === hash) found = inner;
    return [unreadable('probe', inner.filename, 'not read: looking for a part', inner.bytes)];
  };
  const kind = detectFormat(input.bytes).kind;
  if (kind === 'email') await readEmail(input, probe);
  else if (kind === 'zip') await readZip(input, probe);
  return found;
}
