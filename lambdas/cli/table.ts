/** The outcome table of `bm run` and `bm demo`. */
import type { OutcomeRow } from '../core/output.ts';

/** A plain table of outcomes for people. */
export function formatTable(rows: readonly OutcomeRow[], withTrace = false): string {
  const head = ['input', 'part', 'vendor', 'invoice', 'PO', 'total', 'state', 'exceptions', ...(withTrace ? ['trace'] : [])];
  const body = rows.map((r) => [
    r.input,
    String(r.part),
    r.vendor_id ?? '—',
    r.invoice_number ?? '—',
    r.po_number ? `${r.po_number}${r.po_inferred ? '*' : ''}` : '—',
    r.total ? `${r.total} ${r.currency ?? ''}`.trim() : '—',
    r.state,
    r.exceptions.map((e) => e.code).join(', ') || '—',
    ...(withTrace ? [(r.trace ?? []).join(' > ')] : []),
  ]);
  const widths = head.map((h, i) => Math.max(h.length, ...body.map((b) => b[i]!.length)));
  const line = (cells: string[]) => cells.map((c, i) => c.padEnd(widths[i]!)).join('  ').trimEnd() + '\n';
  return line(head) + line(widths.map((w) => '-'.repeat(w))) + body.map(line).join('') + (rows.some((r) => r.po_inferred) ? '* PO inferred\n' : '');
}
