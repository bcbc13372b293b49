/**
 * The summary email: an HTML part (tables that read at 390 px and at 600 px: one column of
 * content at most 600 px wide, fixed table layout, long words wrapped), a plain-text part with
 * the same figures, one chart inline (PNG, its alt text carrying the same numbers) and the
 * month's bills as a CSV attachment.
 */
import { BILL_STATES, type BillState } from '../route.ts';
import type { BillRecord } from '../ports/store.ts';
import type { EmailAttachment, OutgoingEmail } from '../ports/mailer.ts';
import type { StackedBars } from '../ports/summary.ts';
import { addMonths, monthName } from './month.ts';
import type { Narrative } from './narrative.ts';
import { billsCsv, formatFacts, STATE_LABELS, summaryFacts, type Fact, type Summary } from './summary.ts';

export const CHART_CID = 'chart@bill-matcher.summary';

const STATE_COLORS: Readonly<Record<BillState, string>> = {
  ready_for_payment: '#1a7f37',
  awaiting_approval: '#0969da',
  flagged: '#bf8700',
  blocked: '#cf222e',
  waiting_on_supplier: '#8250df',
  needs_review: '#6e7781',
  rejected: '#24292f',
};

/** The chart: the month's bills by week of arrival, stacked by the state each is in now (states with bills only). */
export function chartSpec(s: Summary): StackedBars {
  const weeks = s.current.byWeek;
  const states = BILL_STATES.filter((st) => weeks.some((w) => w.states[st] > 0));
  return {
    title: `Bills of ${monthName(s.month)} by week of arrival and state now`,
    categories: weeks.map((w) => `days ${w.label}`),
    series: states.map((st) => ({ name: STATE_LABELS[st], color: STATE_COLORS[st], values: weeks.map((w) => w.states[st]) })),
    width: 600,
    height: 320,
    scale: 2,
  };
}

/** The chart's alt text: the same numbers, week by week. */
export function chartAlt(spec: StackedBars): string {
  if (spec.series.length === 0) return `${spec.title}: no bills.`;
  const weeks = spec.categories.map((c, i) => {
    const parts = spec.series.filter((s) => s.values[i]! > 0).map((s) => `${s.values[i]} ${s.name}`);
    return `${c}: ${parts.length ? parts.join(', ') : 'none'}`;
  });
  return `Bar chart, ${spec.title}. ${weeks.join('; ')}.`;
}

const esc = (s: unknown) => String(s ?? '').replace(/[&<>"']/g, (c) => ({ '&': '&amp;', '<': '&lt;', '>': '&gt;', '"': '&quot;', "'": '&#39;' })[c]!);

/** What the footer says about the paragraph. */
export function provenance(n: Narrative): string {
  if (n.source === 'model') return `The paragraph was written by a language model (${n.modelId}) from these figures only; every number in it was checked against them.`;
  if (n.fallbackReason) return `The paragraph is the fixed template, because ${n.fallbackReason}.`;
  return 'The paragraph is the fixed template (no language model is configured).';
}

const CELL = 'padding:6px 6px;border-bottom:1px solid #d0d7de;vertical-align:top;text-align:left;overflow-wrap:anywhere;word-break:break-word';
const HEAD = `${CELL};font-weight:600;background:#f6f8fa`;

function table(group: string, facts: readonly Fact[], s: Summary): string {
  const compare = facts.some((f) => f.previous !== null);
  const named = facts.some((f) => f.name);
  const cols = compare ? ['44%', '30%', '26%'] : named ? ['10%', '55%', '35%'] : ['50%', '50%'];
  const head = compare ? ['', monthName(s.month), monthName(addMonths(s.month, -1))] : named ? ['', 'supplier', monthName(s.month)] : ['', 'now'];
  const rows = facts.map((f) => {
    const cells = compare ? [f.label, f.value, f.previous ?? ''] : named ? [f.label, f.name ?? '', f.value] : [f.label, f.value];
    return `<tr>${cells.map((c) => `<td style="${CELL}">${esc(c)}</td>`).join('')}</tr>`;
  });
  return `<h2 style="font-size:16px;margin:22px 0 6px">${esc(group)}</h2>
<table role="presentation" style="width:100%;border-collapse:collapse;table-layout:fixed;font-size:14px"><colgroup>${cols.map((w) => `<col style="width:${w}">`).join('')}</colgroup>
<tr>${head.map((h) => `<th scope="col" style="${HEAD}">${esc(h)}</th>`).join('')}</tr>
${rows.join('\n')}
</table>`;
}

export interface SummaryEmailInput {
  readonly summary: Summary;
  readonly narrative: Narrative;
  readonly bills: readonly BillRecord[];
  readonly chart: { readonly png: Uint8Array; readonly width: number; readonly height: number } | null;
  readonly to: readonly string[];
}

export function summaryEmail(input: SummaryEmailInput): OutgoingEmail {
  const { summary: s, narrative: n } = input;
  const facts = summaryFacts(s);
  const spec = chartSpec(s);
  const alt = chartAlt(spec);
  const csvName = `bills-${s.month}.csv`;
  const groups = [...new Set(facts.map((f) => f.group))];
  const footer = [
    provenance(n),
    `The month is ${monthName(s.month)} in ${s.timeZone}; "now" figures are as of ${s.now.asOf}. Amounts are per currency and never added across currencies. Reading cost at AWS list prices, in USD.`,
    `Every bill of the month is in the attached ${csvName}.`,
  ];
  const subject = `Bills summary, ${monthName(s.month)}: ${n.headline}`.replace(/\s+/g, ' ').slice(0, 200);

  const html = `<!doctype html>
<html lang="en"><head><meta charset="utf-8"><meta name="viewport" content="width=device-width, initial-scale=1"><title>${esc(subject)}</title></head>
<body style="margin:0;padding:0;background:#f6f8fa">
<div style="max-width:600px;margin:0 auto;padding:16px;box-sizing:border-box;background:#ffffff;font-family:-apple-system,'Segoe UI',Helvetica,Arial,sans-serif;color:#1f2328;line-height:1.45">
<p style="margin:0;color:#57606a;font-size:13px">Monthly bills summary · ${esc(monthName(s.month))}</p>
<h1 style="font-size:20px;margin:6px 0 12px">${esc(n.headline)}</h1>
<p style="margin:0 0 12px">${esc(n.paragraph)}</p>
${n.highlights.length ? `<ul style="margin:0 0 16px;padding-left:20px">${n.highlights.map((h) => `<li>${esc(h)}</li>`).join('')}</ul>` : ''}
${input.chart ? `<img src="cid:${CHART_CID}" width="600" alt="${esc(alt)}" style="display:block;width:100%;max-width:600px;height:auto;border:0">` : `<p>${esc(alt)}</p>`}
${groups.map((g) => table(g, facts.filter((f) => f.group === g), s)).join('\n')}
<div style="margin-top:24px;padding-top:8px;border-top:1px solid #d0d7de;color:#57606a;font-size:12px">${footer.map((f) => `<p style="margin:4px 0">${esc(f)}</p>`).join('')}</div>
</div>
</body></html>`;

  const text = [
    n.headline,
    '',
    n.paragraph,
    ...(n.highlights.length ? ['', ...n.highlights.map((h) => `- ${h}`)] : []),
    '',
    alt,
    '',
    formatFacts(s, facts).trimEnd(),
    '',
    ...footer,
  ].join('\n');

  const attachments: EmailAttachment[] = [{ filename: csvName, contentType: 'text/csv; charset=utf-8', content: new TextEncoder().encode(billsCsv(input.bills)) }];
  if (input.chart) attachments.unshift({ filename: 'bills-by-week.png', contentType: 'image/png', content: input.chart.png, cid: CHART_CID });
  return { to: input.to, subject, text, html, tag: 'monthly-summary', attachments };
}
