/**
 * The whole pipeline on a laptop, each cloud part replaced by a local one at the edges only:
 *
 * | cloud                          | local                                             |
 * |--------------------------------|---------------------------------------------------|
 * | DynamoDB                       | DynamoDB Local (same adapter, other endpoint)     |
 * | S3 document bucket             | `<home>/documents`                                |
 * | SES inbound → S3 → SQS         | SMTP server → `<home>/documents/inbox` → queue    |
 * | S3 upload                      | `<home>/drop` folder, the web upload form         |
 * | SQS → Step Functions           | a FIFO queue → the same ASL, run by an interpreter |
 * | SES outbound                   | `<home>/outbox/*.eml`                             |
 *
 * 1. Start DynamoDB Local (kept under `<home>/db` when persistent) and create the table.
 * 2. Start the web server, then the workflow (approval links point at the web server's
 *    `/approve`, where a final decision resumes the waiting execution).
 * 3. Open the intake: the SMTP inbox and the drop folder, both feeding one queue that runs
 *    submissions one at a time in arrival order.
 * 4. Write `<home>/stack.json` so that `bm import` and `bm audit` find the running stack.
 * `stop()` closes the intake, lets the queue finish, and stops DynamoDB Local (no Java left).
 */
import { createHash, randomBytes, timingSafeEqual } from 'node:crypto';
import { chmod, mkdir, readFile, rm, writeFile } from 'node:fs/promises';
import { userInfo } from 'node:os';
import { join, resolve } from 'node:path';
import type { Submission } from '../../core/submission.ts';
import type { DynamoBillStore } from '../aws/dynamo-store.ts';
import { startDropFolder, type DropFolder } from './drop-folder.ts';
import { durableExceptParts, FolderDocumentStore } from './folder-documents.ts';
import { Journal, type JournalEntry } from './journal.ts';
import { openLocalStore } from './local-stack.ts';
import { startSupervisedDatabase, type SupervisedDatabase } from './supervisor.ts';
import { LocalWorkflow, type LocalWorkflowDeps } from './local-workflow.ts';
import { OutboxMailer, OutboxReader } from './outbox.ts';
import { headerOf, startSmtpInbox, type SmtpInbox } from './smtp-inbox.ts';
import { SubmissionQueue, type QueueOutcome } from './submission-queue.ts';
import { webRoutes, errorPage, NOTICES, type UploadOutcome } from './web/app.ts';
import { workspaceRoutes } from './web/worklist-routes.ts';
import { esc } from './web/html.ts';
import { DynamoLaneState } from '../../lanes/dynamo-state.ts';
import { localClient } from './local-stack.ts';
import { approvalLinks } from '../../core/approvals.ts';
import { approvalRoutes, peopleRoutes, waitRoutes } from './web/approvals.ts';
import { emailApprovers } from '../../core/approval-desk.ts';
import { HttpError, Router, startWebServer, type Route, type WebRequest, type WebServer } from './web/http.ts';
import { LocalSessions } from './web/session.ts';
import type { Group } from './web/auth.ts';
import { ReviewConflictError, submitReview } from '../../core/review.ts';
import { dismissBill } from '../../core/dismiss.ts';
import { rematchBills, type RematchResult } from '../../core/rematch.ts';
import { dailySweep, type SweepResult } from '../../core/sweep.ts';
import { documentLink } from '../../core/notify.ts';

/** How a document came in. */
export type Via = 'smtp' | 'drop' | 'upload' | 'api';

export type StackEvent =
  | { readonly kind: 'received'; readonly via: Via; readonly submission: Submission }
  | { readonly kind: 'outcome'; readonly via: Via; readonly outcome: QueueOutcome }
  | { readonly kind: 'problem'; readonly message: string }
  /** Something the person running the stack should know (documents processed again at start, the database restarted). */
  | { readonly kind: 'notice'; readonly message: string }
  /** Something people should know that is not a problem (a re-match, a sweep). */
  | { readonly kind: 'note'; readonly message: string };

export interface LocalStackOptions {
  /** The stack's folder: documents, drop folder, outbox, database, `stack.json`. */
  readonly home: string;
  /** 0 (the default) picks a free port. */
  readonly ports?: { readonly web?: number; readonly smtp?: number };
  readonly now?: () => number;
  /** Keep the database under `<home>/db` across restarts (`bm start`). @default false: in memory */
  readonly persistent?: boolean;
  /** Use a DynamoDB that is already running (tests share one) instead of starting DynamoDB Local. */
  readonly database?: { readonly endpoint: string; readonly tableName: string };
  /** The address bills are sent to. @default 'bills@localhost' */
  readonly billsAddress?: string;
  /** Accept mail for any recipient, not only `billsAddress`. @default true */
  readonly acceptAnyRecipient?: boolean;
  /** Who signs in to the web page: the reviewer and uploader of what is done there. @default `<login name>@localhost` */
  readonly user?: string;
  /** Replace task code (tests inject failures). */
  readonly override?: LocalWorkflowDeps['override'];
  /** Wait out quiet hours for real before emailing approvers. @default false */
  readonly honourWaits?: boolean;
  /** More web routes (they win over the built-in ones only where the built-ins have none). */
  readonly routes?: (stack: LocalStack) => Route[];
  /** @default 400 */
  readonly dropIntervalMs?: number;
  /** How soon a journaled document whose run broke (the database away) is tried again. @default 2000 */
  readonly retryIntervalMs?: number;
  /** How often the local sweep runs (reminders, escalations, held approval requests); also once at start. @default 3600000 */
  readonly sweepIntervalMs?: number;
  readonly onEvent?: (event: StackEvent) => void;
}

/** A document handed to the stack (upload, API, demo). */
export interface IncomingDocument {
  readonly bytes: Uint8Array;
  /** The file name, or the email's subject: shown as the bill's input. */
  readonly name: string;
  /** Stable id of the arrival: one execution per id. @default derived from name and bytes */
  readonly id?: string;
  readonly submitter?: string | null;
  readonly via?: Via;
}

export interface LocalStack {
  readonly home: string;
  readonly webUrl: string;
  readonly smtp: { readonly host: string; readonly port: number };
  readonly billsAddress: string;
  readonly dropDir: string;
  readonly outboxDir: string;
  readonly documentsDir: string;
  /** Where DynamoDB Local keeps its data, or null when in memory. */
  readonly dbDir: string | null;
  readonly dynamo: { readonly endpoint: string; readonly tableName: string };
  readonly store: DynamoBillStore;
  readonly documents: FolderDocumentStore;
  readonly workflow: LocalWorkflow;
  readonly mailer: OutboxMailer;
  readonly outbox: OutboxReader;
  readonly router: Router;
  /** The signed-in user of the web page (reviewer, uploader). */
  readonly user: string;
  /** A fresh one-time link that signs a browser in to the web page (valid 15 minutes); the local user (clerk, admin) unless told. */
  signInUrl(who?: { user?: string; groups?: readonly Group[] }): string;
  /** Stores a document and queues it; resolves once it has been processed. */
  submit(doc: IncomingDocument): Promise<QueueOutcome>;
  /** Resolves when everything received so far has been processed. */
  idle(): Promise<void>;
  /** Whether master data (a policy) has been imported. */
  hasMasterData(): Promise<boolean>;
  /** Decides again the bills master data can settle (after an import): `bm rematch`. */
  rematch(reason: string): Promise<RematchResult>;
  /** The daily sweep (reminders, escalation, questions about bills waiting on suppliers): `bm sweep`. */
  sweep(): Promise<SweepResult>;
  stop(): Promise<void>;
}

/** What `<home>/stack.json` holds while a stack runs. */
export interface StackFile {
  readonly pid: number;
  readonly home: string;
  readonly started_at: string;
  readonly web_url: string;
  readonly smtp: { readonly host: string; readonly port: number };
  readonly bills_address: string;
  readonly dynamodb: { readonly endpoint: string; readonly table: string };
  readonly drop: string;
  readonly outbox: string;
  readonly persistent: boolean;
  /** The command line's bearer token for the stack's own API (`bm sweep`, `bm rematch`); this file is 0600. */
  readonly cli_token?: string;
}

export const STACK_FILE = 'stack.json';
/** Written by `bm redrive`: the running stack resumes unfinished approval executions at its next tick. */
export const REDRIVE_REQUEST = 'redrive.request';

/** Thrown when another stack already runs in the same home. */
export class StackAlreadyRunning extends Error {
  override readonly name = 'StackAlreadyRunning';
}

/** The running stack's `stack.json` in `home`, or null when none runs (a stale file is ignored). */
export async function readStackFile(home: string): Promise<StackFile | null> {
  let text: string;
  try {
    text = await readFile(join(home, STACK_FILE), 'utf8');
  } catch (err) {
    if ((err as NodeJS.ErrnoException).code === 'ENOENT') return null;
    throw err;
  }
  const file = JSON.parse(text) as StackFile;
  return isAlive(file.pid) ? file : null;
}

function isAlive(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch (err) {
    return (err as NodeJS.ErrnoException).code === 'EPERM';
  }
}

const sha256 = (b: Uint8Array) => createHash('sha256').update(b).digest('hex');
/** A document key segment from a name: no separators, nothing hidden. */
const safeName = (s: string) => s.replace(/[^A-Za-z0-9._-]/g, '_').replace(/^\.+/, '_').slice(0, 120) || 'document';

export async function startLocalStack(options: LocalStackOptions): Promise<LocalStack> {
  const home = resolve(options.home);
  const now = options.now ?? Date.now;
  const emit = (e: StackEvent) => {
    try {
      options.onEvent?.(e);
    } catch {
      // a listener's problem is not the stack's
    }
  };
  const dirs = { documents: join(home, 'documents'), drop: join(home, 'drop'), outbox: join(home, 'outbox'), db: join(home, 'db'), journal: join(home, 'journal') };
  // The stack's data is the user's alone (0700 folders, 0600 files): bills, bank details, the
  // approval links in the outbox, the database. Folders made by an older version are tightened.
  for (const d of [home, dirs.documents, dirs.drop, dirs.outbox, dirs.journal]) await privateDir(d);
  const running = await readStackFile(home);
  if (running) throw new StackAlreadyRunning(`a local stack already runs in ${home} (pid ${running.pid}, ${running.web_url}); stop it first`);

  // Everything started so far, stopped in reverse order if a later step fails.
  const undo: (() => Promise<void>)[] = [];
  const unwind = async () => {
    for (const u of undo.reverse()) await u().catch(() => undefined);
  };

  /** Why intake refuses documents right now (SMTP 451, the drop folder left alone), or null. */
  let databaseDown: string | null = null;
  let onDatabaseUp: () => void = () => undefined;
  let supervised: SupervisedDatabase | null = null;

  try {
    // 1. The database.
    let store: DynamoBillStore;
    let dynamo: { endpoint: string; tableName: string };
    if (options.database) {
      const opened = await openLocalStore(options.database.endpoint, options.database.tableName);
      store = opened.store;
      dynamo = { ...options.database };
      undo.push(async () => opened.client.destroy());
    } else {
      if (options.persistent) await privateDir(dirs.db);
      // Supervised: health-checked and restarted; intake pauses meanwhile (SMTP 451, the drop folder waits).
      const db = await startSupervisedDatabase({
        ...(options.persistent ? { dbPath: dirs.db } : {}),
        onDown(reason) {
          databaseDown = `the database is restarting (${reason}); try again shortly`;
          emit({ kind: 'notice', message: `${reason}: intake paused (SMTP answers 451, the drop folder waits); restarting DynamoDB Local` });
        },
        onUp(restarts) {
          databaseDown = null;
          emit({ kind: 'notice', message: `DynamoDB Local is running again (restart ${restarts}): intake open` });
          onDatabaseUp();
        },
        onProblem: (message) => emit({ kind: 'problem', message }),
        onNotice: (message) => emit({ kind: 'notice', message }),
      });
      supervised = db;
      store = db.store;
      dynamo = { endpoint: db.endpoint, tableName: db.tableName };
      undo.push(() => db.stop());
    }
    const documents = new FolderDocumentStore(dirs.documents, { durable: durableExceptParts });
    const mailer = new OutboxMailer(dirs.outbox, { now });
    const outbox = new OutboxReader(dirs.outbox);
    const billsAddress = options.billsAddress ?? 'bills@localhost';

    // 2. The web server; routes are added once the parts they use exist.
    const router = new Router();
    let stack!: LocalStack;
    const sessions = new LocalSessions(options.user ?? localUser(), `bm_session_${randomBytes(4).toString('hex')}`, Date.now, errorPage);
    // The CLI has no cookie: it proves it may read the owner's stack.json, whose bearer token
    // (`cli_token`) the sessions accept as the local user.
    const cliOrSession = (req: WebRequest) => {
      if (!req.user) throw new HttpError(401, 'Sign in first, or ask through bm (it reads the token from stack.json).');
    };
    router.add(...sessions.routes());
    const web: WebServer = await startWebServer({
      router,
      auth: sessions,
      port: options.ports?.web ?? 0,
      errorPage,
      onError: (err, req) => emit({ kind: 'problem', message: `web ${req.method} ${req.path}: ${err.message}` }),
    });
    undo.push(() => web.close());

    const secret = options.persistent ? await persistentSecret(home) : randomBytes(32);
    const workflow = new LocalWorkflow({
      store,
      documents,
      now,
      approvals: { mailer, secret, baseUrl: web.url, billUrl: (id) => `${web.url}/bills/${encodeURIComponent(id)}` },
      ...(options.honourWaits ? { honourWaits: true } : {}),
      ...(options.override ? { override: options.override } : {}),
    });
    undo.push(async () => workflow.abortAll());

    // 3. The queue and the intake.
    // How each queued submission came in, in queue order per id (the same email can arrive twice).
    const via = new Map<string, Via[]>();
    const queue = new SubmissionQueue(workflow, (outcome) => {
      const list = via.get(outcome.submission.id) ?? [];
      const v = list.shift() ?? 'api';
      if (list.length === 0) via.delete(outcome.submission.id);
      emit({ kind: 'outcome', via: v, outcome });
    });
    undo.push(() => queue.close());

    const intakeRefusal = () => databaseDown;

    // 3b. The journal: a document is acknowledged only once it is on the disk, and stays there
    // until its outcome is recorded; whatever a crash cut short runs again at start.
    const journal = new Journal(dirs.journal);
    await journal.open();
    const inFlight = new Set<string>();
    const completing = new Set<Promise<QueueOutcome>>();
    let retryTimer: NodeJS.Timeout | null = null;
    let closing = false;

    function run(entry: JournalEntry): Promise<QueueOutcome> {
      inFlight.add(entry.name);
      via.set(entry.submission.id, [...(via.get(entry.submission.id) ?? []), entry.via]);
      const done = queue.submit(entry.submission).then(async (outcome) => {
        if (outcome.kind === 'error') {
          // Nothing recorded: the entry stays and runs again (soon, or at the next start).
          scheduleRetry();
        } else {
          await journal.complete(entry).catch((err: Error) => emit({ kind: 'problem', message: `journal: ${entry.name}: ${err.message}` }));
        }
        inFlight.delete(entry.name);
        return outcome;
      });
      // Idle means the journal too: an entry is complete once its file is gone.
      completing.add(done);
      void done.finally(() => completing.delete(done)).catch(() => undefined);
      return done;
    }

    /** Runs again, in arrival order, every journaled document that is neither done nor running. */
    async function replay(): Promise<number> {
      // Entries running (or being written) when the folder is listed are neither read nor run again.
      const pending = (
        await journal.pending(
          (name, err) => emit({ kind: 'problem', message: `journal: ${name} is unreadable and skipped: ${err.message}` }),
          (name) => !inFlight.has(name),
        )
      ).filter((e) => !inFlight.has(e.name));
      for (const e of pending) void run(e);
      return pending.length;
    }

    function scheduleRetry(): void {
      if (retryTimer || closing) return;
      retryTimer = setTimeout(() => {
        retryTimer = null;
        if (closing || databaseDown) return;
        void replay().catch((err: Error) => emit({ kind: 'problem', message: `journal: ${err.message}` }));
      }, options.retryIntervalMs ?? 2000);
      retryTimer.unref();
    }

    // The stored timers: approval executions whose request is not out yet (quiet hours across a
    // restart), and the sweep's reminders and escalations, which follow from each bill's clock.
    async function timers(): Promise<void> {
      if (closing || databaseDown) return;
      try {
        const resumed = await workflow.resumeApprovals();
        if (resumed > 0) emit({ kind: 'notice', message: `${resumed} approval request${resumed === 1 ? '' : 's'} held before the last stop: waiting out quiet hours again, then emailing` });
        if (await store.policy().then(() => true, () => false)) await dailySweep({ store, mailer, secret, baseUrl: web.url, now });
      } catch (err) {
        emit({ kind: 'problem', message: `timers: ${(err as Error).message}` });
      }
    }
    // Journal entries added from outside (`bm redrive`) and runs that broke are picked up here too.
    const tick = setInterval(() => {
      if (closing || databaseDown) return;
      void replay().catch((err: Error) => emit({ kind: 'problem', message: `journal: ${err.message}` }));
      void rm(join(home, REDRIVE_REQUEST)).then(
        () => timers(),
        () => undefined,
      );
    }, options.retryIntervalMs ?? 2000);
    tick.unref();
    const sweepTimer = setInterval(() => void timers(), options.sweepIntervalMs ?? 3_600_000);
    sweepTimer.unref();
    undo.push(async () => {
      clearInterval(tick);
      clearInterval(sweepTimer);
    });

    // Arrival order is the order documents are handed over: documents arriving together are
    // written at the same time (their flushes to the disk shared), and queued in turn, so that a
    // later copy of a bill never overtakes the first (its write finishing sooner). The journal
    // entry's name, which orders a replay, is taken on arrival.
    let turn: Promise<unknown> = Promise.resolve();

    /** Stores the bytes and journals the submission (both durably), then queues it; resolves once journaled. */
    function accept(doc: IncomingDocument & { keyPrefix: string; fileName?: string }): Promise<{ submission: Submission; done: Promise<QueueOutcome> }> {
      const hash = sha256(doc.bytes);
      const id = doc.id ?? `${doc.via ?? 'api'}:${doc.name}:${hash.slice(0, 16)}`;
      // Never overwritten: the same bytes land on the same key.
      const key = `${doc.keyPrefix}/${hash.slice(0, 2)}/${hash.slice(0, 16)}-${doc.fileName ?? safeName(doc.name)}`;
      const submission: Submission = {
        id,
        document_key: key,
        name: doc.name,
        submitter: doc.submitter ?? null,
        received_at: new Date(now()).toISOString(),
        // The local SMTP inbox reports no DMARC verdicts: From is taken at its word unless the policy says strict (§9).
        ...(doc.via === 'smtp' ? { sender_check: 'off' as const } : {}),
      };
      const name = journal.nextName(now());
      // Not replayed while it is being written (the bytes first, then the entry that names them).
      inFlight.add(name);
      const written = (async () => {
        if (closing) throw new Error('the local stack is stopping');
        const refusal = intakeRefusal();
        if (refusal) throw new Error(refusal);
        await documents.put(key, doc.bytes);
        return await journal.append(submission, doc.via ?? 'api', now(), name);
      })();
      written.catch(() => undefined); // awaited in turn below; failing before its turn is not unhandled
      const mine = turn.then(async () => {
        let entry: JournalEntry;
        try {
          entry = await written;
        } catch (err) {
          inFlight.delete(name);
          throw err;
        }
        emit({ kind: 'received', via: doc.via ?? 'api', submission });
        return { submission, done: run(entry) };
      });
      turn = mine.catch(() => undefined);
      return mine;
    }

    onDatabaseUp = () => {
      void replay().catch(() => undefined);
      void timers();
    };
    const replayed = await replay();
    if (replayed > 0) emit({ kind: 'notice', message: `${replayed} document${replayed === 1 ? '' : 's'} accepted before the last stop had no outcome yet: processing again` });
    const startupTimers = timers();
    const imports = await store.masterImportStatus();
    if (imports.interrupted) {
      emit({
        kind: 'notice',
        message: `an import of master data started ${imports.interrupted.started_at} did not finish: nothing of it is used; ${imports.current ? `the master data imported ${imports.current.imported_at ?? 'before'} is still current` : 'no master data is current yet'}. Run bm import again.`,
      });
    }

    const smtp: SmtpInbox = await startSmtpInbox({
      port: options.ports?.smtp ?? 0,
      ...(options.acceptAnyRecipient === false ? { acceptRecipients: [billsAddress] } : {}),
      async onMail(mail) {
        const messageId = headerOf(mail.raw, 'message-id')?.replace(/^<|>$/g, '').trim() || null;
        const subject = headerOf(mail.raw, 'subject')?.trim() || '(no subject)';
        const { submission } = await accept({
          bytes: mail.raw,
          name: subject,
          id: `mail:${messageId ?? sha256(mail.raw)}`,
          submitter: mail.mailFrom,
          via: 'smtp',
          keyPrefix: 'inbox',
          fileName: 'message.eml',
        });
        return `queued as ${submission.id}`;
      },
    });
    undo.push(() => smtp.close());

    const drop: DropFolder = await startDropFolder({
      dir: dirs.drop,
      intervalMs: options.dropIntervalMs ?? 400,
      async onFile(file) {
        // Taken once journaled: the journal runs it to its outcome, across restarts if need be.
        // A refusal (the database is down, the disk full) throws, and the file stays for a later scan.
        await accept({ bytes: file.bytes, name: file.name, via: 'drop', keyPrefix: 'drop' });
        return true;
      },
      onError: (err, name) => emit({ kind: 'problem', message: `drop folder, ${name}: ${err.message}` }),
    });
    undo.push(() => drop.stop());

    async function upload(file: { filename: string; bytes: Uint8Array }, user: string | null): Promise<UploadOutcome> {
      // Operator input (§9): the signed-in user is its submitter, and so never its approver.
      const { done } = await accept({ bytes: file.bytes, name: file.filename, via: 'upload', keyPrefix: 'uploads', submitter: user });
      const outcome = await done;
      if (outcome.kind === 'error') return { kind: 'error', message: outcome.error.message };
      if (outcome.kind === 'processed') return { kind: 'decided', billIds: outcome.execution.bills.map((b) => b.bill_id) };
      // Uploaded before: find the bills these bytes made.
      const hash = sha256(file.bytes);
      const earlier = (await store.listBills()).filter((b) => b.source.document_hash === hash);
      return { kind: 'already', billIds: earlier.map((b) => b.bill_id) };
    }

    /** A corrected bill through the queue; a correction the workflow could not apply is refused with its reason. */
    async function startReview(submission: Submission): Promise<void> {
      const outcome = await queue.submit(submission);
      if (outcome.kind === 'error') throw outcome.error;
      const billId = submission.review!.bill_id;
      const refused = (await store.audit(billId)).find((a) => a.action === 'review_not_applied' && a.message.includes(`(${submission.id})`));
      if (refused) throw new ReviewConflictError(refused.message);
    }

    router.add(
      ...webRoutes({
        store,
        outbox,
        intake: { billsAddress, smtp: `${smtp.host}:${smtp.port}`, dropDir: dirs.drop },
        upload,
        now,
        documentUrl: (id) => documentLink(id, { secret, baseUrl: web.url, now }),
        // The signed-in approver acts from the bill page with fresh links of their own (the emailed ones stay valid).
        actionLinks(bill, user) {
          const approver = bill.approvers.find((a) => a.toLowerCase() === user.toLowerCase());
          if (!approver || !['awaiting_approval', 'flagged', 'blocked'].includes(bill.state)) return null;
          const t = approvalLinks(bill, now(), secret)[approver]!;
          const url = (token: string) => `/approve?t=${encodeURIComponent(token)}`;
          return { approve: url(t.approve), query: url(t.query), reject: url(t.reject) };
        },
        dismiss: async (input) => void (await dismissBill(input, { store, now })),
        async review(input) {
          // The workflow refuses a review it cannot apply (the bill changed meanwhile), leaves the bill as it was and says so in its trail.
          await submitReview(input, { store, documents, now, start: startReview });
        },
        health: async () => {
          const base = { queued: queue.size, journal: (await journal.pending()).length, dynamodb: dynamo.endpoint, restarts: supervised?.restarts ?? 0 };
          if (databaseDown) return { status: 'degraded', database: 'restarting', intake: 'paused', reason: databaseDown, ...base };
          try {
            await store.getBill('healthz');
          } catch (err) {
            return { status: 'degraded', database: 'unreachable', intake: 'open', reason: (err as Error).message, ...base };
          }
          return { status: 'ok', database: 'up', intake: 'open', ...base };
        },
      }),
    );

    // The master pages read the import history and the master records' changes (the lanes' state).
    const laneClient = localClient(dynamo.endpoint);
    undo.push(async () => laneClient.destroy());
    router.add(
      ...workspaceRoutes({
        store,
        lanes: new DynamoLaneState({ tableName: dynamo.tableName, client: laneClient }),
        now,
        notices: NOTICES,
        emptyHint: `No bills yet. Send one by mail to <strong>${esc(billsAddress)}</strong> (SMTP ${esc(`${smtp.host}:${smtp.port}`)}), copy a file into <code>${esc(dirs.drop)}</code>, or <a href="/upload">upload one</a>.`,
      }),
    );

    // 4. Tell `bm import` / `bm audit` where it all is.
    const stackFile: StackFile = {
      pid: process.pid,
      home,
      started_at: new Date().toISOString(),
      web_url: web.url,
      smtp: { host: smtp.host, port: smtp.port },
      bills_address: billsAddress,
      dynamodb: { endpoint: dynamo.endpoint, table: dynamo.tableName },
      drop: dirs.drop,
      outbox: dirs.outbox,
      persistent: options.persistent === true,
      cli_token: sessions.cliToken,
    };
    await writeFile(join(home, STACK_FILE), JSON.stringify(stackFile, null, 2) + '\n', { mode: 0o600 });
    undo.push(() => rm(join(home, STACK_FILE), { force: true }));

    let stopping: Promise<void> | null = null;
    stack = {
      home,
      webUrl: web.url,
      smtp: { host: smtp.host, port: smtp.port },
      billsAddress,
      dropDir: dirs.drop,
      outboxDir: dirs.outbox,
      documentsDir: dirs.documents,
      dbDir: options.persistent && !options.database ? dirs.db : null,
      dynamo,
      store,
      documents,
      workflow,
      mailer,
      outbox,
      router,
      user: sessions.user,
      signInUrl: (who) => `${web.url}${sessions.newSignInPath(who)}`,
      async submit(doc) {
        const { done } = await accept({ ...doc, keyPrefix: doc.via === 'upload' ? 'uploads' : 'submitted' });
        return done;
      },
      async idle() {
        await queue.idle();
        while (completing.size > 0) await Promise.allSettled([...completing]);
      },
      async hasMasterData() {
        try {
          await store.policy();
          return true;
        } catch {
          return false;
        }
      },
      async rematch(reason) {
        // Asked after an import by another process (bm import, the drop lane): its version, not a cached pointer.
        store.forgetMasterVersion();
        const result = await rematchBills(reason, {
          store,
          now,
          async afterRedecide(before, after) {
            if (['awaiting_approval', 'flagged', 'blocked'].includes(after.state)) await emailApprovers(after, { mailer, secret, baseUrl: web.url, now, store });
            else if (before.task_token) workflow.resume(before.task_token, { bill_id: after.bill_id, state: after.state });
          },
        });
        for (const r of result.redecided) emit({ kind: 'note', message: `re-match (${reason}): ${r.invoice_number ?? r.bill_id} ${r.from} → ${r.to}` });
        return result;
      },
      sweep: () => dailySweep({ store, mailer, secret, baseUrl: web.url, now }),
      stop() {
        // Reverse order of start: stack file, drop folder, SMTP, queue (drains), workflow, web, database.
        stopping ??= unwind();
        return stopping;
      },
    };
    // The approval links in the outbox's emails point here; a final decision resumes the workflow.
    router.add(
      ...approvalRoutes({
        store,
        secret,
        now,
        notifySupplier: async (m) => void (await mailer.send({ to: [m.to], subject: m.subject, text: m.text, tag: 'supplier', billId: m.billId })),
        onSettled: async (b) => void (b.task_token && workflow.resume(b.task_token, { bill_id: b.bill_id, state: b.state })),
      }),
    );
    router.add(...peopleRoutes({ store, secret, now, baseUrl: web.url, documents, startReview }));
    // `bm rematch`, `bm import` and `bm sweep` ask the running stack, which holds the waiting executions.
    const json = (v: unknown) => ({ status: 200, headers: { 'Content-Type': 'application/json; charset=utf-8' }, body: JSON.stringify(v) });
    router.add(
      {
        method: 'POST',
        path: '/api/rematch',
        public: true,
        async handler(req) {
          cliOrSession(req);
          const body = JSON.parse((await req.body(16 * 1024)).toString('utf8') || '{}') as { reason?: unknown };
          return json(await stack.rematch(typeof body.reason === 'string' && body.reason.trim() ? body.reason.trim().slice(0, 200) : 'bm rematch'));
        },
      },
      { method: 'POST', path: '/api/sweep', public: true, handler: async (req) => (cliOrSession(req), json(await stack.sweep())) },
    );
    router.add(
      ...waitRoutes({
        store,
        secret,
        now,
        afterResume: async (b) => void (await emailApprovers(b, { mailer, secret, baseUrl: web.url, now, store })),
        notifySupplier: async (m) => void (await mailer.send({ to: [m.to], subject: m.subject, text: m.text, tag: 'supplier', billId: m.billId })),
      }),
    );
    if (options.routes) router.add(...options.routes(stack));
    await startupTimers;
    return stack;
  } catch (err) {
    await unwind();
    throw err;
  }
}

/** The local user as an address, the form reviewers and submitters take: `<login name>@localhost`. */
function localUser(): string {
  let name = 'user';
  try {
    name = userInfo().username.replace(/[^A-Za-z0-9._-]/g, '') || 'user';
  } catch {
    // no passwd entry (some containers): a neutral name
  }
  return `${name}@localhost`;
}

/** A folder only its owner may enter (created, or tightened when it exists). */
async function privateDir(path: string): Promise<void> {
  await mkdir(path, { recursive: true, mode: 0o700 });
  await chmod(path, 0o700);
}

/** The approval links' signing key of a persistent stack: links in the outbox survive a restart. */
async function persistentSecret(home: string): Promise<Uint8Array> {
  const path = join(home, 'secret.key');
  try {
    const hex = (await readFile(path, 'utf8')).trim();
    if (/^[0-9a-f]{64}$/.test(hex)) return Buffer.from(hex, 'hex');
  } catch (err) {
    if ((err as NodeJS.ErrnoException).code !== 'ENOENT') throw err;
  }
  const key = randomBytes(32);
  await writeFile(path, key.toString('hex') + '\n', { mode: 0o600 });
  return key;
}
