/**
 * A small HTTPS client for portal adapters on node:https: a private CA can be trusted per portal,
 * every request has a deadline and a byte limit, and redirects are not followed (a portal that
 * redirects a download is answered with its Location only if it stays on the portal's origin).
 */
import type { IncomingHttpHeaders } from 'node:http';
import { request as httpsRequest } from 'node:https';
import { PortalError } from './adapter.ts';

export interface HttpResponse {
  readonly status: number;
  readonly headers: IncomingHttpHeaders;
  readonly body: Uint8Array;
}

export interface HttpOptions {
  readonly method?: 'GET' | 'POST';
  readonly headers?: Record<string, string>;
  readonly body?: string;
  /** PEM of a CA to trust (a portal with a private CA); else the system's. */
  readonly ca?: string;
  /** @default 30000 */
  readonly timeoutMs?: number;
  readonly maxBytes: number;
}

export function httpFetch(url: URL, options: HttpOptions): Promise<HttpResponse> {
  if (url.protocol !== 'https:') return Promise.reject(new PortalError(`${url.origin}: only https URLs are fetched`));
  return new Promise((resolve, reject) => {
    const req = httpsRequest(
      url,
      {
        method: options.method ?? 'GET',
        headers: { 'user-agent': 'bill-matcher-portal-poll', ...options.headers, ...(options.body !== undefined ? { 'content-length': String(Buffer.byteLength(options.body)) } : {}) },
        timeout: options.timeoutMs ?? 30_000,
        ...(options.ca ? { ca: options.ca } : {}),
      },
      (res) => {
        const chunks: Buffer[] = [];
        let size = 0;
        res.on('data', (c: Buffer) => {
          size += c.length;
          if (size > options.maxBytes) {
            req.destroy(new PortalError(`${url.origin}${url.pathname}: response larger than ${options.maxBytes} bytes`));
            return;
          }
          chunks.push(c);
        });
        res.on('end', () => resolve({ status: res.statusCode ?? 0, headers: res.headers, body: new Uint8Array(Buffer.concat(chunks)) }));
        res.on('error', reject);
      },
    );
    req.on('timeout', () => req.destroy(new PortalError(`${url.origin}${url.pathname}: no answer within ${options.timeoutMs ?? 30_000} ms`)));
    req.on('error', reject);
    if (options.body !== undefined) req.write(options.body);
    req.end();
  });
}
