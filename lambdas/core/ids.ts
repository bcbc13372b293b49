import { randomUUID } from 'node:crypto';

let last = 0;
let counter = 0;

/**
 * A new bill id: time-ordered (sorts by creation), unique across processes:
 * `b` + 9 chars of milliseconds (base 36) + 3 of a per-millisecond counter + 8 random.
 */
export function newBillId(nowMs: number = Date.now()): string {
  if (nowMs === last) counter++;
  else {
    last = nowMs;
    counter = 0;
  }
  return `b${nowMs.toString(36).padStart(9, '0')}${counter.toString(36).padStart(3, '0')}${randomUUID().slice(0, 8)}`;
}
