/** What `bm rematch` and `bm import` print about a re-match pass. */
import type { RematchResult } from '../core/rematch.ts';

export function formatRematch(r: RematchResult): string {
  if (r.considered === 0) return 're-match: no flagged bill waits on master data\n';
  const lines = r.redecided.map((b) => `  ${b.invoice_number ?? b.bill_id}  ${b.from} → ${b.to}  (${b.bill_id})\n`);
  return `re-match: ${r.redecided.length} of ${r.considered} flagged bill${r.considered === 1 ? '' : 's'} decided again${r.skipped ? `, ${r.skipped} left (decided meanwhile)` : ''}\n${lines.join('')}`;
}
