import { createHash } from 'node:crypto';

/** SHA-256 of document bytes, hex: the identity of a document for byte-identical duplicates. */
export function sha256Hex(bytes: Uint8Array): string {
  return createHash('sha256').update(bytes).digest('hex');
}
