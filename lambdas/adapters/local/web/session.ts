/**
 * Sign-in to the local web page: the local home's `WebAuth` (auth.ts), standing in for Cognito.
 * `bm start` prints a one-time sign-in link; opening it sets a session cookie (HttpOnly,
 * SameSite=Strict) that names the local user, and that name — not a field anyone can type into a
 * form — is the reviewer of a correction and the submitter of an upload. Without a session the
 * pages answer 401, so another account on the same machine (the web page listens on 127.0.0.1)
 * cannot read bills or act as the user. The local user is a clerk and an admin (it is their own
 * laptop); a link for another group can be made (`newSignInPath({ groups })`, the tests do).
 *
 * Links expire after 15 minutes and work once; sessions last until the stack stops (they live
 * in memory). The approval links (`/approve`) carry their own credential and need no session.
 *
 * The command line (`bm sweep`, `bm rematch`, `bm import`) asks the running stack with a bearer
 * token instead: a random one per start, written only to `<home>/stack.json` (mode 0600 in a 0700
 * folder), so only the local user's own commands can use it.
 */
import { randomBytes } from 'node:crypto';
import { cookieOf, csrfFor, sameToken, type AuthRequest, type Group, type Principal, type WebAuth } from './auth.ts';
import type { Route } from './http.ts';

export const SIGN_IN_PATH = '/signin';
const LINK_TTL_MS = 15 * 60_000;

/** The local user's groups: the clerk who reviews and the admin of their own stack. */
export const LOCAL_GROUPS: readonly Group[] = ['clerk', 'admin'];

interface Session {
  readonly user: string;
  readonly groups: readonly Group[];
}

export class LocalSessions implements WebAuth {
  private readonly links = new Map<string, { expires: number } & Session>();
  private readonly sessions = new Map<string, Session>();
  /** The command line's credential (`Authorization: Bearer …`), for the stack file. */
  readonly cliToken = randomBytes(32).toString('base64url');
  private readonly csrfKey = randomBytes(32);

  /**
   * @param user who signs in: the reviewer and uploader of everything done in a session
   * @param cookieName one per stack (the port), as cookies do not tell ports apart
   */
  constructor(
    readonly user: string,
    readonly cookieName: string,
    private readonly now: () => number = Date.now,
    private readonly errorPage: (status: number, message: string) => string = (_s, m) => m,
  ) {}

  /** A fresh one-time sign-in path (`/signin?t=…`), for the local user unless told otherwise. */
  newSignInPath(who: { user?: string; groups?: readonly Group[] } = {}): string {
    const token = randomBytes(32).toString('base64url');
    this.links.set(token, { expires: this.now() + LINK_TTL_MS, user: who.user ?? this.user, groups: who.groups ?? LOCAL_GROUPS });
    return `${SIGN_IN_PATH}?t=${token}`;
  }

  /** Spends a sign-in token: the new session's cookie, or null (unknown, used or expired). */
  signIn(token: string | null): { cookie: string } | null {
    if (!token) return null;
    let found: string | null = null;
    for (const [t, link] of this.links) {
      if (link.expires < this.now()) this.links.delete(t);
      else if (sameToken(t, token)) found = t;
    }
    if (!found) return null;
    const link = this.links.get(found)!;
    this.links.delete(found);
    const id = randomBytes(32).toString('base64url');
    this.sessions.set(id, { user: link.user, groups: link.groups });
    return { cookie: `${this.cookieName}=${id}; HttpOnly; SameSite=Strict; Path=/` };
  }

  /** The signed-in user of a request (its session cookie, or the command line's bearer token), or null. */
  userOf(headers: { cookie?: string | undefined; authorization?: string | undefined }): string | null {
    return this.principalOf(headers)?.user ?? null;
  }

  private principalOf(headers: { cookie?: string | undefined; authorization?: string | undefined }): Principal | null {
    const bearer = /^Bearer (\S+)$/.exec(headers.authorization ?? '')?.[1];
    if (bearer && sameToken(bearer, this.cliToken)) return { user: this.user, groups: LOCAL_GROUPS, session: 'cli', via: 'bearer' };
    const id = cookieOf(headers.cookie, this.cookieName);
    const s = id ? this.sessions.get(id) : undefined;
    return s && id ? { ...s, session: id, via: 'cookie' } : null;
  }

  async principal(req: AuthRequest): Promise<Principal | null> {
    return this.principalOf(req.headers);
  }

  csrfToken(p: Principal): string {
    return csrfFor(this.csrfKey, p.session);
  }

  unauthenticated() {
    return {
      status: 401,
      body: this.errorPage(401, 'Sign in first: open the sign-in link that bm start printed in its terminal (it works once; restart bm start for a new one).'),
    };
  }

  routes(): Route[] {
    return [
      {
        method: 'GET',
        path: SIGN_IN_PATH,
        public: true,
        handler: (req) => {
          const signed = this.signIn(req.url.searchParams.get('t'));
          if (!signed) return { status: 403, body: this.errorPage(403, 'This sign-in link is not valid: it was used already or has expired. Restart bm start for a new one.') };
          return { status: 303, headers: { Location: '/', 'Set-Cookie': signed.cookie }, body: '' };
        },
      },
    ];
  }
}
