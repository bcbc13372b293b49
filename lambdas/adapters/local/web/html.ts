/** HTML building blocks: escaping (every value goes through `esc`), the page frame, its CSS. */

/** Escapes text for element content and quoted attribute values. */
export const esc = (s: unknown): string =>
  String(s ?? '').replace(/[&<>"']/g, (c) => ({ '&': '&amp;', '<': '&lt;', '>': '&gt;', '"': '&quot;', "'": '&#39;' })[c]!);

/** A value or a dash, escaped. */
export const orDash = (s: unknown): string => (s === null || s === undefined || s === '' ? '<span class="none">—</span>' : esc(s));

/** A date-time for people (UTC, to the second), with its machine-readable form. */
export function time(iso: string | null | undefined): string {
  if (!iso) return orDash(null);
  const d = new Date(iso);
  if (Number.isNaN(d.getTime())) return esc(iso);
  return `<time datetime="${esc(d.toISOString())}">${esc(d.toISOString().slice(0, 19).replace('T', ' '))} UTC</time>`;
}

export const CSS = `
:root{--fg:#1b1f24;--muted:#57606a;--line:#d0d7de;--bg:#fff;--soft:#f6f8fa;--link:#0a58ca;--focus:#1f6feb}
*{box-sizing:border-box}
body{margin:0;font:16px/1.5 system-ui,-apple-system,"Segoe UI",Roboto,sans-serif;color:var(--fg);background:var(--bg)}
a{color:var(--link)}a:focus-visible,button:focus-visible,select:focus-visible,input:focus-visible,[tabindex]:focus-visible{outline:3px solid var(--focus);outline-offset:2px}
.skip{position:absolute;left:-9999px}.skip:focus{left:1rem;top:1rem;background:#fff;padding:.5rem;z-index:1}
header.top{background:#24292f;color:#fff;padding:.6rem 1rem;display:flex;flex-wrap:wrap;gap:.4rem 1.2rem;align-items:center}
header.top a{color:#fff;text-decoration:none;padding:.2rem 0}header.top a[aria-current=page]{border-bottom:2px solid #fff}
header.top .brand{font-weight:700;margin-right:auto}
main{max-width:72rem;margin:0 auto;padding:1rem}
h1{font-size:1.5rem;margin:.5rem 0 1rem}h2{font-size:1.15rem;margin:1.8rem 0 .6rem;border-bottom:1px solid var(--line);padding-bottom:.25rem}
.scroll{overflow-x:auto;max-width:100%}
table{border-collapse:collapse;width:100%;font-size:.95rem}
th,td{text-align:left;padding:.4rem .6rem;border-bottom:1px solid var(--line);vertical-align:top}
th{background:var(--soft);font-weight:600;white-space:nowrap}
td.num,th.num{text-align:right;font-variant-numeric:tabular-nums;white-space:nowrap}
caption{text-align:left;color:var(--muted);padding:.3rem 0}
dl.facts{display:grid;grid-template-columns:minmax(8rem,max-content) 1fr;gap:.3rem 1rem;margin:0}
dl.facts dt{font-weight:600;color:var(--muted)}dl.facts dd{margin:0;overflow-wrap:anywhere}
.state{display:inline-block;padding:.05rem .55rem;border-radius:1rem;font-size:.85rem;font-weight:600;border:1px solid;white-space:nowrap}
.s-ready_for_payment{background:#dafbe1;color:#116329;border-color:#4ac26b}
.s-awaiting_approval{background:#ddf4ff;color:#0550ae;border-color:#54aeff}
.s-flagged{background:#fff8c5;color:#7d4e00;border-color:#d4a72c}
.s-blocked,.s-rejected{background:#ffebe9;color:#a40e26;border-color:#ff8182}
.s-needs_review{background:#fbefff;color:#6e40c9;border-color:#c297ff}
.s-waiting_on_supplier{background:#f6f8fa;color:#57606a;border-color:#d0d7de}
.code{font-family:ui-monospace,SFMono-Regular,Menlo,monospace;font-size:.85rem}
.none,.muted{color:var(--muted)}
ul.exceptions{padding-left:1.2rem}ul.exceptions li{margin:.3rem 0}
.filters{display:flex;flex-wrap:wrap;gap:.4rem;margin:0 0 1rem;padding:0;list-style:none}
.filters a{display:inline-block;padding:.2rem .7rem;border:1px solid var(--line);border-radius:1rem;text-decoration:none}
.filters a[aria-current=true]{background:#24292f;color:#fff;border-color:#24292f}
.notice{border-left:4px solid #54aeff;background:#ddf4ff;padding:.6rem .8rem;margin:0 0 1rem}
.notice.bad{border-color:#ff8182;background:#ffebe9}
.bad-line td{background:#fff8c5}
form.upload{display:grid;gap:.8rem;max-width:36rem}
button{font:inherit;padding:.5rem 1.1rem;border-radius:.4rem;border:1px solid #1a7f37;background:#1f883d;color:#fff;cursor:pointer}
input[type=file]{font:inherit;padding:.4rem;border:1px dashed var(--line);border-radius:.4rem;width:100%}
iframe.mail{width:100%;height:75vh;min-height:28rem;border:1px solid var(--line);border-radius:.3rem;background:#fff}
pre.mail{white-space:pre-wrap;overflow-wrap:anywhere;background:var(--soft);padding:.8rem;border-radius:.3rem}
form.review .fields{display:grid;grid-template-columns:repeat(auto-fill,minmax(15rem,1fr));gap:.6rem 1rem;margin:.6rem 0}
form.review .field{display:flex;flex-direction:column;gap:.15rem}
form.review input:not([type=hidden]){font:inherit;padding:.3rem .45rem;border:1px solid var(--line);border-radius:.3rem;width:100%;min-width:5rem}
form.review .low input,form.review td.low input{background:#fff8c5;border-color:#d4a72c}
form.review .err input,form.review input[aria-invalid=true]{border:2px solid #cf222e}
form.review .problem{color:#a40e26;font-size:.9rem}
.review-with-doc{display:grid;grid-template-columns:minmax(0,1fr);gap:1rem}
@media (min-width:64rem){.review-with-doc{grid-template-columns:minmax(0,1fr) minmax(0,1fr)}}
iframe.document,img.document{width:100%;height:80vh;min-height:24rem;border:1px solid var(--line);border-radius:.3rem;background:#fff}
img.document{height:auto;min-height:0}
.held{border-left:4px solid #d4a72c;background:#fff8c5;padding:.4rem .7rem}
ul.codes{margin:0;padding:0;list-style:none}ul.codes li{margin:0 0 .15rem}
.count{display:inline-block;min-width:1.4rem;padding:0 .35rem;border-radius:1rem;background:var(--soft);color:var(--fg);font-size:.85rem;text-align:center}
.filters a[aria-current=true] .count{background:#fff;color:#24292f}
form.worklist-filters{display:grid;grid-template-columns:repeat(auto-fill,minmax(11rem,1fr));gap:.5rem .8rem;margin:0 0 1rem;padding:.7rem;background:var(--soft);border-radius:.4rem}
form.worklist-filters .field{display:flex;flex-direction:column;gap:.15rem;min-width:0}
form.worklist-filters .wide{grid-column:1/-1}
form.worklist-filters input,form.worklist-filters select{font:inherit;padding:.3rem .45rem;border:1px solid #8c959f;border-radius:.3rem;width:100%;min-width:0;background:#fff}
form.worklist-filters .actions{flex-direction:row;align-items:end;gap:.8rem}
.pager{display:flex;justify-content:space-between;gap:1rem;margin:1rem 0}
.pager a{padding:.4rem .8rem;border:1px solid var(--line);border-radius:.4rem;text-decoration:none}
.overdue{color:#a40e26;font-weight:600}
td.waiting{min-width:8rem}
td.bad,tr.sensitive td{background:#fff8c5}
main.wide{max-width:88rem}
table#match{font-size:.85rem}table#match th{white-space:normal}table#match td,table#match th{padding:.3rem .35rem}
.versions li{margin:.3rem 0}
.actions-list li{margin:.35rem 0}
iframe.document.text{height:32rem;min-height:16rem}
@media (max-width:40rem){
table.cards thead{position:absolute;width:1px;height:1px;overflow:hidden;clip:rect(0 0 0 0)}
table.cards,table.cards tbody,table.cards tr,table.cards td,table.cards tbody th{display:block;width:100%}
table.cards tr{border:1px solid var(--line);border-radius:.4rem;margin:0 0 .6rem;padding:.4rem .6rem}
table.cards td,table.cards tbody th{border:0;padding:.15rem 0;text-align:left;white-space:normal;background:none}
table.cards td[data-label]::before,table.cards tbody th[data-label]::before{content:attr(data-label) ": ";font-weight:600;color:var(--muted)}
table.cards td.num{text-align:left}
}
@media (max-width:40rem){dl.facts{grid-template-columns:1fr}dl.facts dd{margin-bottom:.4rem}main{padding:.6rem}}
`;

export type Section = 'bills' | 'upload' | 'outbox' | 'master' | null;

/** The page frame: navigation, a skip link, one `<main>`. */
export function layout(title: string, body: string, section: Section = null, options: { readonly wide?: boolean } = {}): string {
  const nav = (href: string, label: string, s: Section) => `<a href="${href}"${section === s ? ' aria-current="page"' : ''}>${label}</a>`;
  return `<!doctype html>
<html lang="en"><head><meta charset="utf-8"><meta name="viewport" content="width=device-width, initial-scale=1">
<title>${esc(title)} · bill matcher</title><style>${CSS}</style></head>
<body><a class="skip" href="#content">Skip to content</a>
<header class="top"><span class="brand">bill matcher <span class="muted" style="color:#afb8c1">local</span></span>
<nav aria-label="Main" style="display:flex;gap:1.2rem">${nav('/', 'Bills', 'bills')}${nav('/master', 'Master data', 'master')}${nav('/upload', 'Upload', 'upload')}${nav('/outbox', 'Outbox', 'outbox')}</nav></header>
<main id="content"${options.wide ? ' class="wide"' : ''}>${body}</main></body></html>`;
}

/** A page frame without the local navigation: the pages behind emailed links (ack handler). */
export function publicLayout(title: string, body: string): string {
  return `<!doctype html>
<html lang="en"><head><meta charset="utf-8"><meta name="viewport" content="width=device-width, initial-scale=1">
<title>${esc(title)} · bill matcher</title><style>${CSS}</style></head>
<body><header class="top"><span class="brand">bill matcher</span></header>
<main id="content">${body}</main></body></html>`;
}

/** A table inside a scrollable, labelled region (wide tables on a phone). */
export function table(
  label: string,
  head: readonly (string | { readonly text: string; readonly num: true })[],
  rows: readonly string[],
  options: { readonly id?: string; readonly caption?: string; readonly className?: string } = {},
): string {
  const th = head.map((h) => (typeof h === 'string' ? `<th scope="col">${esc(h)}</th>` : `<th scope="col" class="num">${esc(h.text)}</th>`)).join('');
  const id = options.id ? ` id="${esc(options.id)}"` : '';
  const caption = options.caption ? `<caption>${esc(options.caption)}</caption>` : '';
  const cls = options.className ? ` class="${esc(options.className)}"` : '';
  return `<div class="scroll" role="region" aria-label="${esc(label)}" tabindex="0"><table${id}${cls}>${caption}<thead><tr>${th}</tr></thead><tbody>${rows.join('')}</tbody></table></div>`;
}

/** `[key, html]` pairs as a definition list; values must already be HTML (escaped). */
export function facts(pairs: readonly (readonly [string, string])[], id?: string): string {
  return `<dl class="facts"${id ? ` id="${esc(id)}"` : ''}>${pairs.map(([k, v]) => `<dt>${esc(k)}</dt><dd>${v}</dd>`).join('')}</dl>`;
}
