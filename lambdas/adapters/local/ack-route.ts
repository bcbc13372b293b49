/**
 * The ack endpoint on the local web server (`/approve?t=…`): the same pages and use cases the
 * ack Lambda serves behind its Function URL. GET shows, POST (form-encoded) acts.
 */
import type { IncomingMessage, ServerResponse } from 'node:http';
import { handleAck } from '../../ack/pages.ts';
import type { ApprovalDeps } from '../../core/approvals.ts';

const MAX_FORM_BYTES = 64 * 1024;

async function readForm(req: IncomingMessage): Promise<Record<string, string>> {
  let size = 0;
  const chunks: Buffer[] = [];
  for await (const c of req) {
    size += (c as Buffer).length;
    if (size > MAX_FORM_BYTES) throw new RangeError('form too large');
    chunks.push(c as Buffer);
  }
  return Object.fromEntries(new URLSearchParams(Buffer.concat(chunks).toString('utf8')));
}

/** Handles `/approve`; returns false for any other path so that the caller can route it. */
export async function ackRoute(req: IncomingMessage, res: ServerResponse, deps: ApprovalDeps): Promise<boolean> {
  const url = new URL(req.url ?? '/', 'http://localhost');
  if (url.pathname !== '/approve') return false;
  let form: Record<string, string> = {};
  if (req.method === 'POST') {
    try {
      form = await readForm(req);
    } catch {
      res.writeHead(413, { 'content-type': 'text/plain' }).end('form too large');
      return true;
    }
  }
  const page = await handleAck(req.method ?? 'GET', url.searchParams.get('t'), { reason: form.reason, message: form.message }, deps);
  res.writeHead(page.status, {
    'content-type': 'text/html; charset=utf-8',
    'cache-control': 'no-store',
    'referrer-policy': 'no-referrer',
    'x-frame-options': 'DENY',
    'content-security-policy': "default-src 'none'; style-src 'unsafe-inline'; form-action 'self'",
  });
  res.end(page.html);
  return true;
}
