/**
 * Sign-in to the workspace in AWS: the `WebAuth` (lambdas/adapters/local/web/auth.ts) of Cognito.
 *
 * - A page opened without a valid session redirects to the hosted UI's authorize endpoint
 *   (OAuth 2.0 authorization code flow with PKCE, S256). The code verifier, the `state` and the
 *   page to return to travel in a short-lived cookie signed with HMAC (`__Host-bm_pkce`, 10 min).
 * - `/auth/callback` checks the signature, the expiry and the state (constant time), exchanges the
 *   code at the token endpoint (with the verifier; the app client has no secret: see
 *   docs/security.md), verifies the ID token and keeps it in `__Host-bm_id`: HttpOnly, Secure,
 *   SameSite=Lax (Strict would not be sent on the redirect that ends the sign-in, which began on
 *   the Cognito domain), until the token expires.
 * - Every request verifies that token again with aws-jwt-verify (signature against the pool's
 *   JWKS, issuer, audience = the app client, `token_use` = id, expiry). The groups are the token's
 *   `cognito:groups`; the CSRF token is an HMAC of the token's session (`origin_jti`).
 * - `/signout` (POST, with the CSRF token) clears the cookie and ends the hosted UI session.
 */
import { createHash, createHmac, randomBytes } from 'node:crypto';
import { CognitoJwtVerifier } from 'aws-jwt-verify';
import type { JwksCache } from 'aws-jwt-verify/jwk';
import { cookieOf, csrfFor, GROUPS, sameToken, type AuthRequest, type Group, type Principal, type WebAuth } from '../local/web/auth.ts';
import type { Route, WebResponse } from '../local/web/http.ts';

export const ID_COOKIE = '__Host-bm_id';
export const PKCE_COOKIE = '__Host-bm_pkce';
export const CALLBACK_PATH = '/auth/callback';
export const SIGN_OUT_PATH = '/signout';
const PKCE_TTL_S = 600;

export interface CognitoAuthOptions {
  /** `eu-west-1_AbCdEf123` */
  readonly userPoolId: string;
  readonly clientId: string;
  /** The hosted UI: `https://<prefix>.auth.<region>.amazoncognito.com` (no trailing slash). */
  readonly domain: string;
  /** Signs the PKCE cookie and derives the CSRF tokens (32 bytes or more). */
  readonly key: Uint8Array;
  readonly now?: () => number;
  /** The token endpoint's client (tests: loopback). */
  readonly fetch?: typeof fetch;
  /** The pool's JWKS, when known in advance (tests: a test key set); otherwise fetched once from the pool. */
  readonly jwks?: Parameters<CognitoJwtVerifierLike['cacheJwks']>[0];
  /** A JWKS cache (tests); default aws-jwt-verify's own. */
  readonly jwksCache?: JwksCache;
  readonly errorPage?: (status: number, message: string) => string;
}

type CognitoJwtVerifierLike = ReturnType<typeof makeVerifier>;
function makeVerifier(o: CognitoAuthOptions) {
  return CognitoJwtVerifier.create({ userPoolId: o.userPoolId, tokenUse: 'id', clientId: o.clientId }, o.jwksCache ? { jwksCache: o.jwksCache } : undefined);
}

const b64url = (b: Uint8Array | string) => Buffer.from(b).toString('base64url');
const cookie = (name: string, value: string, maxAge: number) => `${name}=${value}; Path=/; HttpOnly; Secure; SameSite=Lax; Max-Age=${Math.max(0, Math.floor(maxAge))}`;

export class CognitoAuth implements WebAuth {
  private readonly verifier: CognitoJwtVerifierLike;
  private readonly now: () => number;
  private readonly fetch: typeof fetch;
  private readonly errorPage: (status: number, message: string) => string;
  readonly formActions: readonly string[];

  constructor(private readonly o: CognitoAuthOptions) {
    if (o.key.byteLength < 32) throw new Error('the workspace cookie key must be at least 32 bytes');
    // https only; plain http on loopback for the tests' fake hosted UI (nothing else listens there in Lambda).
    if (!/^https:\/\/[^/]+$|^http:\/\/127\.0\.0\.1:\d+$/.test(o.domain)) throw new Error(`the sign-in domain must be https://host (got ${o.domain})`);
    this.verifier = makeVerifier(o);
    if (o.jwks) this.verifier.cacheJwks(o.jwks);
    this.now = o.now ?? Date.now;
    this.fetch = o.fetch ?? fetch;
    this.errorPage = o.errorPage ?? ((_s, m) => m);
    this.formActions = [o.domain];
  }

  async principal(req: AuthRequest): Promise<Principal | null> {
    const token = cookieOf(req.headers.cookie, ID_COOKIE);
    if (!token) return null;
    try {
      const claims = await this.verifier.verify(token);
      const email = typeof claims.email === 'string' ? claims.email : null;
      if (!email) return null;
      const groups = (claims['cognito:groups'] ?? []).filter((g): g is Group => (GROUPS as readonly string[]).includes(g));
      const session = String(claims.origin_jti ?? claims.jti ?? `${claims.sub}:${claims.auth_time}`);
      return { user: email.toLowerCase(), groups, session, via: 'cookie' };
    } catch {
      // Expired, tampered, another pool's or another client's: no session.
      return null;
    }
  }

  csrfToken(p: Principal): string {
    return csrfFor(this.o.key, p.session);
  }

  /** GET: off to the hosted sign-in page (PKCE); anything else: 401. A cookie that did not verify is cleared. */
  unauthenticated(req: AuthRequest): WebResponse {
    const clear = cookieOf(req.headers.cookie, ID_COOKIE) ? [cookie(ID_COOKIE, '', 0)] : [];
    if (req.method !== 'GET' && req.method !== 'HEAD') {
      return { status: 401, headers: clear.length ? { 'Set-Cookie': clear.join('\n') } : {}, body: this.errorPage(401, 'Your session has ended: sign in again, then send the form again.') };
    }
    const verifier = b64url(randomBytes(32));
    const state = b64url(randomBytes(16));
    const back = req.url.pathname + req.url.search;
    const authorize = new URL(`${this.o.domain}/oauth2/authorize`);
    authorize.search = new URLSearchParams({
      response_type: 'code',
      client_id: this.o.clientId,
      redirect_uri: this.callbackUrl(req.url),
      scope: 'openid email',
      state,
      code_challenge: b64url(createHash('sha256').update(verifier).digest()),
      code_challenge_method: 'S256',
    }).toString();
    const pkce = this.sign({ v: verifier, s: state, r: back, e: Math.floor(this.now() / 1000) + PKCE_TTL_S });
    return { status: 302, headers: { Location: authorize.toString(), 'Set-Cookie': [cookie(PKCE_COOKIE, pkce, PKCE_TTL_S), ...clear].join('\n') }, body: '' };
  }

  routes(): Route[] {
    return [
      { method: 'GET', path: CALLBACK_PATH, public: true, handler: (req) => this.callback(req.url, req.headers.cookie) },
      {
        method: 'POST',
        path: SIGN_OUT_PATH,
        groups: GROUPS,
        handler: (req) => {
          const logout = new URL(`${this.o.domain}/logout`);
          logout.search = new URLSearchParams({ client_id: this.o.clientId, logout_uri: `${req.url.origin}/` }).toString();
          return { status: 303, headers: { Location: logout.toString(), 'Set-Cookie': cookie(ID_COOKIE, '', 0) }, body: '' };
        },
      },
    ];
  }

  private callbackUrl(url: URL): string {
    return `${url.origin}${CALLBACK_PATH}`;
  }

  private async callback(url: URL, cookieHeader: string | undefined): Promise<WebResponse> {
    const refuse = (message: string): WebResponse => ({ status: 400, headers: { 'Set-Cookie': cookie(PKCE_COOKIE, '', 0) }, body: this.errorPage(400, message) });
    const pkce = this.unsign(cookieOf(cookieHeader, PKCE_COOKIE));
    const state = url.searchParams.get('state') ?? '';
    const code = url.searchParams.get('code') ?? '';
    if (!pkce || pkce.e < this.now() / 1000) return refuse('This sign-in has expired or was started in another browser: open the page again to sign in.');
    if (!state || !sameToken(state, pkce.s)) return refuse('This sign-in does not match the one this browser started: open the page again to sign in.');
    if (url.searchParams.get('error')) return refuse(`The sign-in was not completed: ${url.searchParams.get('error_description') ?? url.searchParams.get('error')}.`);
    if (!/^[A-Za-z0-9._~-]{1,2048}$/.test(code)) return refuse('The sign-in answer has no valid code.');
    let idToken: string;
    try {
      const r = await this.fetch(`${this.o.domain}/oauth2/token`, {
        method: 'POST',
        headers: { 'Content-Type': 'application/x-www-form-urlencoded' },
        body: new URLSearchParams({ grant_type: 'authorization_code', client_id: this.o.clientId, code, redirect_uri: this.callbackUrl(url), code_verifier: pkce.v }).toString(),
        signal: AbortSignal.timeout(10_000),
      });
      const body = (await r.json().catch(() => ({}))) as { id_token?: unknown; error?: unknown };
      if (!r.ok || typeof body.id_token !== 'string') return refuse(`The sign-in service refused the code (${typeof body.error === 'string' ? body.error : r.status}): open the page again to sign in.`);
      idToken = body.id_token;
    } catch (err) {
      return { status: 502, body: this.errorPage(502, `The sign-in service did not answer: ${(err as Error).message}.`) };
    }
    let exp: number;
    try {
      exp = (await this.verifier.verify(idToken)).exp;
    } catch {
      return refuse('The sign-in service answered with a token that does not verify.');
    }
    const back = pkce.r.startsWith('/') && !pkce.r.startsWith('//') ? pkce.r : '/';
    return {
      status: 303,
      headers: { Location: back, 'Set-Cookie': [cookie(ID_COOKIE, idToken, exp - this.now() / 1000), cookie(PKCE_COOKIE, '', 0)].join('\n') },
      body: '',
    };
  }

  private sign(value: { v: string; s: string; r: string; e: number }): string {
    const payload = b64url(JSON.stringify(value));
    return `${payload}.${createHmac('sha256', this.o.key).update(`pkce\0${payload}`).digest('base64url')}`;
  }

  private unsign(raw: string | null): { v: string; s: string; r: string; e: number } | null {
    if (!raw) return null;
    const [payload, mac] = raw.split('.');
    if (!payload || !mac || !sameToken(mac, createHmac('sha256', this.o.key).update(`pkce\0${payload}`).digest('base64url'))) return null;
    try {
      const v = JSON.parse(Buffer.from(payload, 'base64url').toString('utf8')) as Record<string, unknown>;
      if (typeof v.v !== 'string' || typeof v.s !== 'string' || typeof v.r !== 'string' || typeof v.e !== 'number') return null;
      return v as { v: string; s: string; r: string; e: number };
    } catch {
      return null;
    }
  }
}
