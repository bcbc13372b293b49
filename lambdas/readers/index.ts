/**
 * Reads any supported document into canonical bills. Detection is by content; the file
 * name is a hint only. Every refusal is an `UNREADABLE` result, never a throw.
 */
import { exception } from '../core/exceptions.ts';
import { looksLikeJson, readBillJson } from './bill-json.ts';
import { sha256Hex } from './hash.ts';
import type { ReadInput, ReadResult } from './types.ts';

export type { ReadInput, ReadResult } from './types.ts';

export async function readDocument(input: ReadInput): Promise<ReadResult[]> {
  if (looksLikeJson(input.bytes)) return readBillJson(input);
  return [
    {
      part: 0,
      format: 'unknown',
      bill: null,
      documentHash: sha256Hex(input.bytes),
      exceptions: [exception('UNREADABLE', `${input.filename}: not a bill format this product reads`)],
    },
  ];
}
