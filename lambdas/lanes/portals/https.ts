/**
 * The generic HTTPS portal: bills listed at an authenticated URL, as JSON or as an HTML page of
 * links, downloaded from the same origin.
 *
 * - Sign-in: `bearer` sends the secret's `token` as `Authorization: Bearer …` (nothing to sign in
 *   to; the first listing proves it); `cookie` posts the secret's `username` and `password` to
 *   `sign_in_path` (form-encoded or JSON) and keeps the session cookies it sets.
 * - JSON listing: `GET <list.path>?<since_param>=<cursor>`, the array at `list.items` (dotted
 *   path), each entry's id, download URL, file name and posting date in the fields named by
 *   `list.fields`; entries before the cursor are dropped here too (a portal may ignore `since`).
 * - HTML listing: every `<a href>` matching `list.link_pattern`; its `data-date` attribute (if
 *   any) is the cursor, its `download` attribute or the URL's last segment the name.
 * Links to another origin are refused: credentials go to the portal only.
 */
import { Parser } from 'htmlparser2';
import { MAX_BILL_BYTES, PortalError, type PortalAdapter, type PortalBill, type PortalSession } from './adapter.ts';
import { httpsSecretSchema, type HttpsPortalConfig } from './config.ts';
import { httpFetch, type HttpResponse } from './http-client.ts';

const LIST_BYTES = 5 * 1024 * 1024;

function at(obj: unknown, path: string): unknown {
  return path.split('.').filter(Boolean).reduce<unknown>((o, k) => (o && typeof o === 'object' ? (o as Record<string, unknown>)[k] : undefined), obj);
}

function lastSegment(u: URL): string {
  return decodeURIComponent(u.pathname.slice(u.pathname.lastIndexOf('/') + 1)) || 'bill.pdf';
}

export function createHttpsPortal(config: HttpsPortalConfig, secretValue: unknown, options: { timeoutMs?: number } = {}): PortalAdapter {
  const secret = httpsSecretSchema.parse(secretValue);
  const base = new URL(config.base_url);
  const label = `portal ${config.id}`;
  const get = (url: URL, headers: Record<string, string>, maxBytes: number) =>
    httpFetch(url, { headers, maxBytes, ...(secret.ca ? { ca: secret.ca } : {}), ...(options.timeoutMs ? { timeoutMs: options.timeoutMs } : {}) });
  const sameOrigin = (href: string): URL => {
    const u = new URL(href, base);
    if (u.origin !== base.origin) throw new PortalError(`${label}: a bill link leads off the portal (${u.origin}); refused`);
    return u;
  };
  const ok = (r: HttpResponse, what: string) => {
    if (r.status === 401 || r.status === 403) throw new PortalError(`${label}: ${what} refused (HTTP ${r.status}): the session or token is not accepted`);
    if (r.status < 200 || r.status > 299) throw new PortalError(`${label}: ${what} answered HTTP ${r.status}`);
    return r;
  };

  return {
    id: config.id,
    async signIn(): Promise<PortalSession> {
      let headers: Record<string, string>;
      if (config.auth.kind === 'bearer') {
        if (!secret.token) throw new PortalError(`${label}: the secret has no token`);
        headers = { authorization: `Bearer ${secret.token}` };
      } else {
        if (!secret.username || !secret.password) throw new PortalError(`${label}: the secret needs username and password`);
        const a = config.auth;
        const fields = { [a.username_field]: secret.username, [a.password_field]: secret.password };
        const body = a.encoding === 'json' ? JSON.stringify(fields) : new URLSearchParams(fields).toString();
        const r = await httpFetch(new URL(a.sign_in_path, base), {
          method: 'POST',
          headers: { 'content-type': a.encoding === 'json' ? 'application/json' : 'application/x-www-form-urlencoded' },
          body,
          maxBytes: LIST_BYTES,
          ...(secret.ca ? { ca: secret.ca } : {}),
          ...(options.timeoutMs ? { timeoutMs: options.timeoutMs } : {}),
        });
        if (r.status >= 400 || r.status < 200) throw new PortalError(`${label}: sign-in refused (HTTP ${r.status})`);
        const cookies = ([] as string[]).concat(r.headers['set-cookie'] ?? []).map((c) => c.split(';')[0]!.trim()).filter((c) => c.includes('='));
        if (cookies.length === 0) throw new PortalError(`${label}: sign-in set no session cookie (HTTP ${r.status})`);
        headers = { cookie: cookies.join('; ') };
      }
      // Download URLs of this session's listed entries (ids are opaque to the poll).
      const idToUrl = new Map<string, URL>();
      return {
        async list(since) {
          const url = new URL(config.list.path, base);
          if (since && config.list.format === 'json') url.searchParams.set(config.list.since_param, since);
          const r = ok(await get(url, { ...headers, accept: config.list.format === 'json' ? 'application/json' : 'text/html' }, LIST_BYTES), 'the listing');
          const text = new TextDecoder().decode(r.body);
          const bills: PortalBill[] = [];
          if (config.list.format === 'json') {
            let json: unknown;
            try {
              json = JSON.parse(text);
            } catch {
              throw new PortalError(`${label}: the listing is not JSON`);
            }
            const items = at(json, config.list.items);
            if (!Array.isArray(items)) throw new PortalError(`${label}: the listing has no array at "${config.list.items}"`);
            const f = config.list.fields;
            for (const item of items) {
              const href = at(item, f.url);
              const id = at(item, f.id);
              if (typeof href !== 'string' || (typeof id !== 'string' && typeof id !== 'number')) throw new PortalError(`${label}: a listing entry lacks ${f.id} or ${f.url}`);
              const u = sameOrigin(href);
              const name = at(item, f.name);
              const date = at(item, f.date);
              bills.push({ id: String(id), name: typeof name === 'string' && name ? name : lastSegment(u), cursor: typeof date === 'string' ? date : '' });
              idToUrl.set(String(id), u);
            }
          } else {
            const pattern = new RegExp(config.list.link_pattern, 'i');
            const parser = new Parser({
              onopentag(tag, attrs) {
                if (tag !== 'a' || !attrs.href) return;
                const u = sameOrigin(attrs.href);
                if (!pattern.test(u.pathname)) return;
                bills.push({ id: u.href, name: attrs.download || lastSegment(u), cursor: attrs['data-date'] ?? '' });
                idToUrl.set(u.href, u);
              },
            });
            parser.write(text);
            parser.end();
          }
          return bills.filter((b) => since === null || b.cursor === '' || b.cursor >= since);
        },
        async download(bill) {
          const url = idToUrl.get(bill.id);
          if (!url) throw new PortalError(`${label}: ${bill.id} was not listed in this session`);
          const r = ok(await get(url, headers, MAX_BILL_BYTES), `download of ${bill.name}`);
          if (r.body.length === 0) throw new PortalError(`${label}: ${bill.name} is empty`);
          return r.body;
        },
        async close() {},
      };
    },
  };
}
