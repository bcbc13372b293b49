/**
 * The workspace's web layer on Hono, one app for both homes: served by `@hono/node-server` on the
 * loopback interface by `bm start`, and by the workspace Lambda through `hono/aws-lambda`
 * (lambdas/workspace/handler.ts). Page code writes routes against the small contract below
 * (`Route`, `WebRequest`, `WebResponse`, `HttpError`); `webApp` registers each on Hono and wraps it
 * with what every page gets:
 * - the Host check (locally: only 127.0.0.1/localhost on our port, against DNS rebinding) and the
 *   refusal of cross-site form posts (Sec-Fetch-Site / Origin);
 * - sign-in (a `WebAuth`: the local session or Cognito), the group rules per route, and the CSRF
 *   token: put into every POST form of an HTML page as a hidden field, checked on every POST;
 * - bodies read with a size limit (413), the security headers, error pages, 404 and 405.
 */
import type { IncomingHttpHeaders } from 'node:http';
import type { AddressInfo } from 'node:net';
import { Hono, type Context } from 'hono';
import { LinearRouter } from 'hono/router/linear-router';
import { CSRF_FIELD, mayUse, sameToken, type Group, type Principal, type WebAuth } from './auth.ts';

export type Method = 'GET' | 'POST' | 'PUT' | 'DELETE';

export interface WebRequest {
  readonly method: string;
  readonly url: URL;
  /** `:name` segments of the route's path, decoded. */
  readonly params: Readonly<Record<string, string>>;
  readonly headers: IncomingHttpHeaders;
  /** The signed-in user (an email address), or null on a public route without a session. */
  readonly user: string | null;
  /** The signed-in user's groups (empty without a session; optional so that tests may build requests as before). */
  readonly groups?: readonly Group[];
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
  /** The groups that may use it. @default every group for GET, clerk and admin otherwise (auth.ts) */
  readonly groups?: readonly Group[];
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

/** The routes of an app; routes added after the app is built are served too. */
export class Router {
  private readonly list: Route[] = [];
  private readonly listeners: ((r: Route) => void)[] = [];

  add(...routes: Route[]): this {
    for (const r of routes) {
      this.list.push(r);
      for (const l of this.listeners) l(r);
    }
    return this;
  }

  get routes(): readonly Route[] {
    return this.list;
  }

  /** Calls `fn` for every route, now and as routes are added. */
  each(fn: (r: Route) => void): void {
    for (const r of this.list) fn(r);
    this.listeners.push(fn);
  }

  /** The methods served on a path (for 405's Allow). */
  methodsOn(pathname: string): string[] {
    const parts = pathname.split('/').filter(Boolean);
    return [...new Set(this.list.filter((r) => matchSegments(r.path.split('/').filter(Boolean), parts)).map((r) => r.method))];
  }
}

function matchSegments(pattern: readonly string[], parts: readonly string[]): boolean {
  if (pattern.length !== parts.length) return false;
  return pattern.every((p, i) => p.startsWith(':') || p === parts[i]);
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

/** The largest body read before the route (to find the CSRF field): the largest upload and its form. */
const MAX_CHECKED_BODY = 41 * 1024 * 1024;

export interface WebAppOptions {
  readonly router: Router;
  /** Who is signed in; without it every route is open and `user` is null (tests of the server alone). */
  readonly auth?: WebAuth;
  /** Renders an error page (status ≥ 400). */
  readonly errorPage?: (status: number, message: string) => string;
  readonly onError?: (err: Error, req: { method: string; path: string }) => void;
  /** The `host:port` names the app answers to (DNS rebinding); null or absent: any (behind API Gateway). */
  readonly allowedHosts?: () => ReadonlySet<string> | null;
  /** The origin requests' URLs are resolved against (locally the bound address); absent: the request's own. */
  readonly origin?: () => string;
  /** Served over HTTPS only (in AWS): HSTS. */
  readonly https?: boolean;
}

/** The Hono app of the routes, with the protections above. */
export function webApp(options: WebAppOptions): Hono {
  const app = new Hono({ router: new LinearRouter() });
  const errorPage = options.errorPage ?? ((status: number, message: string) => `<!doctype html><title>${status}</title><p>${escapeText(message)}</p>`);
  const auth = options.auth;
  const headers: Record<string, string> = {
    ...SECURITY_HEADERS,
    ...(auth?.formActions?.length
      ? { 'Content-Security-Policy': SECURITY_HEADERS['Content-Security-Policy']!.replace("form-action 'self'", `form-action 'self' ${auth.formActions.join(' ')}`) }
      : {}),
    ...(options.https ? { 'Strict-Transport-Security': 'max-age=31536000; includeSubDomains' } : {}),
  };

  const respond = (r: WebResponse, csrf: string | null = null): Response => {
    let body = r.body ?? '';
    if (typeof body === 'string' && csrf !== null) body = withCsrfField(body, csrf);
    const bytes = typeof body === 'string' ? Buffer.from(body, 'utf8') : body;
    const h = new Headers({ ...headers, ...(typeof body === 'string' ? { 'Content-Type': 'text/html; charset=utf-8' } : {}) });
    for (const [k, v] of Object.entries(r.headers ?? {})) {
      if (k.toLowerCase() === 'set-cookie') for (const c of v.split(/\n/)) h.append('Set-Cookie', c);
      else h.set(k, v);
    }
    h.set('Content-Length', String(bytes.byteLength));
    const status = r.status;
    return new Response(status === 204 || status === 304 ? null : (bytes as Uint8Array<ArrayBuffer>), { status, headers: h });
  };
  const fail = (status: number, message: string, extra?: Record<string, string>) => respond({ status, body: errorPage(status, message), ...(extra ? { headers: extra } : {}) });

  const urlOf = (c: Context): URL => {
    const raw = new URL(c.req.url);
    return options.origin ? new URL(`${raw.pathname}${raw.search}`, options.origin()) : raw;
  };
  const headersOf = (c: Context): Record<string, string> => Object.fromEntries(c.req.raw.headers.entries());

  // 1. Every request: the Host it names, and whether a form comes from elsewhere.
  app.use('*', async (c, next) => {
    const method = c.req.method;
    const allowed = options.allowedHosts?.() ?? null;
    const host = (c.req.header('host') ?? '').toLowerCase();
    if (allowed && !allowed.has(host)) return fail(421, 'This server answers only to 127.0.0.1 and localhost.');
    if (method !== 'GET' && method !== 'HEAD' && crossSite(headersOf(c), allowed ?? new Set([host]))) {
      return fail(403, 'Forms may only be sent from this page itself.');
    }
    await next();
  });

  // 2. Each route.
  options.router.each((route) => {
    app.on(route.method, route.path, async (c) => {
      const method = c.req.method;
      const url = urlOf(c);
      const hdrs = headersOf(c);
      try {
        const principal = auth ? await auth.principal({ method, url, headers: hdrs }) : null;
        if (auth && !route.public) {
          if (!principal) return respond(await auth.unauthenticated({ method, url, headers: hdrs }));
          if (!mayUse(route, principal)) {
            return fail(403, `Your groups (${principal.groups.join(', ') || 'none'}) may not do this. Ask an admin if you need to.`);
          }
        }
        let cached: Promise<Buffer> | null = null;
        const readBody = (limit: number) => (cached ??= readLimited(c.req.raw, limit));
        const csrf = auth && principal?.via === 'cookie' ? auth.csrfToken(principal) : null;
        if (csrf !== null && !route.public && method !== 'GET' && method !== 'HEAD') {
          const sent = hdrs['x-csrf-token'] ?? csrfField(await readBody(MAX_CHECKED_BODY), hdrs['content-type']);
          if (!sent || !sameToken(sent, csrf)) return fail(403, 'This form has expired or did not come from this page: reload the page and send it again.');
        }
        const request: WebRequest = {
          method,
          url,
          params: c.req.param() as Record<string, string>,
          headers: hdrs,
          user: principal?.user ?? null,
          groups: principal?.groups ?? [],
          async body(limit = 1024 * 1024) {
            const b = await readBody(limit);
            if (b.byteLength > limit) throw tooLarge(limit);
            return b;
          },
        };
        return respond(await route.handler(request), csrf);
      } catch (err) {
        if (err instanceof HttpError) return fail(err.status, err.message);
        options.onError?.(err as Error, { method, path: url.pathname });
        return fail(500, `Something went wrong: ${(err as Error).message}`);
      }
    });
  });

  app.notFound((c) => {
    const allowed = options.router.methodsOn(new URL(c.req.url).pathname);
    if (allowed.length > 0) return fail(405, 'Not allowed.', { Allow: allowed.join(', ') });
    return fail(404, 'There is no page here.');
  });
  app.onError((err, c) => {
    options.onError?.(err, { method: c.req.method, path: new URL(c.req.url).pathname });
    return fail(500, 'Something went wrong.');
  });
  return app;
}

/** Puts the CSRF token into every POST form of a page (our own HTML: emails are in escaped `srcdoc`). */
function withCsrfField(html: string, token: string): string {
  return html.replace(/<form\b[^>]*\bmethod\s*=\s*["']?post\b[^>]*>/gi, (tag) => `${tag}<input type="hidden" name="${CSRF_FIELD}" value="${token}">`);
}

/** The CSRF field of a urlencoded or multipart form, or null. */
function csrfField(body: Buffer, contentType: string | undefined): string | null {
  const type = (contentType ?? '').toLowerCase();
  if (type.startsWith('application/x-www-form-urlencoded')) return new URLSearchParams(body.toString('utf8')).get(CSRF_FIELD);
  if (type.startsWith('multipart/form-data')) {
    // The field sits before the file (it is the form's first input); look at the head only.
    const head = body.subarray(0, 64 * 1024).toString('latin1');
    const m = new RegExp(`name="${CSRF_FIELD}"\\r\\n(?:[^\\r\\n]*\\r\\n)*?\\r\\n([A-Za-z0-9_-]{1,200})\\r\\n`).exec(head);
    return m?.[1] ?? null;
  }
  return null;
}

function tooLarge(limitBytes: number): HttpError {
  return new HttpError(413, `The upload is too large (at most ${Math.max(1, Math.floor(limitBytes / 1024 / 1024))} MB).`);
}

async function readLimited(req: Request, limitBytes: number): Promise<Buffer> {
  const declared = Number(req.headers.get('content-length') ?? NaN);
  if (declared > limitBytes) throw tooLarge(limitBytes);
  if (!req.body) return Buffer.alloc(0);
  const reader = req.body.getReader();
  const chunks: Uint8Array[] = [];
  let size = 0;
  for (;;) {
    const { done, value } = await reader.read();
    if (done) break;
    size += value.byteLength;
    if (size > limitBytes) {
      await reader.cancel().catch(() => undefined);
      throw tooLarge(limitBytes);
    }
    chunks.push(value);
  }
  return Buffer.concat(chunks);
}

function crossSite(headers: Readonly<Record<string, string | undefined>>, hosts: ReadonlySet<string>): boolean {
  // Browsers say where a request comes from; `none` is the user's own doing (a bookmark, the address bar).
  const site = headers['sec-fetch-site'];
  if (site !== undefined) return site !== 'same-origin' && site !== 'none';
  const origin = headers.origin;
  if (origin === undefined) return false;
  if (origin === 'null') return true;
  try {
    return !hosts.has(new URL(origin).host.toLowerCase());
  } catch {
    return true;
  }
}

export interface WebServerOptions extends Omit<WebAppOptions, 'allowedHosts' | 'origin'> {
  /** @default '127.0.0.1' */
  readonly host?: string;
  /** 0 picks a free port. */
  readonly port: number;
}

export interface WebServer {
  /** `http://127.0.0.1:PORT` (no trailing slash). */
  readonly url: string;
  readonly port: number;
  close(): Promise<void>;
}

const LOOPBACK = new Set(['127.0.0.1', 'localhost', '::1']);

/** Serves the app with `@hono/node-server`; on a loopback address only our own Host names are answered. */
export async function startWebServer(options: WebServerOptions): Promise<WebServer> {
  const { createAdaptorServer } = await import('@hono/node-server');
  const host = options.host ?? '127.0.0.1';
  let port = options.port;
  const hosts = () => new Set([`127.0.0.1:${port}`, `localhost:${port}`, `[::1]:${port}`]);
  const app = webApp({
    ...options,
    allowedHosts: () => (LOOPBACK.has(host) ? hosts() : null),
    origin: () => `http://${host === '::1' ? '[::1]' : host}:${port}`,
  });
  // Not overriding the global Request/Response: the rest of the process keeps Node's own.
  const server = createAdaptorServer({ fetch: app.fetch, hostname: host, overrideGlobalObjects: false }) as import('node:http').Server;
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

function escapeText(s: string): string {
  return s.replace(/[&<>"']/g, (c) => ({ '&': '&amp;', '<': '&lt;', '>': '&gt;', '"': '&quot;', "'": '&#39;' })[c]!);
}

/** `application/x-www-form-urlencoded` fields (the approval forms, filters). */
export function parseUrlEncoded(body: Buffer): Record<string, string> {
  return Object.fromEntries(new URLSearchParams(body.toString('utf8')));
}

export type { Principal };
