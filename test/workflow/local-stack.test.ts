/**
 * The local stack as a whole: bills arrive through the SMTP inbox and the drop folder and come
 * out decided; a redelivered email runs once; a task that keeps failing leaves a needs_review
 * bill with its reason; `bm demo` and `bm start` / `bm import` / `bm audit` end to end.
 */
import { execFileSync } from 'node:child_process';
import { readFileSync } from 'node:fs';
import { copyFile, mkdtemp, readdir, readFile, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { WORKFLOW_DEFINITION } from '../../lambdas/adapters/local/local-workflow.ts';
import { readStackFile, type StackEvent } from '../../lambdas/adapters/local/stack.ts';
import { main } from '../../lambdas/cli/main.ts';
import { TransientError } from '../../lambdas/shared/errors.ts';
import { DEMO, sendMail, signedInFetch, testStack, waitFor, type TestStack } from '../support/local.ts';

const bills = (name: string) => join(DEMO, 'bills', name);

describe('the local stack', () => {
  let stack: TestStack;
  const events: StackEvent[] = [];

  beforeAll(async () => {
    stack = await testStack({ onEvent: (e) => events.push(e) });
  });
  afterAll(async () => {
    await stack?.dispose();
  });

  const outcomesFor = (id: string) => events.filter((e) => e.kind === 'outcome' && e.outcome.submission.id === id).map((e) => (e.kind === 'outcome' ? e.outcome.kind : null));
  const billsNumbered = async (n: string) => (await stack.store.listBills()).filter((b) => b.invoice_number === n);

  it('decides a bill emailed to the SMTP inbox with nodemailer', async () => {
    const sent = await sendMail(stack, {
      from: 'Castor Tools Accounts <accounts@castor-tools.example>',
      subject: 'Invoice CT-88410',
      text: 'Our invoice is attached.',
      messageId: '<smtp-1@castor-tools.example>',
      attachments: [{ filename: 'CT-88410.xml', path: bills('03-castor-drills.xml') }],
    });
    expect(sent.response).toMatch(/^250 /);
    await stack.idle();

    const [bill] = await billsNumbered('CT-88410');
    expect(bill).toMatchObject({ state: 'flagged', vendor_id: 'V300', po_number: 'PO-3001' });
    expect(bill!.exceptions.map((e) => e.code)).toEqual(['PRICE_VARIANCE']);
    // The supplier sent it: it is the sender, not a submitter (a submitter is a colleague, §9).
    expect(bill!.source).toMatchObject({ input: 'Invoice CT-88410', submitter: null, origin: 'attachment CT-88410.xml', sender_check: 'off' });
    expect(bill!.source.email).toMatchObject({ messageId: '<smtp-1@castor-tools.example>', subject: 'Invoice CT-88410', from: 'accounts@castor-tools.example' });
    // The raw message is kept as it came.
    const stored = await readdir(join(stack.documentsDir, 'inbox'), { recursive: true });
    expect(stored.filter((f) => f.endsWith('.eml'))).toHaveLength(1);
    // And the web page lists it.
    const api = (await (await (await signedInFetch(stack))('/api/bills?state=flagged')).json()) as { bills: { invoice_number: string }[] };
    expect(api.bills.map((b) => b.invoice_number)).toContain('CT-88410');
  });

  it('starts one execution and makes one bill when the same email is delivered twice', async () => {
    const mail = {
      from: 'faktura@fjord-packaging.example',
      subject: 'Faktura FP-2026-077',
      text: 'Vedlagt faktura.',
      messageId: '<twice@fjord-packaging.example>',
      attachments: [{ filename: 'FP-2026-077.xml', path: bills('04-fjord-boxes.cii.xml') }],
    };
    await sendMail(stack, mail);
    // A redelivery: the same message, with one more Received header, as a retrying relay sends it.
    await sendMail(stack, { ...mail, headers: { Received: 'from relay.example by bills.local; Mon, 2 Mar 2026 10:00:00 +0000' } });
    await stack.idle();

    expect(outcomesFor('mail:twice@fjord-packaging.example')).toEqual(['processed', 'already_processed']);
    expect(await billsNumbered('FP-2026-077')).toHaveLength(1);
  });

  it('processes a file dropped into the drop folder once, then moves it to processed/', async () => {
    await copyFile(bills('07-evergreen-cleaning.cii.xml'), join(stack.dropDir, 'evergreen.xml'));
    await waitFor('the dropped file to be processed', async () => (await readdir(join(stack.dropDir, 'processed'))).includes('evergreen.xml'));
    await stack.idle();
    expect(await readdir(stack.dropDir)).not.toContain('evergreen.xml');
    const [bill] = await billsNumbered('EV-2603-11');
    expect(bill).toMatchObject({ state: 'blocked', source: { input: 'evergreen.xml' } });
    expect(bill!.exceptions.map((e) => e.code)).toEqual(['CAP_EXCEEDED']);

    // The same file dropped again is the same upload: moved aside, not run again.
    await copyFile(bills('07-evergreen-cleaning.cii.xml'), join(stack.dropDir, 'evergreen.xml'));
    await waitFor('the second copy to be moved', async () => (await readdir(join(stack.dropDir, 'processed'))).includes('evergreen-2.xml'));
    await stack.idle();
    expect(await billsNumbered('EV-2603-11')).toHaveLength(1);
    expect(events.filter((e) => e.kind === 'outcome' && e.via === 'drop').map((e) => (e.kind === 'outcome' ? e.outcome.kind : null))).toEqual(['processed', 'already_processed']);
  });

  it('runs submissions one at a time in arrival order, so a later copy is the duplicate', async () => {
    // The first document's write is the slower one (a loaded disk): arrival order still holds.
    const put = stack.documents.put.bind(stack.documents);
    let calls = 0;
    stack.documents.put = async (key, bytes) => {
      if (calls++ === 0) await new Promise((r) => setTimeout(r, 300));
      return put(key, bytes);
    };
    const first = stack.submit({ bytes: readFileSync(bills('01-acme-office.xml')), name: 'first.xml' });
    const second = stack.submit({ bytes: readFileSync(bills('05-acme-office-resent.cii.xml')), name: 'second.xml' });
    const [a, b] = await Promise.all([first, second]);
    expect(a.kind === 'processed' && a.execution.bills[0]!.state).toBe('ready_for_payment');
    expect(b.kind === 'processed' && b.execution.bills[0]!.exceptions.map((e) => e.code)).toEqual(['DUPLICATE']);
    stack.documents.put = put;
  });
});

describe('a task that keeps failing', () => {
  const asl = JSON.parse(readFileSync(WORKFLOW_DEFINITION, 'utf8'));
  const retry = asl.States.DecideEachBill.ItemProcessor.States.DecideBill.Retry.find((r: { ErrorEquals: string[] }) => r.ErrorEquals.includes('TransientError'));
  let stack: TestStack;
  let attempts = 0;

  beforeAll(async () => {
    stack = await testStack({
      override: {
        'decide-bill': async () => {
          attempts++;
          throw new TransientError('the database is on fire');
        },
      },
    });
  });
  afterAll(async () => {
    await stack?.dispose();
  });

  it('is retried as the definition says, then the bill ends needs_review with the reason, visible on its page', async () => {
    const outcome = await stack.submit({ bytes: readFileSync(bills('01-acme-office.xml')), name: 'acme.xml' });

    expect(attempts).toBe(1 + retry.MaxAttempts);
    expect(outcome.kind).toBe('processed');
    const [row] = outcome.kind === 'processed' ? outcome.execution.bills : [];
    expect(row).toMatchObject({ state: 'needs_review', exceptions: [{ code: 'UNREADABLE', message: expect.stringContaining('processing failed after retries: TransientError') }] });
    const bill = await stack.store.getBill(row!.bill_id);
    expect(bill!.exceptions[0]!.message).toContain('the database is on fire');

    const page = await (await (await signedInFetch(stack))(`/bills/${row!.bill_id}`)).text();
    expect(page).toContain('Needs review');
    expect(page).toContain('processing failed after retries: TransientError: the database is on fire');
  });
});

describe('quiet hours on a running stack', () => {
  it('a bill waiting out quiet hours holds neither the queue nor the stop', async () => {
    // Tomorrow at 21:00 in Berlin: approval emails must wait for 08:00, for real. (Not further
    // ahead: timers longer than 24.8 days fire at once in Node.)
    const tomorrow = new Date(Date.now() + 86_400_000).toISOString().slice(0, 10);
    const nowMs = Date.parse(`${tomorrow}T21:00:00+01:00`);
    const stack = await testStack({ honourWaits: true, now: () => nowMs });
    try {
      const flagged = await stack.submit({ bytes: readFileSync(bills('03-castor-drills.xml')), name: 'drills.xml' });
      const next = await stack.submit({ bytes: readFileSync(bills('01-acme-office.xml')), name: 'acme.xml' });
      const row = flagged.kind === 'processed' ? flagged.execution.bills[0]! : null;
      expect(row?.state).toBe('flagged');
      expect(row?.notify_at).toMatch(/T08:00:00\+0[12]:00$/);
      expect(Date.parse(row!.notify_at!)).toBeGreaterThan(nowMs);
      expect(next.kind === 'processed' && next.execution.bills[0]!.state).toBe('ready_for_payment');
      expect(await stack.outbox.list()).toEqual([]);
    } finally {
      const t = Date.now();
      await stack.dispose();
      // Waiting out the quiet hours would take until 08:00 (11 hours): any bound well under that
      // tells the two apart without depending on the machine's speed.
      expect(Date.now() - t).toBeLessThan(30_000);
    }
  });
});

describe('bm demo', () => {
  it('runs the bundled demo through the local stack, prints the expected table and stops cleanly', async () => {
    let out = '';
    let err = '';
    const code = await main(['demo'], { stdout: (s) => (out += s), stderr: (s) => (err += s) });

    expect(code, err).toBe(0);
    const manifest = JSON.parse(await readFile(join(DEMO, 'demo.json'), 'utf8')) as { steps: { file?: string; email?: { subject: string }; expect: { state: string; codes: string[] }[] }[] };
    const table = out.split('\n').filter((l) => /^(bills\/|Castor Tools invoices)/.test(l));
    const expected = manifest.steps.flatMap((s) => s.expect.map((e, part) => ({ input: s.file ?? s.email!.subject, part, ...e })));
    expect(table).toHaveLength(expected.length);
    expected.forEach((e, i) => {
      const line = table[i]!;
      expect(line.startsWith(e.input), line).toBe(true);
      expect(line).toContain(` ${e.state} `.trimEnd());
      for (const c of e.codes) expect(line).toContain(c);
    });
    // Every outcome the demo must show, and the email came through SMTP with two bills.
    for (const s of ['ready_for_payment', 'awaiting_approval', 'flagged', 'blocked', 'needs_review']) expect(out).toContain(s);
    for (const c of ['PRICE_VARIANCE', 'QUANTITY_VARIANCE', 'DUPLICATE', 'VENDOR_BLOCKED', 'CAP_EXCEEDED', 'VENDOR_UNKNOWN', 'TOTALS_INCONSISTENT']) expect(out).toContain(c);
    expect(out).toMatch(/http:\/\/127\.0\.0\.1:\d+\/bills\/b\w+/);
    expect(out).toMatch(/approve: http:\/\/127\.0\.0\.1:\d+\/approve\?t=/);
    expect(err).toMatch(/\[10\/10\] email/);
    // It ends with finance's monthly summary of its bills, written to the outbox.
    expect(out).toMatch(/Monthly summary of \w+ \d{4} \(finance's email, in the outbox: http:\/\/127\.0\.0\.1:\d+\/outbox\): 11 bills, /);
    // No DynamoDB Local left behind by this process.
    expect(javaChildren()).toEqual([]);
  }, 90_000);
});

describe('bm start, bm import, bm audit', () => {
  it('runs until stopped, takes master data and answers for the audit trail, and leaves no Java behind', async () => {
    const home = await mkdtemp(join(tmpdir(), 'bm-home-'));
    const stop = new AbortController();
    let out = '';
    let err = '';
    const io = { stdout: (s: string) => (out += s), stderr: (s: string) => (err += s) };
    try {
      // Nothing runs yet: import says how to start.
      expect(await main(['import', join(DEMO, 'master'), '--home', home], io)).toBe(1);
      expect(err).toContain('no local stack is running');

      const running = main(['start', '--home', home, '--port', '0', '--smtp-port', '0'], { ...io, signal: stop.signal });
      await waitFor('the start banner', async () => out.includes('No master data yet'), 60_000);
      const file = (await readStackFile(home))!;
      expect(out).toContain(`web page     ${file.web_url}/`);

      expect(await main(['import', join(DEMO, 'master'), '--home', home], io)).toBe(0);
      expect(out).toMatch(/imported .*6 vendors/);
      expect(await main(['import', join(DEMO, 'master'), '--home', home, '--region', 'eu-west-1'], io)).toBe(2);
      expect(err).toContain('--region goes with --stack');

      await copyFile(bills('06-delta-freight.xml'), join(home, 'drop', 'delta.xml'));
      const line = await waitFor('the dropped bill', async () => out.split('\n').find((l) => l.includes('delta.xml')));
      expect(line).toContain('→ blocked (VENDOR_BLOCKED)');
      const billId = /\/bills\/(b\w+)/.exec(line)![1]!;

      let audit = '';
      expect(await main(['audit', billId, '--home', home], { stdout: (s) => (audit += s), stderr: io.stderr })).toBe(0);
      expect(audit).toMatch(/^#\s+at\s+actor\s+action/);
      expect(audit).toMatch(/decided\s+— → blocked/);
      expect(await main(['audit', 'b-no-such-bill', '--home', home], io)).toBe(1);

      // A second stack in the same home is refused.
      expect(await main(['start', '--home', home, '--port', '0', '--smtp-port', '0'], io)).toBe(1);
      expect(err).toContain('already runs');

      stop.abort();
      expect(await running).toBe(0);
      expect(out).toContain('stopped.');
      expect(await readStackFile(home)).toBeNull();
      expect(javaChildren()).toEqual([]);
    } finally {
      stop.abort();
      await rm(home, { recursive: true, force: true });
    }
  }, 120_000);
});

/** DynamoDB Local processes started by this test process and still running. */
function javaChildren(): string[] {
  let ps = '';
  try {
    ps = execFileSync('ps', ['-o', 'pid=,args=', '--ppid', String(process.pid)], { encoding: 'utf8' });
  } catch {
    // ps exits 1 when there is no child at all
  }
  return ps.split('\n').filter((l) => l.includes('DynamoDBLocal.jar'));
}
