/**
 * `bm demo`: the whole local stack, once, on the bundled demo (`bin/demo/`).
 *
 * 1. Start the local stack in memory (DynamoDB Local, SMTP inbox, web page, outbox).
 * 2. Load the demo master data.
 * 3. Push each sample bill through the pipeline in order: e-invoice files as uploads, and one
 *    email with attachments sent to the SMTP inbox with nodemailer, as a supplier would.
 * 4. Print the outcomes, the bill pages and the approval links, and write finance's monthly
 *    summary of the demo's bills to the outbox; then stop (or, with `--serve`, keep serving
 *    until Ctrl-C), leaving no Java process behind.
 */
import { mkdtemp, readFile, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { basename, join, resolve } from 'node:path';
import nodemailer from 'nodemailer';
import * as z from 'zod';
import { approveLinkIn } from '../core/approval-desk.ts';
import type { OutcomeRow } from '../core/output.ts';
import { loadMasterFolder } from '../adapters/local/master-folder.ts';
import { startLocalStack, type LocalStack } from '../adapters/local/stack.ts';
import type { QueueOutcome } from '../adapters/local/submission-queue.ts';
import { CliUsageError, parseCli, portOption, untilStopped, type CliIo } from './local.ts';
import { monthOf } from '../core/summary/month.ts';
import { localSummary } from './summary.ts';
import { formatTable } from './table.ts';

/** The bundled demo: master data, sample bills and the manifest that orders them. */
export const DEMO_DIR = join(import.meta.dirname, '../../bin/demo');

const expectSchema = z.object({ state: z.string(), codes: z.array(z.string()) });
const stepSchema = z.union([
  z.object({ file: z.string(), shows: z.array(z.string()), expect: z.array(expectSchema) }),
  z.object({
    email: z.object({ from: z.string(), subject: z.string(), text: z.string(), attachments: z.array(z.string()).min(1) }),
    shows: z.array(z.string()),
    expect: z.array(expectSchema),
  }),
]);
export const demoManifestSchema = z.object({ master: z.string(), steps: z.array(stepSchema).min(1) });
export type DemoManifest = z.infer<typeof demoManifestSchema>;

export async function loadDemoManifest(dir = DEMO_DIR): Promise<DemoManifest> {
  return demoManifestSchema.parse(JSON.parse(await readFile(join(dir, 'demo.json'), 'utf8')));
}

/** One bill of the demo, with what it is meant to show and whether it did. */
export interface DemoRow {
  readonly row: OutcomeRow;
  readonly shows: string;
  readonly expected: { readonly state: string; readonly codes: readonly string[] } | null;
  readonly asExpected: boolean;
}

export async function demoCommand(args: string[], io: CliIo): Promise<number> {
  const { values, positionals } = parseCli(args, {
    serve: { type: 'boolean', default: false },
    port: { type: 'string' },
    'smtp-port': { type: 'string' },
    home: { type: 'string' },
  });
  if (positionals.length > 0) throw new CliUsageError('demo takes no FILE: it uses the bundled demo in bin/demo/');
  const ports = { web: portOption(values.port as string | undefined, 0, '--port'), smtp: portOption(values['smtp-port'] as string | undefined, 0, '--smtp-port') };
  const manifest = await loadDemoManifest();
  const master = await loadMasterFolder(join(DEMO_DIR, manifest.master));
  const keepHome = values.home !== undefined;
  const home = keepHome ? resolve(values.home as string) : await mkdtemp(join(tmpdir(), 'bm-demo-'));
  const started = Date.now();

  io.stderr('bm demo: starting the local stack (DynamoDB Local, SMTP inbox, web page, outbox)…\n');
  // Ctrl-C during the run finishes the bill in hand, then stops the stack cleanly.
  const waiting = untilStopped(io.signal);
  let interrupted = false;
  void waiting.stopped.then(() => (interrupted = true));
  const outcomes: QueueOutcome[] = [];
  let stack: LocalStack | null = null;
  let failures = 0;
  try {
    stack = await startLocalStack({
      home,
      ports,
      onEvent: (e) => {
        if (e.kind === 'outcome') outcomes.push(e.outcome);
        if (e.kind === 'problem') io.stderr(`bm demo: ${e.message}\n`);
      },
    });
    await stack.store.importMaster(master);
    io.stderr(`bm demo: loaded the demo master data: ${master.vendors.length} vendors, ${master.purchaseOrders.length} purchase orders, ${master.goodsReceipts.length} goods receipts\n`);

    const rows: DemoRow[] = [];
    const steps = manifest.steps;
    for (const [i, step] of steps.entries()) {
      if (interrupted) {
        io.stderr('bm demo: interrupted, stopping\n');
        return 130;
      }
      const before = outcomes.length;
      let label: string;
      if ('file' in step) {
        label = step.file;
        const bytes = new Uint8Array(await readFile(join(DEMO_DIR, step.file)));
        await stack.submit({ bytes, name: step.file, via: 'upload' });
      } else {
        label = `email "${step.email.subject}"`;
        await sendDemoEmail(stack, step.email);
        await stack.idle();
      }
      const bills = outcomes.slice(before).flatMap((o) => (o.kind === 'processed' ? o.execution.bills : []));
      for (const o of outcomes.slice(before)) if (o.kind === 'error') io.stderr(`bm demo: ${label} could not be processed: ${o.error.message}\n`);
      bills.forEach((row, k) => {
        const expected = step.expect[k] ?? null;
        const asExpected = expected !== null && expected.state === row.state && sameCodes(expected.codes, row.exceptions.map((e) => e.code));
        if (!asExpected) failures++;
        rows.push({ row, shows: step.shows[k] ?? step.shows[0] ?? '', expected, asExpected });
      });
      if (bills.length < step.expect.length) failures += step.expect.length - bills.length;
      const summary = bills.map((b) => `${b.state}${b.exceptions.length ? ` (${b.exceptions.map((e) => e.code).join(', ')})` : ''}`).join('; ') || 'no bill';
      io.stderr(`bm demo: [${i + 1}/${steps.length}] ${label} → ${summary}\n`);
    }

    io.stdout(`\nOutcomes of the ${rows.length} demo bills (${((Date.now() - started) / 1000).toFixed(1)} s):\n\n`);
    io.stdout(formatTable(rows.map((r) => r.row)));
    io.stdout(`\nWhat each shows, and its page:\n\n`);
    const w = Math.max(...rows.map((r) => (r.row.invoice_number ?? '—').length));
    for (const r of rows) {
      const mark = r.asExpected ? ' ' : '!';
      io.stdout(`${mark} ${(r.row.invoice_number ?? '—').padEnd(w)}  ${r.shows}\n    ${stack.webUrl}/bills/${r.row.bill_id}\n`);
    }
    const approvals = (await stack.outbox.list()).filter((m) => m.tag === 'approval-request').reverse();
    if (approvals.length > 0) {
      io.stdout(`\nApproval requests sent (to the outbox, ${stack.outboxDir}):\n\n`);
      const invoice = new Map(rows.map((r) => [r.row.bill_id, r.row.invoice_number ?? r.row.bill_id]));
      for (const a of approvals) {
        const msg = await stack.outbox.read(a.file);
        const approve = msg?.text ? approveLinkIn(msg.text) : null;
        io.stdout(`  ${(a.billId && invoice.get(a.billId)) ?? '—'} → ${a.to}\n    email:   ${stack.webUrl}/outbox/${encodeURIComponent(a.file)}\n${approve ? `    approve: ${approve}\n` : ''}`);
      }
    }
    // The month's summary for finance, of the demo's bills (this month, in the policy's zone).
    const zone = (await stack.store.policy()).timezone;
    await localSummary({ store: stack.store, mailer: stack.mailer, month: monthOf(Date.now(), zone), resend: true, webUrl: stack.webUrl, brief: true }, io);
    if (failures > 0) io.stderr(`\nbm demo: ${failures} bill(s) did not end as the demo expects (marked !)\n`);

    if (values.serve) {
      io.stdout(`\nThe demo keeps running: sign in at ${stack.signInUrl()} (works once), then ${stack.webUrl}/ (SMTP ${stack.smtp.host}:${stack.smtp.port}). Ctrl-C stops it.\n`);
      await waiting.stopped;
    } else {
      io.stdout(`\nThe demo has stopped, and these links with it: \`bm demo --serve\` keeps the page open; \`bm start\` runs the stack for your own bills.\n`);
    }
  } finally {
    await stack?.stop();
    waiting.release();
    if (!keepHome) await rm(home, { recursive: true, force: true });
  }
  return failures > 0 ? 1 : 0;
}

function sameCodes(a: readonly string[], b: readonly string[]): boolean {
  return a.length === b.length && [...a].sort().join() === [...b].sort().join();
}

/** Sends the demo's supplier email to the stack's SMTP inbox, attachments and all. */
async function sendDemoEmail(stack: LocalStack, email: { from: string; subject: string; text: string; attachments: string[] }): Promise<void> {
  const transport = nodemailer.createTransport({ host: stack.smtp.host, port: stack.smtp.port, secure: false, ignoreTLS: true });
  try {
    await transport.sendMail({
      from: email.from,
      to: stack.billsAddress,
      subject: email.subject,
      text: email.text,
      attachments: email.attachments.map((f) => ({ filename: basename(f), path: join(DEMO_DIR, f), contentType: 'application/xml' })),
    });
  } finally {
    transport.close();
  }
}
