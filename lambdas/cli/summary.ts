/**
 * `bm summary`: finance's monthly summary.
 * - On the running local stack: the month's figures printed, and the email (paragraph from the
 *   template, the chart, the CSV) written to the outbox, where the web page shows it. Once per
 *   month, as in AWS; `--resend` writes it again.
 * - `--stack NAME`: the figures of a deployed stack's month, read from its table (nothing is sent,
 *   nothing written there); `--eml FILE` writes the email as it would go out to that file.
 */
import { writeFile } from 'node:fs/promises';
import { randomUUID } from 'node:crypto';
import { resolve } from 'node:path';
import { openLocalStore } from '../adapters/local/local-stack.ts';
import { OutboxMailer } from '../adapters/local/outbox.ts';
import { readStackFile } from '../adapters/local/stack.ts';
import { WasmChartRenderer } from '../adapters/render/chart.ts';
import { mimeMessage } from '../adapters/aws/ses-raw.ts';
import type { Mailer } from '../core/ports/mailer.ts';
import type { SummaryClaims, SummaryReads } from '../core/ports/summary.ts';
import { summaryEmail, chartSpec } from '../core/summary/email.ts';
import { MonthError, monthName, parseMonth } from '../core/summary/month.ts';
import { writeNarrative } from '../core/summary/narrative.ts';
import { sendMonthlySummary } from '../core/summary/send.ts';
import type { Money } from '../core/summary/figures.ts';
import { computeSummary, formatFacts, moneyList, nBills, type Summary } from '../core/summary/summary.ts';
import { Decimal, formatAmount } from '../core/money.ts';
import type { CloudClients } from './cloud.ts';
import { CliUsageError, DEFAULT_HOME, parseCli, type CliIo } from './local.ts';

/** Who the local summary is addressed to (the outbox keeps every email whatever its address). */
export const LOCAL_SUMMARY_RECIPIENT = 'finance@localhost';

function monthOption(text: string | undefined): string | null {
  if (text === undefined) return null;
  try {
    parseMonth(text);
  } catch (err) {
    if (err instanceof MonthError) throw new CliUsageError(`--month: ${err.message}`);
    throw err;
  }
  return text;
}

export async function summaryCommand(args: string[], io: CliIo): Promise<number> {
  const { values, positionals } = parseCli(args, {
    month: { type: 'string' },
    home: { type: 'string' },
    stack: { type: 'string' },
    region: { type: 'string' },
    eml: { type: 'string' },
    resend: { type: 'boolean', default: false },
  });
  if (positionals.length > 0) throw new CliUsageError(`summary takes no FILE (got ${positionals[0]})`);
  const month = monthOption(values.month as string | undefined);
  if (values.stack !== undefined) {
    if (values.resend) throw new CliUsageError('--resend goes with the local stack; a deployed stack sends its summary itself (invoke its summary function with {"resend": true})');
    const { awsClients } = await import('./cloud.ts');
    const clients = awsClients(values.region as string | undefined);
    try {
      return await summaryOfStack({ stack: values.stack as string, month, eml: (values.eml as string | undefined) ?? null }, io, clients);
    } finally {
      clients.dynamodb.destroy();
    }
  }
  if (values.region !== undefined) throw new CliUsageError('--region goes with --stack (a deployed stack)');
  if (values.eml !== undefined) throw new CliUsageError('--eml goes with --stack; locally the email is written to the outbox');
  const home = resolve((values.home as string | undefined) ?? DEFAULT_HOME);
  const stack = await readStackFile(home);
  if (!stack) {
    io.stderr(`bm: no local stack is running in ${home}: start one with \`bm start\` (in another terminal)\n`);
    return 1;
  }
  const { store, client } = await openLocalStore(stack.dynamodb.endpoint, stack.dynamodb.table);
  try {
    return await localSummary({ store, mailer: new OutboxMailer(stack.outbox), month, resend: values.resend === true, webUrl: stack.web_url }, io);
  } finally {
    client.destroy();
  }
}

/** A deployed stack's month: its table found by the stack's outputs, the figures printed, nothing sent or written there. */
export async function summaryOfStack(
  opts: { stack: string; month: string | null; eml: string | null; now?: () => number },
  io: CliIo,
  clients: CloudClients,
): Promise<number> {
  const { stackTableStore } = await import('./cloud.ts');
  const found = await stackTableStore(opts.stack, io, clients);
  if (!found) return 1;
  const { summary, bills } = await computeSummary(opts.month, { store: found.store, now: opts.now ?? Date.now });
  io.stdout(formatFacts(summary));
  if (opts.eml) await writeEml(opts.eml, summary, bills, io);
  return 0;
}

/** The local summary: figures printed, the email written to the outbox once per month (`bm summary`, `bm demo`). */
export async function localSummary(
  opts: { store: SummaryReads & SummaryClaims; mailer: Mailer; month: string | null; resend: boolean; webUrl: string; now?: () => number; brief?: boolean },
  io: CliIo,
): Promise<number> {
  const now = opts.now ?? Date.now;
  let sent: { summary: Summary } | null = null;
  const r = await sendMonthlySummary(
    { month: opts.month, resend: opts.resend },
    { store: opts.store, mailer: opts.mailer, chart: new WasmChartRenderer(), model: null, modelId: null, recipients: [LOCAL_SUMMARY_RECIPIENT], now, runId: randomUUID },
  );
  if (r.status === 'sent') sent = r;
  const summary = sent?.summary ?? (await computeSummary(r.month, { store: opts.store, now })).summary;
  if (opts.brief) {
    const c = summary.current;
    io.stdout(
      `\nMonthly summary of ${monthName(r.month)} (finance's email, in the outbox: ${opts.webUrl}/outbox): ${nBills(c.bills)}, ${c.touchless} touchless, ${c.withExceptions} with exceptions; value caught: ${moneyList(caughtTotal(summary))}\n`,
    );
    return 0;
  }
  io.stdout(formatFacts(summary));
  if (r.status === 'sent') io.stdout(`\nThe summary email of ${r.month} is in the outbox: ${opts.webUrl}/outbox\n`);
  else io.stdout(`\nThe summary of ${r.month} was sent before (see the outbox: ${opts.webUrl}/outbox); --resend writes it again.\n`);
  return 0;
}

async function writeEml(path: string, summary: Summary, bills: Parameters<typeof summaryEmail>[0]['bills'], io: CliIo): Promise<void> {
  const narrative = await writeNarrative(summary, { model: null, modelId: null });
  const chart = await new WasmChartRenderer().stackedBars(chartSpec(summary));
  const email = summaryEmail({ summary, narrative, bills, chart, to: [LOCAL_SUMMARY_RECIPIENT] });
  await writeFile(path, await mimeMessage(email, 'bill-matcher@localhost'));
  io.stderr(`bm: the summary email written to ${path}\n`);
}

/** Everything caught in the month, per currency (for the demo's one line). */
function caughtTotal(s: Summary): Money[] {
  const sums = new Map<string, Decimal>();
  for (const c of Object.values(s.current.caught)) for (const m of c.value) sums.set(m.currency, (sums.get(m.currency) ?? Decimal.ZERO).add(Decimal.parse(m.amount)));
  return [...sums].sort(([a], [b]) => a.localeCompare(b)).map(([currency, d]) => ({ currency, amount: formatAmount(d, currency) }));
}
