/**
 * The web layer on its own (lambdas/adapters/local/web/http.ts): what every route gets from
 * `webApp` whatever the page code does — 404 and 405, the Host check, cross-site posts refused,
 * body limits (413), security headers, and with a `WebAuth`: sign-in, group rules and the CSRF
 * token put into POST forms and checked (also in a multipart upload).
 */
import { describe, expect, it } from 'vitest';
import type { Principal, WebAuth } from '../../lambdas/adapters/local/web/auth.ts';
import { Router, webApp, type Route } from '../../lambdas/adapters/local/web/http.ts';

const BASE = 'http://127.0.0.1:4000';
const hosts = () => new Set(['127.0.0.1:4000']);

const routes: Route[] = [
  { method: 'GET', path: '/form', handler: () => ({ status: 200, body: '<form method="post" action="/do"><button>Go</button></form><form method="get"></form>' }) },
  { method: 'POST', path: '/do', handler: async (req) => ({ status: 200, body: `ok ${(await req.body(1024)).byteLength} ${req.user}` }) },
  { method: 'POST', path: '/finance-only', groups: ['finance'], handler: () => ({ status: 200, body: 'ok' }) },
  { method: 'GET', path: '/open', public: true, handler: (req) => ({ status: 200, body: `open ${req.user ?? 'anonymous'}` }) },
];

/** Sessions by a cookie `s=<name>`; `clerk` is a clerk, `fin` is finance. */
const auth: WebAuth = {
  async principal(req) {
    const s = /(?:^|; )s=(\w+)/.exec(req.headers.cookie ?? '')?.[1];
    const groups = s === 'clerk' ? (['clerk'] as const) : s === 'fin' ? (['finance'] as const) : null;
    return groups ? ({ user: `${s}@example.com`, groups, session: s!, via: 'cookie' } satisfies Principal) : null;
  },
  routes: () => [],
  unauthenticated: () => ({ status: 401, body: 'sign in' }),
  csrfToken: (p) => `tok-${p.session}`,
};

function app(withAuth = true) {
  return webApp({ router: new Router().add(...routes), ...(withAuth ? { auth } : {}), allowedHosts: hosts, origin: () => BASE });
}
const req = (a: ReturnType<typeof app>, path: string, init: RequestInit & { headers?: Record<string, string> } = {}) =>
  a.request(`${BASE}${path}`, { ...init, headers: { host: '127.0.0.1:4000', ...init.headers } });

describe('webApp', () => {
  it('404 for no route, 405 with Allow for another method, HEAD answered like GET without a body', async () => {
    const a = app(false);
    expect((await req(a, '/nothing')).status).toBe(404);
    const r = await req(a, '/do');
    expect(r.status).toBe(405);
    expect(r.headers.get('allow')).toBe('POST');
    const head = await req(a, '/open', { method: 'HEAD' });
    expect(head.status).toBe(200);
    expect(await head.text()).toBe('');
  });

  it('answers only to its own Host, and refuses a form from another site', async () => {
    const a = app(false);
    expect((await req(a, '/open', { headers: { host: 'evil.example:4000' } })).status).toBe(421);
    expect((await req(a, '/do', { method: 'POST', body: 'x', headers: { origin: 'https://evil.example' } })).status).toBe(403);
    expect((await req(a, '/do', { method: 'POST', body: 'x', headers: { 'sec-fetch-site': 'cross-site' } })).status).toBe(403);
    expect((await req(a, '/do', { method: 'POST', body: 'x', headers: { 'sec-fetch-site': 'same-origin' } })).status).toBe(200);
  });

  it('413 beyond the route\'s body limit, by Content-Length or by the bytes sent', async () => {
    const a = app(false);
    expect((await req(a, '/do', { method: 'POST', body: 'x'.repeat(2048) })).status).toBe(413);
    expect((await req(a, '/do', { method: 'POST', body: 'x'.repeat(1000) })).status).toBe(200);
  });

  it('sends the security headers on every answer, error pages too', async () => {
    for (const r of [await req(app(false), '/open'), await req(app(false), '/nothing')]) {
      expect(r.headers.get('content-security-policy')).toContain("default-src 'none'");
      expect(r.headers.get('x-content-type-options')).toBe('nosniff');
      expect(r.headers.get('cache-control')).toBe('no-store');
    }
  });

  it('with sign-in: anonymous gets the sign-in answer except on public routes', async () => {
    expect((await req(app(), '/form')).status).toBe(401);
    expect(await (await req(app(), '/open')).text()).toBe('open anonymous');
    expect(await (await req(app(), '/open', { headers: { cookie: 's=clerk' } })).text()).toBe('open clerk@example.com');
  });

  it('puts the session\'s CSRF token into POST forms only, and refuses a POST without it or with another', async () => {
    const page = await (await req(app(), '/form', { headers: { cookie: 's=clerk' } })).text();
    expect(page).toBe('<form method="post" action="/do"><input type="hidden" name="_csrf" value="tok-clerk"><button>Go</button></form><form method="get"></form>');
    const post = (body: string, extra: Record<string, string> = {}) =>
      req(app(), '/do', { method: 'POST', body, headers: { cookie: 's=clerk', 'content-type': 'application/x-www-form-urlencoded', ...extra } });
    expect((await post('a=1')).status).toBe(403);
    expect((await post('a=1&_csrf=tok-fin')).status).toBe(403);
    const ok = await post('a=1&_csrf=tok-clerk');
    expect(ok.status).toBe(200);
    expect(await ok.text()).toBe('ok 19 clerk@example.com');
    expect((await post('a=1', { 'x-csrf-token': 'tok-clerk' })).status).toBe(200);
  });

  it('finds the CSRF token in a multipart form (the upload form)', async () => {
    const body = ['--b', 'Content-Disposition: form-data; name="_csrf"', '', 'tok-clerk', '--b', 'Content-Disposition: form-data; name="file"; filename="a.txt"', 'Content-Type: text/plain', '', 'hello', '--b--', ''].join('\r\n');
    const send = (b: string) => req(app(), '/do', { method: 'POST', body: b, headers: { cookie: 's=clerk', 'content-type': 'multipart/form-data; boundary=b' } });
    expect((await send(body)).status).toBe(200);
    expect((await send(body.replace('tok-clerk', 'tok-xxxxx'))).status).toBe(403);
  });

  it('applies the group rules: a POST is for clerks and admins unless the route names its groups', async () => {
    const fin = { cookie: 's=fin', 'x-csrf-token': 'tok-fin' };
    const clerk = { cookie: 's=clerk', 'x-csrf-token': 'tok-clerk' };
    expect((await req(app(), '/do', { method: 'POST', body: '', headers: fin })).status).toBe(403);
    expect((await req(app(), '/finance-only', { method: 'POST', body: '', headers: fin })).status).toBe(200);
    expect((await req(app(), '/finance-only', { method: 'POST', body: '', headers: clerk })).status).toBe(403);
    expect((await req(app(), '/form', { headers: { cookie: 's=fin' } })).status).toBe(200);
  });
});
