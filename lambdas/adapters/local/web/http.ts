/**
 * A small web server on `node:http`: a router where routes plug in (the bill pages, the outbox,
 * the upload form; later the approval links), bodies read with a size limit, and the headers
 * every page gets. It listens on the loopback interface only and refuses other Host names (DNS
 * rebinding) and cross-site form posts, so a web page in the same browser cannot drive it.
 */
import { createServer, type IncomingHttpHeaders, type IncomingMessage, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';

export type Method = 'GET' | 'POST' | 'PUT' | 'DELETE';

export interface WebRequest {
  readonly method: string;
  readonly url: URL;
  /** `:name` segments of the route's path, decoded. */
  readonly params: Readonly<Record<string, string>>;
  readonly headers: IncomingHttpHeaders;
  /** The signed-in local user (session cookie), or null on a public route without a session. */
  readonly user: string | null;
  /** The request body; throws `HttpError(413)` beyond `limitBytes`. */
  body(limitBytes?: number): Promise<Buffer>;
}

export interface WebResponse {
  readonly status: number;
  readonly headers?: Readonly<Record<string, string>>;
  readonly body?: string | Uint8Array;
}

export type RouteHandler = (req: WebRequest) => Promise<WebResponse> | WebResponse;

export interface Route {
  readonly method: Method;
  /** `/bills/:id` — literal segments and `:name` parameters. */
  readonly path: string;
  readonly handler: RouteHandler;
  /** Answered without a session (sign-in, health, the signed approval links). @default false */
  readonly public?: boolean;
}

/** An error that is an HTTP answer (413 too large, 400 bad form, …). */
export class HttpError extends Error {
  override readonly name = 'HttpError';
  constructor(
    readonly status: number,
    message: string,
  ) {
    super(message);
  }
}

interface Compiled extends Route {
  readonly segments: readonly string[];
}

export class Router {
  private readonly routes: Compiled[] = [];

  add(...routes: Route[]): this {
    for (const r of routes) this.routes.push({ ...r, segments: r.path.split('/').filter(Boolean) });
    return this;
  }

  /** The route for a request, the methods allowed on the path (405), or null (404). */
  resolve(method: string, pathname: string): { route: Route; params: Record<string, string> } | { allowed: string[] } | null {
    const parts = pathname.split('/').filter(Boolean);
    const allowed: string[] = [];
    for (const r of this.routes) {
      const params = matchSegments(r.segments, parts);
      if (!params) continue;
      if (r.method === method || (method === 'HEAD' && r.method === 'GET')) return { route: r, params };
      allowed.push(r.method);
    }
    return allowed.length > 0 ? { allowed } : null;
  }
}

function matchSegments(pattern: readonly string[], parts: readonly string[]): Record<string, string> | null {
  if (pattern.length !== parts.length) return null;
  const params: Record<string, string> = {};
  for (let i = 0; i < pattern.length; i++) {
    const p = pattern[i]!;
    const v = parts[i]!;
    if (p.startsWith(':')) {
      try {
        params[p.slice(1)] = decodeURIComponent(v);
      } catch {
        return null;
      }
    } else if (p !== v) return null;
  }
  return params;
}

/**
 * Pages are server-rendered and self-contained: no scripts at all, inline styles, images only
 * as data: URLs. Emails are shown in sandboxed frames (`srcdoc`), which inherit this policy.
 */
export const SECURITY_HEADERS: Readonly<Record<string, string>> = {
  'Content-Security-Policy':
    "default-src 'none'; style-src 'unsafe-inline'; img-src data: 'self'; frame-src 'self'; form-action 'self'; base-uri 'none'; frame-ancestors 'self'",
  'X-Content-Type-Options': 'nosniff',
  // Not `no-referrer`: with it, browsers send `Origin: null` on form posts, which looks cross-site.
  'Referrer-Policy': 'same-origin',
  'Cache-Control': 'no-store',
};

export interface WebServerOptions {
  readonly router: Router;
  /** @default '127.0.0.1' */
  readonly host?: string;
  /** 0 picks a free port. */
  readonly port: number;
  /** Renders an error page (status ≥ 400). */
  readonly errorPage?: (status: number, message: string) => string;
  readonly onError?: (err: Error, req: { method: string; path: string }) => void;
  /** Who is signed in, from the request's headers; without it every route is open (tests of the server alone). */
  readonly userOf?: (headers: IncomingHttpHeaders) => string | null;
}

export interface WebServer {
  /** `http://127.0.0.1:PORT` (no trailing slash). */
  readonly url: string;
  readonly port: number;
  close(): Promise<void>;
}

const LOOPBACK = new Set(['127.0.0.1', 'localhost', '::1']);

export async function startWebServer(options: WebServerOptions): Promise<WebServer> {
  const host = options.host ?? '127.0.0.1';
  let port = options.port;
  const errorPage = options.errorPage ?? ((status: number, message: string) => `<!doctype html><title>${status}</title><p>${escapeText(message)}</p>`);

  const allowedHosts = () => new Set([`127.0.0.1:${port}`, `localhost:${port}`, `[::1]:${port}`]);

  async function handle(req: IncomingMessage, res: ServerResponse): Promise<void> {
    const method = req.method ?? 'GET';
    let url: URL;
    try {
      url = new URL(req.url ?? '/', `http://${host === '::1' ? '[::1]' : host}:${port}`);
    } catch {
      return send(res, method, { status: 400, body: errorPage(400, 'Bad request.') });
    }
    if (LOOPBACK.has(host)) {
      if (!allowedHosts().has((req.headers.host ?? '').toLowerCase())) {
        return send(res, method, { status: 421, body: errorPage(421, 'This server answers only to 127.0.0.1 and localhost.') });
      }
      if (method !== 'GET' && method !== 'HEAD' && crossSite(req, allowedHosts())) {
        return send(res, method, { status: 403, body: errorPage(403, 'Forms may only be sent from this page itself.') });
      }
    }
    const found = options.router.resolve(method, url.pathname);
    if (!found) return send(res, method, { status: 404, body: errorPage(404, 'There is no page here.') });
    if ('allowed' in found) {
      return send(res, method, { status: 405, headers: { Allow: [...new Set(found.allowed)].join(', ') }, body: errorPage(405, 'Not allowed.') });
    }
    const user = options.userOf ? options.userOf(req.headers) : null;
    if (options.userOf && !user && !found.route.public) {
      return send(res, method, { status: 401, body: errorPage(401, 'Sign in first: open the sign-in link that bm start printed in its terminal (it works once; restart bm start for a new one).') });
    }
    const request: WebRequest = { method, url, params: found.params, headers: req.headers, user, body: (limit) => readBody(req, limit) };
    try {
      send(res, method, await found.route.handler(request));
    } catch (err) {
      if (err instanceof HttpError) return send(res, method, { status: err.status, body: errorPage(err.status, err.message) });
      options.onError?.(err as Error, { method, path: url.pathname });
      send(res, method, { status: 500, body: errorPage(500, `Something went wrong: ${(err as Error).message}`) });
    }
  }

  const server = createServer((req, res) => {
    handle(req, res).catch((err: Error) => {
      options.onError?.(err, { method: req.method ?? '?', path: req.url ?? '?' });
      if (!res.headersSent) res.writeHead(500).end();
    });
  });
  server.keepAliveTimeout = 2000;
  await new Promise<void>((resolve, reject) => {
    server.once('error', reject);
    server.listen(port, host, () => {
      server.off('error', reject);
      resolve();
    });
  });
  port = (server.address() as AddressInfo).port;
  const shownHost = host === '::1' ? '[::1]' : host === '0.0.0.0' ? '127.0.0.1' : host;
  return {
    url: `http://${shownHost}:${port}`,
    port,
    close: () =>
      new Promise<void>((resolve) => {
        server.close(() => resolve());
        server.closeAllConnections();
      }),
  };
}

function crossSite(req: IncomingMessage, hosts: Set<string>): boolean {
  // Browsers say where a request comes from; `none` is the user's own doing (a bookmark, the address bar).
  const site = req.headers['sec-fetch-site'];
  if (site !== undefined) return site !== 'same-origin' && site !== 'none';
  const origin = req.headers.origin;
  if (origin === undefined) return false;
  if (origin === 'null') return true;
  try {
    return !hosts.has(new URL(origin).host.toLowerCase());
  } catch {
    return true;
  }
}

function send(res: ServerResponse, method: string, r: WebResponse): void {
  const body = r.body === undefined ? Buffer.alloc(0) : typeof r.body === 'string' ? Buffer.from(r.body, 'utf8') : Buffer.from(r.body);
  const headers: Record<string, string | number> = {
    ...SECURITY_HEADERS,
    ...(typeof r.body === 'string' ? { 'Content-Type': 'text/html; charset=utf-8' } : {}),
    ...r.headers,
    'Content-Length': body.byteLength,
  };
  res.writeHead(r.status, headers);
  res.end(method === 'HEAD' ? undefined : body);
}

async function readBody(req: IncomingMessage, limitBytes = 1024 * 1024): Promise<Buffer> {
  const declared = Number(req.headers['content-length'] ?? NaN);
  if (declared > limitBytes) {
    req.resume();
    throw new HttpError(413, `The upload is too large (at most ${Math.floor(limitBytes / 1024 / 1024)} MB).`);
  }
  const chunks: Buffer[] = [];
  let size = 0;
  for await (const chunk of req) {
    size += (chunk as Buffer).byteLength;
    if (size > limitBytes) {
      req.resume();
      throw new HttpError(413, `The upload is too large (at most ${Math.floor(limitBytes / 1024 / 1024)} MB).`);
    }
    chunks.push(chunk as Buffer);
  }
  return Buffer.concat(chunks);
}

function escapeText(s: string): string {
  return s.replace(/[&<>"']/g, (c) => ({ '&': '&amp;', '<': '&lt;', '>': '&gt;', '"': '&quot;', "'": '&#39;' })[c]!);
}

/** `application/x-www-form-urlencoded` fields (the approval forms, filters). */
export function parseUrlEncoded(body: Buffer): Record<string, string> {
  return Object.fromEntries(new URLSearchParams(body.toString('utf8')));
}
