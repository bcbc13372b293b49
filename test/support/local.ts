/** A local stack for tests: a temporary home, free ports, a fresh table in the run's DynamoDB Local. */
import { randomUUID } from 'node:crypto';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import nodemailer from 'nodemailer';
import type { SendMailOptions } from 'nodemailer';
import { inject } from 'vitest';
import { loadMasterFolder } from '../../lambdas/adapters/local/master-folder.ts';
import type { CanonicalBill } from '../../lambdas/core/bill.ts';
import type { BillRecord } from '../../lambdas/core/ports/store.ts';
import { startLocalStack, type LocalStack, type LocalStackOptions } from '../../lambdas/adapters/local/stack.ts';

export const DEMO = join(import.meta.dirname, '../../bin/demo');

export interface TestStack extends LocalStack {
  /** Stops the stack and removes its home. */
  dispose(): Promise<void>;
}

export async function testStack(options: Omit<LocalStackOptions, 'home'> = {}): Promise<TestStack> {
  const home = await mkdtemp(join(tmpdir(), 'bm-stack-'));
  const stack = await startLocalStack({
    home,
    database: { endpoint: inject('dynamoEndpoint'), tableName: `t-${randomUUID()}` },
    dropIntervalMs: 100,
    ...options,
  });
  await stack.store.importMaster(await loadMasterFolder(join(DEMO, 'master')));
  return Object.assign(stack, {
    async dispose() {
      await stack.stop();
      await rm(home, { recursive: true, force: true });
    },
  });
}

/**
 * `fetch` on the stack's web page with a session (signed in through a one-time link, as a browser
 * would be); a POST carries the session's CSRF token (`X-CSRF-Token`), as a page's form carries it.
 */
export async function signedInFetch(stack: LocalStack): Promise<(path: string, init?: RequestInit) => Promise<Response>> {
  const r = await fetch(stack.signInUrl(), { redirect: 'manual' });
  const cookie = r.headers.get('set-cookie')?.split(';')[0];
  if (r.status !== 303 || !cookie) throw new Error(`sign-in failed: ${r.status}`);
  // The upload page has a form: the session's token is in it.
  const form = await (await fetch(`${stack.webUrl}/upload`, { headers: { Cookie: cookie } })).text();
  const csrf = /name="_csrf" value="([^"]+)"/.exec(form)?.[1];
  if (!csrf) throw new Error('no CSRF token on the upload page');
  return (path, init = {}) =>
    fetch(`${stack.webUrl}${path}`, { ...init, headers: { ...(init.headers as Record<string, string> | undefined), Cookie: cookie, ...(init.method && init.method !== 'GET' ? { 'X-CSRF-Token': csrf } : {}) } });
}

/** Sends one email to the stack's SMTP inbox, as any mail client would. */
export async function sendMail(stack: LocalStack, mail: SendMailOptions): Promise<{ response: string }> {
  const transport = nodemailer.createTransport({ host: stack.smtp.host, port: stack.smtp.port, secure: false, ignoreTLS: true });
  try {
    return (await transport.sendMail({ to: stack.billsAddress, ...mail })) as { response: string };
  } finally {
    transport.close();
  }
}

export async function waitFor<T>(what: string, probe: () => Promise<T | null | undefined | false>, timeoutMs = 30_000): Promise<T> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const v = await probe();
    if (v) return v;
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}`);
    await new Promise((r) => setTimeout(r, 50));
  }
}

/** Castor Tools' workbench bill (PO-3003 of the demo master data) as read from a scan with two digits of the total swapped: `needs_review`. */
export function misreadCastorBill(invoice: string): CanonicalBill {
  return {
    document_type: 'invoice',
    invoice_number: invoice,
    issue_date: '2026-03-02',
    currency: 'EUR',
    supplier: { name: 'Castor Tools AG', tax_id: 'DE811907980', iban: 'DE02120300000000202051' },
    po_reference: 'PO-3003',
    lines: [{ line_id: '1', item_code: 'WB-STEEL-2M', description: 'Steel workbench 2 m', quantity: '2', unit_price: '640.00', net_amount: '1280.00' }],
    net_total: '1280.00',
    tax_total: '243.20',
    total: '1532.20',
    confidence: { total: 0.55, invoice_number: 0.95 },
  };
}

/** Submits a bill (canonical JSON) to the stack and returns the bill it became. */
export async function submitBill(stack: LocalStack, bill: CanonicalBill, name: string): Promise<BillRecord> {
  const outcome = await stack.submit({ bytes: new TextEncoder().encode(JSON.stringify(bill)), name });
  if (outcome.kind !== 'processed') throw new Error(`${name}: not processed (${outcome.kind})`);
  return (await stack.store.getBill(outcome.execution.bills[0]!.bill_id))!;
}
