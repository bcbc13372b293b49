/** The `bm` commands. Each returns its exit code; output goes through the given writers. */
import { randomBytes, randomUUID } from 'node:crypto';
import { mkdtemp, readFile, rm } from 'node:fs/promises';
import { createServer } from 'node:http';
import type { AddressInfo } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { ackRoute } from '../adapters/local/ack-route.ts';
import { approveAll } from '../adapters/local/approve-all.ts';
import { FolderDocumentStore } from '../adapters/local/folder-documents.ts';
import { openLocalStore, startLocalDatabase, type LocalDatabase } from '../adapters/local/local-stack.ts';
import { LocalWorkflow, type ExecutionResult } from '../adapters/local/local-workflow.ts';
import { QUEUE_CONCURRENCY } from '../adapters/local/submission-queue.ts';
import { MemoryOutbox } from '../adapters/local/memory-outbox.ts';
import { MasterDataError } from '../core/master.ts';
import { outcomeRow, type OutcomeRow } from '../core/output.ts';
import { readDocument } from '../readers/index.ts';
import { JavaMissingError } from '../adapters/local/dynamodb-local.ts';
import { NoMasterDataError } from '../core/ports/store.ts';
import { didYouMean, expectFolder, fileProblem } from './args.ts';
import { importWithProgress, loadMasterWithProgress, startProgress } from './progress.ts';
import { auditCommand, CliUsageError, importCommand, parseCli, rematchCommand, reviewCommands, startCommand, sweepCommand } from './local.ts';
import { formatTable } from './table.ts';

export interface Io {
  stdout(text: string): void;
  stderr(text: string): void;
  /** Ends `bm start` and `bm demo --serve`; without it, SIGINT / SIGTERM (Ctrl-C) do. */
  readonly signal?: AbortSignal;
  /** A terminal on which long work draws a live progress bar; without it, a few plain lines on stderr. */
  readonly progressTerminal?: NodeJS.WriteStream;
  /**
   * Where `bm run` keeps its throwaway table: a DynamoDB endpoint already running, on which it
   * makes a table of its own (left there). Without it, `bm run` starts a DynamoDB Local of its own
   * and stops it at the end.
   */
  readonly runDatabase?: { readonly endpoint: string };
}

/** `bm run`'s table: a fresh one on `io.runDatabase`, else on a DynamoDB Local of its own. */
async function runDatabase(io: Io): Promise<Pick<LocalDatabase, 'store' | 'stop'>> {
  if (!io.runDatabase) return startLocalDatabase();
  const { store, client } = await openLocalStore(io.runDatabase.endpoint, `bm-run-${randomUUID()}`);
  return { store, stop: async () => client.destroy() };
}

const USAGE = `bm — bill matcher

  bm run --master DIR [--now ISO-8601] [--approve-all] [--json] [--trace] FILE...
                                                          decide bills on a fresh local stack
  bm read [--json] FILE...                                read bills only, touching no store
  bm demo [--serve] [--port N] [--smtp-port N] [--home DIR]
                                                          the bundled demo through the whole local stack
  bm start [--home DIR] [--port N] [--smtp-port N] [--user EMAIL] [--no-open] [--ignore-quiet-hours]
                                                          the local stack until Ctrl-C: web page, SMTP
                                                          inbox, drop folder, outbox (home: .bm/); the
                                                          daily sweep runs once a day
  bm import DIR [--home DIR]                              load master data into the running local stack,
                                                          then re-match the bills it can settle
  bm import DIR --stack NAME [--region R]                 load master data into a deployed stack (AWS credentials)
  bm sync [--home DIR] [--config FILE] [--only drive|portals]
                                                          run Drive sync and the portal poll once against the
                                                          running local stack (config: <home>/lanes.json)
  bm rematch [--home DIR] | --stack NAME [--region R]     decide again bills flagged only for QUANTITY_VARIANCE,
                                                          NO_PO, UNMATCHED_LINE or VENDOR_UNKNOWN
  bm sweep [--home DIR]                                   the daily sweep now: reminders, escalation,
                                                          bills waiting on suppliers
  bm list [--state S] [--code CODE] [--vendor ID] [--search TEXT] [--limit N] [--after CURSOR] [--json] [--home DIR]
                                                          bills of the running local stack, newest first, a page at a time
  bm list [filters as above] --stack NAME [--region R]    the same on a deployed stack
  bm audit BILL_ID [--home DIR] [--json]                  a bill's audit trail from the running local stack
  bm audit BILL_ID --stack NAME [--region R] [--json]     a bill's audit trail from a deployed stack
  bm show BILL_ID --stack NAME [--region R]               a deployed stack's bill as read (JSON to correct)
  bm review BILL_ID --stack NAME --file F --reviewer EMAIL [--note TEXT] [--region R]
                                                          correct a needs_review bill of a deployed stack
                                                          and decide it again (locally: the bill's page)
  bm cost [--template FILE] [--json]                      dollars per 1,000 bills by encoding and outcome (AWS list prices)
  bm cost --stack NAME [--month YYYY-MM] [--region R]     a month of a deployed stack, from its CloudWatch metrics
  bm summary [--month YYYY-MM] [--resend] [--home DIR]    the monthly summary on the running local stack:
                                                          figures printed, the email in the outbox
  bm summary --stack NAME [--month YYYY-MM] [--region R] [--eml FILE]
                                                          a deployed stack's monthly figures (sends nothing)
  bm redrive [--home DIR]                                 run again what a crash or an outage cut short (local stack)
  bm redrive --stack NAME [--region R]                    redrive the failed executions of a deployed stack
  bm upgrade --stack NAME [--region R]                    once after deploying a newer version: bills and master
                                                          data written before get the worklist's keys
  bm user add EMAIL --group clerk|approver|admin|finance --stack NAME [--region R]
                                                          invite a person to a deployed stack's workspace
  bm help                                                 this text

FILE: .bill.json, .xml (UBL, CII, XRechnung), .pdf (Factur-X or text layer), .edi/.x12 (X12 810), .csv, .eml,
      .docx, .xlsx, .png/.jpg (a scan or photo, read by local OCR)
`;

/** The commands, for "did you mean". */
export const COMMANDS = ['run', 'read', 'demo', 'start', 'import', 'list', 'audit', 'cost', 'summary', 'sync', 'redrive', 'rematch', 'sweep', 'show', 'review', 'upgrade', 'user', 'help'] as const;

/** The usage lines of one command (with their continuation lines), or null. */
export function usageOf(command: string): string | null {
  const lines = USAGE.split('\n');
  const out: string[] = [];
  let inside = false;
  for (const line of lines) {
    if (line.startsWith('  bm ')) inside = line.startsWith(`  bm ${command} `) || line === `  bm ${command}`;
    else if (!line.startsWith('        ')) inside = false;
    if (inside) out.push(line);
  }
  return out.length ? out.join('\n') + '\n' : null;
}

export async function main(argv: string[], io: Io): Promise<number> {
  const [command, ...rest] = argv;
  // `bm CMD --help`: that command's usage.
  if (command && (COMMANDS as readonly string[]).includes(command) && rest.some((a) => a === '--help' || a === '-h')) {
    io.stdout(usageOf(command) ?? USAGE);
    return 0;
  }
  try {
    switch (command) {
      case 'run':
        return await runCommand(rest, io);
      case 'read':
        return await readCommand(rest, io);
      case 'demo':
        // Loaded on demand, as the summary: they bring the chart renderer (ECharts), which no other command needs.
        return await (await import('./demo.ts')).demoCommand(rest, io);
      case 'start':
        return await startCommand(rest, io);
      case 'import':
        return await importCommand(rest, io);
      case 'audit':
        return await auditCommand(rest, io);
      case 'list':
        return await (await import('./list.ts')).listCommand(rest, io);
      case 'cost':
        // Loaded on demand: it brings the CloudWatch client and, without --template, the CDK app.
        return await (await import('./cost.ts')).costCommand(rest, io);
      case 'summary':
        return await (await import('./summary.ts')).summaryCommand(rest, io);
      case 'sync':
        return await (await import('./sync.ts')).syncCommand(rest, io);
      case 'redrive': {
        const { redriveCommand } = await import('./redrive.ts');
        return await redriveCommand(rest, io);
      }
      case 'rematch':
        return await rematchCommand(rest, io);
      case 'upgrade':
        return await (await import('./upgrade.ts')).upgradeCommand(rest, io);
      case 'user':
        // Loaded on demand: it brings the Cognito client.
        return await (await import('./user.ts')).userCommand(rest, io);
      case 'sweep':
        return await sweepCommand(rest, io);
      case 'show':
      case 'review':
        return await reviewCommands(command, rest, io);
      case undefined:
      case 'help':
      case '--help':
      case '-h':
        if (command === 'help' && rest[0] && usageOf(rest[0])) {
          io.stdout(usageOf(rest[0])!);
          return 0;
        }
        io.stdout(USAGE);
        return command === undefined ? 2 : 0;
      default: {
        const near = didYouMean(command, COMMANDS);
        const e = new CliUsageError(`unknown command "${command}"${near ? ` (did you mean ${near}?)` : ''}`);
        e.command = '';
        throw e;
      }
    }
  } catch (err) {
    if (err instanceof CliUsageError) {
      // The command's own usage lines; for an unknown command, where to find them all.
      const usage = err.command === '' ? 'bm help lists the commands.\n' : (command && usageOf(command)) || USAGE;
      // One line per problem: all of them at once.
      io.stderr(`${err.message.split('\n').map((l) => `bm: ${l}\n`).join('')}\n${usage}`);
      return 2;
    }
    if (err instanceof MasterDataError) {
      io.stderr(`bm: master data refused, nothing imported:\n${err.message}\n`);
      return 2;
    }
    const words = inWords(err);
    if (words) {
      io.stderr(`bm: ${words}\n`);
      return 1;
    }
    throw err;
  }
}

/** Errors people can act on, in one line; null for a bug (its stack trace is wanted). */
function inWords(err: unknown): string | null {
  if (err instanceof JavaMissingError || err instanceof NoMasterDataError) return err.message;
  const e = err as NodeJS.ErrnoException;
  if (e && typeof e.code === 'string' && typeof e.path === 'string' && /^E[A-Z]+$/.test(e.code)) return fileProblem(e.path, e);
  return null;
}

/** Parses `--now`; the clock the decisions use (quiet hours, windows). */
export function parseNow(text: string | undefined): number | null {
  if (text === undefined) return null;
  if (!/^\d{4}-\d{2}-\d{2}(T\d{2}:\d{2}(:\d{2}(\.\d+)?)?(Z|[+-]\d{2}:?\d{2})?)?$/.test(text)) {
    throw new CliUsageError(`--now "${text}" is not an ISO 8601 date-time (e.g. 2026-03-06T21:00:00+01:00)`);
  }
  const ms = Date.parse(text);
  if (Number.isNaN(ms)) throw new CliUsageError(`--now "${text}" is not a real date-time`);
  return ms;
}

async function readInputs(files: string[], io: Io): Promise<{ path: string; bytes: Uint8Array | null }[]> {
  const out: { path: string; bytes: Uint8Array | null }[] = [];
  for (const path of files) {
    try {
      out.push({ path, bytes: new Uint8Array(await readFile(path)) });
    } catch (err) {
      io.stderr(`bm: ${fileProblem(path, err)}\n`);
      out.push({ path, bytes: null });
    }
  }
  return out;
}

async function runCommand(args: string[], io: Io): Promise<number> {
  const { values, positionals } = parseCli(args, {
    master: { type: 'string' },
    now: { type: 'string' },
    json: { type: 'boolean', default: false },
    trace: { type: 'boolean', default: false },
    'approve-all': { type: 'boolean', default: false },
  });
  // Every problem of the command line at once.
  const problems: string[] = [];
  if (!values.master) problems.push('run needs --master DIR');
  if (positionals.length === 0) problems.push('run needs at least one FILE');
  let fixedNow: number | null = null;
  try {
    fixedNow = parseNow(values.now as string | undefined);
  } catch (err) {
    problems.push((err as Error).message);
  }
  if (problems.length > 0) throw new CliUsageError(problems.join('\n'));
  await expectFolder(values.master as string, '--master');
  const master = await loadMasterWithProgress(values.master as string, io, 'bm run');
  const inputs = await readInputs(positionals, io);

  const db = await runDatabase(io);
  const docDir = await mkdtemp(join(tmpdir(), 'bm-run-'));
  const closers: (() => Promise<void>)[] = [];
  let unreadableFiles = 0;
  const rows: OutcomeRow[] = [];
  try {
    const now = () => fixedNow ?? Date.now();
    // The import happens on the run's clock: what an empty ytd_as_of covers is judged on it.
    await importWithProgress(db.store, { ...master, imported_at: new Date(now()).toISOString() }, io, 'bm run');
    // A one-shot run's scratch folder, removed at the end: nothing in it needs to outlive a power cut.
    const documents = new FolderDocumentStore(docDir, { durable: () => false });
    const outbox = new MemoryOutbox();
    const secret = randomBytes(32);
    // The ack endpoint on loopback: --approve-all follows the emailed links through it, for real.
    let workflow!: LocalWorkflow;
    const ackDeps = {
      store: db.store,
      secret,
      now,
      notifySupplier: async (m: { to: string; subject: string; text: string; billId: string }) => void (await outbox.send({ to: [m.to], subject: m.subject, text: m.text, tag: 'supplier', billId: m.billId })),
      onSettled: async (b: { task_token?: string | null; bill_id: string; state: string }) => void (b.task_token && workflow.resume(b.task_token, { bill_id: b.bill_id, state: b.state })),
    };
    const ack = createServer((req, res) => {
      ackRoute(req, res, ackDeps)
        .then((handled) => handled || res.writeHead(404).end())
        .catch((err: Error) => res.writeHead(500, { 'content-type': 'text/plain' }).end(err.message));
    });
    await new Promise<void>((r) => ack.listen(0, '127.0.0.1', r));
    closers.push(() => new Promise<void>((r) => { ack.closeAllConnections(); ack.close(() => r()); }));
    const baseUrl = `http://127.0.0.1:${(ack.address() as AddressInfo).port}`;
    workflow = new LocalWorkflow({ store: db.store, documents, now, approvals: { mailer: outbox, secret, baseUrl } });
    let done = 0;
    // Many files: how far the run is, on stderr (a bar on a terminal, a few lines in a log).
    const progress = inputs.length > 10 ? startProgress(io, 'bm run', inputs.length, 'files', 'decided') : null;
    // A few files run at once: each is read while the earlier ones decide; the workflow takes
    // their decisions in the order of the files (as one after another would), and rows are
    // printed in that order. With --approve-all, each file's approvals are followed before the
    // next file decides, so one at a time.
    const window = values['approve-all'] ? 1 : QUEUE_CONCURRENCY;
    const started: Promise<ExecutionResult | null>[] = [];
    const start = (input: (typeof inputs)[number]) => {
      if (!input.bytes) return Promise.resolve(null);
      // Each FILE is one submission, as if it had arrived by mail: stored, then one execution
      // (started now, in the order of the files, running once the file is stored).
      const id = `run-${randomUUID()}`;
      const stored = documents.put(`incoming/${id}`, input.bytes);
      const result = workflow.run({ id, document_key: `incoming/${id}`, name: input.path, submitter: null, received_at: new Date(now()).toISOString(), sender_check: 'off' }, { after: stored });
      result.catch(() => undefined); // awaited below, in order
      return result;
    };
    for (let i = 0; i < inputs.length; i++) {
      while (started.length < Math.min(inputs.length, i + window)) started.push(start(inputs[started.length]!));
      const input = inputs[i]!;
      const result = await started[i]!;
      if (!input.bytes || !result) {
        unreadableFiles++;
        progress?.update(++done, `${rows.length} bill${rows.length === 1 ? '' : 's'}`);
        continue;
      }
      let bills = result.bills;
      if (values['approve-all'] && result.status === 'WAITING') {
        await approveAll(bills, outbox);
        // Blocked bills (never overridden here) keep their execution waiting; the others are decided.
        bills = await Promise.all(bills.map(async (b) => ((await db.store.getBill(b.bill_id)) ? outcomeRow((await db.store.getBill(b.bill_id))!) : b)));
      }
      bills.forEach((row, i) => {
        const out: OutcomeRow = values.trace ? { ...row, trace: result.traces[i] ?? result.traces[0] ?? [] } : row;
        rows.push(out);
        if (values.json) io.stdout(JSON.stringify(out) + '\n');
      });
      progress?.update(++done, `${rows.length} bill${rows.length === 1 ? '' : 's'}`);
    }
    progress?.done(`${inputs.length.toLocaleString('en')} files decided (${rows.length.toLocaleString('en')} bill${rows.length === 1 ? '' : 's'})`);
    // Approvals still pending end with the run: the decisions are recorded, only the wait stops.
    workflow.abortAll();
  } finally {
    for (const close of closers) await close();
    await db.stop();
    await rm(docDir, { recursive: true, force: true });
  }
  if (!values.json) io.stdout(formatTable(rows, values.trace === true));
  return unreadableFiles > 0 ? 1 : 0;
}

async function readCommand(args: string[], io: Io): Promise<number> {
  const { values, positionals } = parseCli(args, { json: { type: 'boolean', default: false } });
  if (positionals.length === 0) throw new CliUsageError('read needs at least one FILE');
  let failed = 0;
  for (const input of await readInputs(positionals, io)) {
    if (!input.bytes) {
      failed++;
      continue;
    }
    for (const r of await readDocument({ bytes: input.bytes, filename: input.path })) {
      const row = { input: input.path, part: r.part, format: r.format, bill: r.bill, exceptions: r.exceptions };
      io.stdout(values.json ? JSON.stringify(row) + '\n' : JSON.stringify(row, null, 2) + '\n');
    }
  }
  return failed > 0 ? 1 : 0;
}

export { formatTable };
