/**
 * `bm start`, `bm import`, `bm audit`: the long-running local stack and the commands that talk
 * to it. `bm start` writes `<home>/stack.json`; the others find the running stack through it.
 */
import { spawn } from 'node:child_process';
import { userInfo } from 'node:os';
import { join, resolve } from 'node:path';
import { CliUsageError, expectFolder, parseCli } from './args.ts';
import { importWithProgress, loadMasterWithProgress } from './progress.ts';
import type { AuditRecord } from '../core/ports/store.ts';
import { consoleText } from '../core/safe-text.ts';
import { openLocalStore } from '../adapters/local/local-stack.ts';
import { localMasterDeps, MASTER_DROP_DIR, recordCurrentSet, startMasterDropFolder } from '../lanes/local.ts';
import { readStackFile, startLocalStack, StackAlreadyRunning, type LocalStack, type StackEvent, type StackFile } from '../adapters/local/stack.ts';
import type { RematchResult } from '../core/rematch.ts';
import type { SweepResult } from '../core/sweep.ts';
import { formatRematch } from './rematch-format.ts';
import { importWithAudit } from '../lanes/master-drop.ts';
import { DynamoLaneState } from '../lanes/dynamo-state.ts';

export interface CliIo {
  stdout(text: string): void;
  stderr(text: string): void;
  /** Ends `bm start` (and `bm demo --serve`); without it, SIGINT / SIGTERM do. */
  readonly signal?: AbortSignal;
  /** A terminal on which long work draws a live progress bar; without it, a few plain lines on stderr. */
  readonly progressTerminal?: NodeJS.WriteStream;
}

export { CliUsageError, parseCli } from './args.ts';

export const DEFAULT_HOME = '.bm';
export const DEFAULT_WEB_PORT = 4810;
export const DEFAULT_SMTP_PORT = 2525;
/** `bm start` runs the daily sweep this often. */
export const SWEEP_INTERVAL_MS = 24 * 60 * 60 * 1000;

export function portOption(text: string | undefined, fallback: number, flag: string): number {
  if (text === undefined) return fallback;
  const n = Number(text);
  if (!/^\d+$/.test(text) || n > 65535) throw new CliUsageError(`${flag} "${text}" is not a port number (0–65535; 0 picks a free one)`);
  return n;
}

/** Resolves when `signal` aborts, or on SIGINT / SIGTERM; a second signal exits at once. */
export function untilStopped(signal: AbortSignal | undefined): { stopped: Promise<string>; release(): void } {
  if (signal) {
    return {
      stopped: signal.aborted ? Promise.resolve('abort') : new Promise((r) => signal.addEventListener('abort', () => r('abort'), { once: true })),
      release: () => undefined,
    };
  }
  let count = 0;
  let resolveStop!: (s: string) => void;
  const stopped = new Promise<string>((r) => (resolveStop = r));
  const onSignal = (s: NodeJS.Signals) => {
    // The second Ctrl-C does not wait: exiting still stops DynamoDB Local (its exit hook).
    if (++count > 1) process.exit(130);
    resolveStop(s);
  };
  process.on('SIGINT', onSignal);
  process.on('SIGTERM', onSignal);
  return {
    stopped,
    release() {
      process.off('SIGINT', onSignal);
      process.off('SIGTERM', onSignal);
    },
  };
}

const NO_MASTER_DATA = 'no master data imported yet';

const clock = () => new Date().toTimeString().slice(0, 8);

/** One line per event for the `bm start` console. */
export function describeEvent(e: StackEvent, webUrl: string): { out?: string; err?: string } {
  // Names, senders and messages come from documents: their control characters are escaped.
  const c = consoleText;
  if (e.kind === 'received') return {};
  if (e.kind === 'problem') return { err: `${clock()}  problem: ${c(e.message)}\n` };
  if (e.kind === 'notice' || e.kind === 'note') return { out: `${clock()}  ${c(e.message)}\n` };
  const o = e.outcome;
  const by = { smtp: 'mail  ', drop: 'drop  ', upload: 'upload', api: 'api   ' }[e.via];
  const from = o.submission.submitter ? ` from ${c(o.submission.submitter)}` : '';
  const name = c(o.submission.name);
  if (o.kind === 'already_processed') return { out: `${clock()}  ${by}  ${name}${from}: received before, not processed again\n` };
  if (o.kind === 'error') return { err: `${clock()}  ${by}  ${name}${from}: could not be processed: ${c(o.error.message)}\n` };
  const lines = o.execution.bills.map((b) => {
    const codes = b.exceptions.length ? ` (${b.exceptions.map((x) => x.code).join(', ')})` : '';
    const what = c([b.vendor_id ?? 'unknown vendor', b.invoice_number, b.total ? `${b.total} ${b.currency ?? ''}`.trim() : null].filter(Boolean).join(' '));
    // A bill sent before any master-data import: said in words, with what to do.
    const noMaster = b.exceptions.find((x) => x.message.includes(NO_MASTER_DATA));
    const why = noMaster ? `: ${NO_MASTER_DATA} — run bm import DIR in another terminal, then send it again` : '';
    return `${clock()}  ${by}  ${name}${b.part > 0 || o.execution.bills.length > 1 ? ` #${b.part}` : ''}${from}: ${what} → ${b.state}${why || codes}  ${webUrl}/bills/${c(b.bill_id)}\n`;
  });
  return { out: lines.join('') || `${clock()}  ${by}  ${name}${from}: no bill\n` };
}

/**
 * How far a large batch (a thousand files dropped at once, a mailbox flushed) is: `bm start`
 * prints a line per bill, and, once more than `from` documents wait, one progress line every
 * `every` documents decided and one when the backlog is gone.
 */
export class BacklogReport {
  private received = 0;
  private decided = 0;
  private batch: { from: number; at: number } | null = null;

  constructor(
    private readonly from = 20,
    private readonly every = 100,
    private readonly now: () => number = Date.now,
  ) {}

  /** The line to print for this event, if any. */
  onEvent(e: StackEvent): string | null {
    if (e.kind === 'received') {
      this.received++;
      if (!this.batch && this.received - this.decided >= this.from) {
        this.batch = { from: this.decided, at: this.now() };
        return `${clock()}  progress  ${this.received - this.decided} documents waiting to be decided\n`;
      }
      return null;
    }
    if (e.kind !== 'outcome') return null;
    this.decided++;
    // Documents replayed at start have an outcome without a `received` here.
    if (this.decided > this.received) this.received = this.decided;
    const b = this.batch;
    if (!b) return null;
    const done = this.decided - b.from;
    const total = this.received - b.from;
    if (this.decided >= this.received) {
      this.batch = null;
      const s = Math.round((this.now() - b.at) / 1000);
      return `${clock()}  progress  all ${total.toLocaleString('en')} documents decided in ${s < 60 ? `${s} s` : `${Math.floor(s / 60)} min ${s % 60} s`}\n`;
    }
    if (done % this.every === 0) return `${clock()}  progress  ${done.toLocaleString('en')} of ${total.toLocaleString('en')} documents decided (${(total - done).toLocaleString('en')} waiting)\n`;
    return null;
  }
}

/** Where everything is, for people. */
export function describeStack(stack: LocalStack): string {
  const rel = (p: string) => {
    const cwd = process.cwd();
    return p.startsWith(cwd + '/') ? p.slice(cwd.length + 1) : p;
  };
  return `  web page     ${stack.webUrl}/
  sign in      ${stack.signInUrl()}
               (works once, for 15 minutes; signs you in as ${stack.user}, the reviewer and uploader of what you do there)
  SMTP inbox   ${stack.smtp.host}:${stack.smtp.port}, no TLS, no login: mail bills to ${stack.billsAddress} (any recipient is accepted)
  drop folder  ${rel(stack.dropDir)}/   (each file is processed once, then moved to processed/)
  master data  ${rel(join(stack.home, MASTER_DROP_DIR))}/   (a master file or a zip of them: imported like bm import)
  outbox       ${rel(stack.outboxDir)}/   (every email the pipeline sends, as an .eml file)
  data         ${rel(stack.home)}/   (DynamoDB Local at ${stack.dynamo.endpoint}${stack.dbDir ? `, kept in ${rel(stack.dbDir)}/` : ', in memory'}; documents in ${rel(stack.documentsDir)}/)
`;
}

export async function startCommand(args: string[], io: CliIo): Promise<number> {
  const { values, positionals } = parseCli(args, {
    home: { type: 'string' },
    port: { type: 'string' },
    'smtp-port': { type: 'string' },
    user: { type: 'string' },
    'no-open': { type: 'boolean' },
    'ignore-quiet-hours': { type: 'boolean', default: false },
  });
  if (positionals.length > 0) throw new CliUsageError(`start takes no FILE (got ${positionals[0]}); drop files into the drop folder or mail them`);
  const home = resolve((values.home as string | undefined) ?? DEFAULT_HOME);
  const web = portOption(values.port as string | undefined, DEFAULT_WEB_PORT, '--port');
  const smtp = portOption(values['smtp-port'] as string | undefined, DEFAULT_SMTP_PORT, '--smtp-port');
  const user = values.user as string | undefined;
  if (user !== undefined && !/^[^\s@<>"]+@[^\s@<>"]+$/.test(user)) throw new CliUsageError(`--user "${user}" is not an email address`);
  const waiting = untilStopped(io.signal);
  const backlog = new BacklogReport();
  let stack: LocalStack;
  let webUrl = '';
  try {
    stack = await startLocalStack({
      home,
      ports: { web, smtp },
      persistent: true,
      // Trying things out of hours: approval requests go out at once instead of waiting for the morning.
      honourWaits: values['ignore-quiet-hours'] !== true,
      ...(user ? { user } : {}),
      onEvent(e) {
        const d = describeEvent(e, webUrl);
        if (d.out) io.stdout(d.out);
        if (d.err) io.stderr(d.err);
        const p = backlog.onEvent(e);
        if (p) io.stdout(p);
      },
    });
  } catch (err) {
    waiting.release();
    const code = (err as NodeJS.ErrnoException).code;
    if (code === 'EADDRINUSE') {
      io.stderr(`bm: ${(err as Error).message}: that port is taken; choose others with --port N and --smtp-port N\n`);
      return 1;
    }
    if (err instanceof StackAlreadyRunning) {
      io.stderr(`bm: ${err.message}\n`);
      return 1;
    }
    throw err;
  }
  webUrl = stack.webUrl;
  // The master-data drop lane: files dropped into <home>/master-drop/ are imported like bm import.
  // After an import that changed records, the flagged bills master data can settle are decided again.
  const lane = localMasterDeps({ endpoint: stack.dynamo.endpoint, tableName: stack.dynamo.tableName, documentsDir: stack.documentsDir, mailer: stack.mailer, rematch: (reason) => stack.rematch(reason) });
  const masterDrop = await startMasterDropFolder(join(home, MASTER_DROP_DIR), lane.deps, (name, o) => {
    if (o instanceof Error) io.stderr(`${clock()}  master  ${name}: ${o.message}\n`);
    else if (o.status === 'imported') io.stdout(`${clock()}  master  ${name}: imported (${o.changes.length} record${o.changes.length === 1 ? '' : 's'} created or changed)\n`);
    else if (o.status === 'refused') io.stderr(`${clock()}  master  ${name}: refused, nothing imported:\n${o.problems.map((p) => `    ${p}\n`).join('')}`);
    else io.stdout(`${clock()}  master  ${name}: imported before (the same content), not again\n`);
  });
  io.stdout(`bill matcher is running locally. Ctrl-C stops it.\n\n${describeStack(stack)}\n`);
  // On a terminal, open the web page signed in (a link of its own: the printed one stays unused).
  if (!io.signal && values['no-open'] !== true && process.stdout.isTTY) openInBrowser(stack.signInUrl());
  if (values['ignore-quiet-hours']) io.stdout('Quiet hours are ignored: approval requests go out at once.\n\n');
  // The daily sweep, as EventBridge Scheduler runs it in AWS: once a day while the stack runs (and `bm sweep` on demand).
  const sweepDaily = setInterval(() => {
    stack.sweep().then(
      (r) => io.stdout(`${clock()}  ${formatSweep(r)}`),
      (err: Error) => io.stderr(`${clock()}  problem: daily sweep: ${err.message}\n`),
    );
  }, SWEEP_INTERVAL_MS);
  sweepDaily.unref();
  if (!(await stack.hasMasterData())) {
    io.stdout(`No master data yet. In another terminal: bm import DIR   (for example: bm import bin/demo/master)\n\n`);
  }
  try {
    await waiting.stopped;
    io.stdout('\nstopping…\n');
  } finally {
    await masterDrop.stop();
    lane.close();
    clearInterval(sweepDaily);
    await stack.stop();
    waiting.release();
  }
  io.stdout('stopped.\n');
  return 0;
}

/** Best effort: the desktop's browser opener; nothing happens where there is none. */
function openInBrowser(url: string): void {
  const opener = process.platform === 'darwin' ? 'open' : process.platform === 'win32' ? 'explorer' : 'xdg-open';
  try {
    const child = spawn(opener, [url], { stdio: 'ignore', detached: true });
    child.on('error', () => undefined);
    child.unref();
  } catch {
    // no opener: the link is printed
  }
}

/** The running local stack's file, or null (said on stderr, with how to start one). */
export async function runningStackFile(home: string, io: CliIo): Promise<StackFile | null> {
  return runningStack(home, io);
}

async function runningStack(home: string, io: CliIo): Promise<StackFile | null> {
  const file = await readStackFile(home);
  if (!file) io.stderr(`bm: no local stack is running in ${home}: start one with \`bm start${home === resolve(DEFAULT_HOME) ? '' : ` --home ${home}`}\` (in another terminal)\n`);
  return file;
}

/** The operator as the local stack names its user: `<login name>@localhost`. */
function operatorAddress(): string {
  let name = 'user';
  try {
    name = userInfo().username.replace(/[^A-Za-z0-9._-]/g, '') || 'user';
  } catch {
    // no passwd entry (some containers)
  }
  return `${name}@localhost`;
}

export async function importCommand(args: string[], io: CliIo): Promise<number> {
  const { values, positionals } = parseCli(args, { home: { type: 'string' }, stack: { type: 'string' }, region: { type: 'string' } });
  if (values.stack !== undefined) {
    if (positionals.length !== 1) throw new CliUsageError('import needs one master-data DIR (vendors.csv, purchase_orders.csv, goods_receipts.csv, policy.json)');
    await expectFolder(positionals[0]!, 'master-data folder');
    const { awsClients, importIntoStack } = await import('./cloud.ts');
    const clients = awsClients(values.region as string | undefined);
    try {
      return await importIntoStack(positionals[0]!, values.stack as string, io, clients);
    } finally {
      clients.dynamodb.destroy();
    }
  }
  if (values.region !== undefined) throw new CliUsageError('--region goes with --stack (an import into a deployed stack)');
  if (positionals.length !== 1) throw new CliUsageError('import needs one master-data DIR (vendors.csv, purchase_orders.csv, goods_receipts.csv, policy.json)');
  const dir = positionals[0]!;
  await expectFolder(dir, 'master-data folder');
  // All or nothing: a bad row refuses the whole folder before anything is written.
  const master = await loadMasterWithProgress(dir, io, 'bm import');
  const home = resolve((values.home as string | undefined) ?? DEFAULT_HOME);
  const stack = await runningStack(home, io);
  if (!stack) return 1;
  const { store, client } = await openLocalStore(stack.dynamodb.endpoint, stack.dynamodb.table);
  try {
    // Audited as a drop is: each changed field old → new, with who imported it (the local user, as the web page signs them in).
    await importWithAudit(master, { store, state: new DynamoLaneState({ tableName: stack.dynamodb.table, client }), now: Date.now, importMaster: (m) => importWithProgress(store, m, io, 'bm import') }, { by: operatorAddress(), source: `bm import ${resolve(dir)}` });
    // The drop lane merges single files with this set from now on.
    await recordCurrentSet(join(stack.home, 'documents'), dir);
  } finally {
    client.destroy();
  }
  const poLines = master.purchaseOrders.reduce((n, po) => n + po.lines.length, 0);
  io.stdout(
    `imported ${dir}: ${master.vendors.length} vendors, ${master.purchaseOrders.length} purchase orders (${poLines} lines), ${master.goodsReceipts.length} goods receipts and the policy, into the local stack at ${stack.web_url}/\n`,
  );
  // Goods received, a PO added, a vendor created: the bills flagged for want of them are decided again.
  io.stdout(formatRematch(await askStack<RematchResult>(stack, '/api/rematch', { reason: `bm import ${dir}` })));
  return 0;
}

/** POSTs to the running stack (loopback, bounded in time), which holds the waiting executions and the outbox. */
export async function askStack<T>(stack: StackFile, path: string, body: unknown): Promise<T> {
  const res = await fetch(`${stack.web_url}${path}`, {
    method: 'POST',
    // The stack's API needs the local user: the token only `bm start` and this user can read.
    headers: { 'content-type': 'application/json', ...(stack.cli_token ? { authorization: `Bearer ${stack.cli_token}` } : {}) },
    body: JSON.stringify(body),
    signal: AbortSignal.timeout(120_000),
  });
  if (!res.ok) throw new Error(`the local stack at ${stack.web_url} answered ${res.status} to ${path}: ${(await res.text()).slice(0, 300)}`);
  return (await res.json()) as T;
}

/** `bm rematch [--home DIR] | --stack NAME`: decide again the bills master data can settle. */
export async function rematchCommand(args: string[], io: CliIo): Promise<number> {
  const { values, positionals } = parseCli(args, { home: { type: 'string' }, stack: { type: 'string' }, region: { type: 'string' } });
  if (positionals.length > 0) throw new CliUsageError('rematch takes no argument');
  if (values.stack !== undefined) {
    const { awsClients, rematchInStack } = await import('./cloud.ts');
    const clients = awsClients(values.region as string | undefined);
    try {
      return await rematchInStack(values.stack as string, io, clients);
    } finally {
      clients.dynamodb.destroy();
    }
  }
  const stack = await runningStack(resolve((values.home as string | undefined) ?? DEFAULT_HOME), io);
  if (!stack) return 1;
  io.stdout(formatRematch(await askStack<RematchResult>(stack, '/api/rematch', { reason: 'bm rematch' })));
  return 0;
}

/** `bm sweep [--home DIR]`: the daily sweep now (reminders, escalation, bills waiting on suppliers). */
export async function sweepCommand(args: string[], io: CliIo): Promise<number> {
  const { values, positionals } = parseCli(args, { home: { type: 'string' } });
  if (positionals.length > 0) throw new CliUsageError('sweep takes no argument');
  const stack = await runningStack(resolve((values.home as string | undefined) ?? DEFAULT_HOME), io);
  if (!stack) return 1;
  io.stdout(formatSweep(await askStack<SweepResult>(stack, '/api/sweep', {})));
  return 0;
}

export function formatSweep(r: SweepResult): string {
  return `sweep: ${r.approvalReminders} approval reminder(s), ${r.escalations ?? 0} escalation(s), ${r.supplierReminders} supplier reminder(s), ${r.adminQuestions ?? 0} question(s) to the admin\n`;
}

export async function auditCommand(args: string[], io: CliIo): Promise<number> {
  const { values, positionals } = parseCli(args, { home: { type: 'string' }, json: { type: 'boolean', default: false }, stack: { type: 'string' }, region: { type: 'string' } });
  if (positionals.length !== 1) throw new CliUsageError('audit needs one BILL_ID (shown on the web page and by bm start)');
  const billId = positionals[0]!;
  let rows: AuditRecord[];
  if (values.stack !== undefined) {
    const { auditInStack, awsClients } = await import('./cloud.ts');
    const clients = awsClients(values.region as string | undefined);
    try {
      const found = await auditInStack(billId, values.stack as string, io, clients);
      if (!found) return 1;
      rows = found;
    } finally {
      clients.dynamodb.destroy();
    }
  } else {
    if (values.region !== undefined) throw new CliUsageError('--region goes with --stack (a deployed stack)');
    const home = resolve((values.home as string | undefined) ?? DEFAULT_HOME);
    const stack = await runningStack(home, io);
    if (!stack) return 1;
    const { store, client } = await openLocalStore(stack.dynamodb.endpoint, stack.dynamodb.table);
    try {
      if (!(await store.getBill(billId))) {
        io.stderr(`bm: there is no bill ${billId} in the local stack at ${stack.web_url}/\n`);
        return 1;
      }
      rows = await store.audit(billId);
    } finally {
      client.destroy();
    }
  }
  if (values.json) {
    for (const r of rows) io.stdout(JSON.stringify(r) + '\n');
  } else {
    io.stdout(formatAudit(rows));
  }
  return 0;
}

/** The audit trail as a table, in order. */
export function formatAudit(rows: readonly AuditRecord[]): string {
  const head = ['#', 'at', 'actor', 'action', 'state', 'message'];
  const body = rows.map((r) => [
    String(r.seq),
    r.at,
    r.actor,
    r.action,
    `${r.from_state ?? '—'} → ${r.to_state ?? '—'}`,
    r.message + (r.codes?.length ? ` [${r.codes.join(', ')}]` : ''),
  ]);
  const widths = head.map((h, i) => Math.max(h.length, ...body.map((b) => b[i]!.length)));
  const line = (cells: string[]) => cells.map((c, i) => (i === cells.length - 1 ? c : c.padEnd(widths[i]!))).join('  ').trimEnd() + '\n';
  return line(head) + line(widths.map((w, i) => '-'.repeat(i === head.length - 1 ? Math.min(w, 40) : w))) + body.map(line).join('');
}

/**
 * `bm show BILL_ID --stack NAME` and `bm review BILL_ID --stack NAME --file F --reviewer E`:
 * reviewing a `needs_review` bill of a deployed stack. Locally the bill's web page does both.
 */
export async function reviewCommands(command: 'show' | 'review', args: string[], io: CliIo): Promise<number> {
  const { values, positionals } = parseCli(args, {
    stack: { type: 'string' },
    region: { type: 'string' },
    file: { type: 'string' },
    reviewer: { type: 'string' },
    note: { type: 'string' },
    home: { type: 'string' },
  });
  if (positionals.length !== 1) throw new CliUsageError(`${command} needs one BILL_ID`);
  const billId = positionals[0]!;
  if (values.stack === undefined) {
    const stack = await readStackFile(resolve((values.home as string | undefined) ?? DEFAULT_HOME));
    const where = stack ? `${stack.web_url}/bills/${encodeURIComponent(billId)}` : 'the web page of bm start';
    io.stderr(`bm: locally, a bill is reviewed on its page: ${where}. ${command} --stack NAME works on a deployed stack.\n`);
    return 2;
  }
  const { awsClients, reviewInStack, showInStack } = await import('./cloud.ts');
  const clients = awsClients(values.region as string | undefined);
  try {
    if (command === 'show') return await showInStack(billId, values.stack as string, io, clients);
    if (!values.file || !values.reviewer) throw new CliUsageError('review needs --file (the corrected bill JSON) and --reviewer (your email)');
    return await reviewInStack(
      { billId, file: values.file as string, reviewer: values.reviewer as string, note: (values.note as string | undefined) ?? null },
      values.stack as string,
      io,
      clients,
    );
  } finally {
    clients.dynamodb.destroy();
  }
}
