/** Reader for `.bill.json`: the canonical bill as JSON (spec/formats.md). */
import { parseJsonExact, type CanonicalBill } from '../core/bill.ts';
import { exception } from '../core/exceptions.ts';
import { sha256Hex } from './hash.ts';
import type { ReadInput, ReadResult } from './types.ts';

export const BILL_JSON_FORMAT = 'bill-json';

/** True when the bytes look like a JSON object (after an optional BOM and white space). */
export function looksLikeJson(bytes: Uint8Array): boolean {
  let i = bytes[0] === 0xef && bytes[1] === 0xbb && bytes[2] === 0xbf ? 3 : 0;
  while (i < bytes.length && (bytes[i] === 0x20 || bytes[i] === 0x0a || bytes[i] === 0x0d || bytes[i] === 0x09)) i++;
  return bytes[i] === 0x7b; // '{'
}

export function readBillJson(input: ReadInput): ReadResult[] {
  const documentHash = sha256Hex(input.bytes);
  const base = { part: 0, format: BILL_JSON_FORMAT, documentHash };
  let parsed: unknown;
  try {
    parsed = parseJsonExact(new TextDecoder('utf-8', { fatal: true }).decode(input.bytes).replace(/^\uFEFF/, ''));
  } catch (err) {
    const why = err instanceof Error ? err.message : String(err);
    return [{ ...base, bill: null, exceptions: [exception('UNREADABLE', `${input.filename}: not valid JSON (${why})`)] }];
  }
  if (parsed === null || typeof parsed !== 'object' || Array.isArray(parsed)) {
    return [{ ...base, bill: null, exceptions: [exception('UNREADABLE', `${input.filename}: a bill must be a JSON object`)] }];
  }
  // The shape and meaning are checked by validateBill, which names the field at fault.
  return [{ ...base, bill: parsed as CanonicalBill, exceptions: [] }];
}
