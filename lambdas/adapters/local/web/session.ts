/**
 * Sign-in to the local web page. `bm start` prints a one-time sign-in link; opening it sets a
 * session cookie (HttpOnly, SameSite=Strict) that names the local user, and that name — not a
 * field anyone can type into a form — is the reviewer of a correction and the submitter of an
 * upload. Without a session the pages answer 401, so another account on the same machine (the web
 * page listens on 127.0.0.1) cannot read bills or act as the user.
 *
 * Links expire after 15 minutes and work once; sessions last until the stack stops (they live
 * in memory). The approval links (`/approve`) carry their own credential and need no session.
 *
 * The command line (`bm sweep`, `bm rematch`, `bm import`) asks the running stack with a bearer
 * token instead: a random one per start, written only to `<home>/stack.json` (mode 0600 in a 0700
 * folder), so only the local user's own commands can use it.
 */
import { randomBytes, timingSafeEqual } from 'node:crypto';

export const SIGN_IN_PATH = '/signin';
const LINK_TTL_MS = 15 * 60_000;

export class LocalSessions {
  private readonly links = new Map<string, number>();
  private readonly sessions = new Map<string, string>();
  /** The command line's credential (`Authorization: Bearer …`), for the stack file. */
  readonly cliToken = randomBytes(32).toString('base64url');

  /**
   * @param user who signs in: the reviewer and uploader of everything done in a session
   * @param cookieName one per stack (the port), as cookies do not tell ports apart
   */
  constructor(
    readonly user: string,
    readonly cookieName: string,
    private readonly now: () => number = Date.now,
  ) {}

  /** A fresh one-time sign-in path (`/signin?t=…`). */
  newSignInPath(): string {
    const token = randomBytes(32).toString('base64url');
    this.links.set(token, this.now() + LINK_TTL_MS);
    return `${SIGN_IN_PATH}?t=${token}`;
  }

  /** Spends a sign-in token: the new session's cookie, or null (unknown, used or expired). */
  signIn(token: string | null): { cookie: string } | null {
    if (!token) return null;
    let found: string | null = null;
    for (const [t, expires] of this.links) {
      if (expires < this.now()) this.links.delete(t);
      else if (sameToken(t, token)) found = t;
    }
    if (!found) return null;
    this.links.delete(found);
    const id = randomBytes(32).toString('base64url');
    this.sessions.set(id, this.user);
    return { cookie: `${this.cookieName}=${id}; HttpOnly; SameSite=Strict; Path=/` };
  }

  /** The signed-in user of a request (its session cookie, or the command line's bearer token), or null. */
  userOf(headers: { cookie?: string | undefined; authorization?: string | undefined }): string | null {
    const bearer = /^Bearer (\S+)$/.exec(headers.authorization ?? '')?.[1];
    if (bearer && sameToken(bearer, this.cliToken)) return this.user;
    const cookieHeader = headers.cookie;
    if (!cookieHeader) return null;
    for (const part of cookieHeader.split(';')) {
      const eq = part.indexOf('=');
      if (eq < 0 || part.slice(0, eq).trim() !== this.cookieName) continue;
      const user = this.sessions.get(part.slice(eq + 1).trim());
      if (user) return user;
    }
    return null;
  }
}

function sameToken(a: string, b: string): boolean {
  const x = Buffer.from(a);
  const y = Buffer.from(b);
  return x.length === y.length && timingSafeEqual(x, y);
}
