/**
 * Who may use the workspace pages, the same in both homes. A `WebAuth` says who a request comes
 * from (a `Principal`: user, groups, session), answers the sign-in routes, and what an anonymous
 * request gets (the local 401 page, or a redirect to the hosted sign-in page). Two implementations:
 * `LocalSessions` (session.ts: the one-time link `bm start` prints) and `CognitoAuth`
 * (lambdas/adapters/aws/cognito-auth.ts: Cognito's hosted UI, ID tokens verified on every request).
 *
 * What each group may do is decided here, by route, for every route (docs/security.md):
 * reading pages (GET) is open to every group; a form that changes something (POST) is for the
 * clerks and admins unless the route names its groups. Approving is not a workspace action at
 * all: it happens only on the approver's own signed link (`/approve?t=…`, a public route).
 */
import { createHmac, timingSafeEqual } from 'node:crypto';
import type { Route, WebResponse } from './http.ts';

export const GROUPS = ['clerk', 'approver', 'admin', 'finance'] as const;
export type Group = (typeof GROUPS)[number];

/** Who may send forms that change bills (review, dismiss, upload) when a route names no groups. */
export const WRITER_GROUPS: readonly Group[] = ['clerk', 'admin'];

export interface Principal {
  /** An email address: the reviewer, uploader, dismisser of what is done in the session. */
  readonly user: string;
  readonly groups: readonly Group[];
  /** Stable for the session (the CSRF token is derived from it). */
  readonly session: string;
  /** `cookie` (a browser: forms need the CSRF token) or `bearer` (the command line's token). */
  readonly via: 'cookie' | 'bearer';
}

/** What the auth layer reads of a request. */
export interface AuthRequest {
  readonly method: string;
  readonly url: URL;
  readonly headers: Readonly<Record<string, string | undefined>>;
}

export interface WebAuth {
  /** The signed-in principal of a request, or null (none, expired, tampered). */
  principal(req: AuthRequest): Promise<Principal | null>;
  /** Public routes of the sign-in itself (`/signin`, `/auth/callback`, `/signout`). */
  routes(): Route[];
  /** The answer to a request without a valid session on a route that needs one. */
  unauthenticated(req: AuthRequest): Promise<WebResponse> | WebResponse;
  /** The per-session CSRF token, put into every form as `_csrf` and checked on every POST. */
  csrfToken(p: Principal): string;
  /** Extra `form-action` sources for the CSP (the hosted sign-out page). */
  readonly formActions?: readonly string[];
}

/** Name of the hidden form field (and `X-CSRF-Token` header) that carries the CSRF token. */
export const CSRF_FIELD = '_csrf';

/** The groups a route is open to. */
export function groupsOf(route: Pick<Route, 'method' | 'groups'>): readonly Group[] {
  return route.groups ?? (route.method === 'GET' ? GROUPS : WRITER_GROUPS);
}

export function mayUse(route: Pick<Route, 'method' | 'groups'>, p: Principal): boolean {
  const open = groupsOf(route);
  return p.groups.some((g) => open.includes(g));
}

/** HMAC-SHA256 of a session id under a key, base64url: the session's CSRF token. */
export function csrfFor(key: Uint8Array, session: string): string {
  return createHmac('sha256', key).update(`csrf\0${session}`).digest('base64url');
}

export function sameToken(a: string, b: string): boolean {
  const x = Buffer.from(a);
  const y = Buffer.from(b);
  return x.length === y.length && timingSafeEqual(x, y);
}

/** The value of one cookie in a `Cookie` header, or null. */
export function cookieOf(header: string | undefined, name: string): string | null {
  if (!header) return null;
  for (const part of header.split(';')) {
    const eq = part.indexOf('=');
    if (eq >= 0 && part.slice(0, eq).trim() === name) return part.slice(eq + 1).trim();
  }
  return null;
}
