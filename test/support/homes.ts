/**
 * The workspace's two homes for browser tests: the same tests run against
 * - `local`: `bm start`'s web server (the local session signs in), and
 * - `lambda`: the workspace Lambda handler (lambdas/workspace/handler.ts) behind a small loopback
 *   bridge that turns each browser request into an API Gateway (HTTP API, payload 2.0) event and
 *   the handler's result back into a response. Sign-in is the real Cognito flow against a fake
 *   Cognito on loopback: its authorize endpoint signs the next person in at once, its token
 *   endpoint checks the code and the PKCE verifier and returns an ID token signed RS256 by a test
 *   key set (node:crypto); the app verifies it with aws-jwt-verify given that key set (`cacheJwks`).
 *
 * Both homes share one local stack per test file (DynamoDB Local, the workflow) and one Chromium.
 *
 *   forEachHome('the bill pages', (home) => {
 *     it('…', async () => { const page = await home().signedInPage('clerk'); await page.goto(`${home().baseUrl}/`); … });
 *   });
 */
import { DynamoLaneState } from '../../lambdas/lanes/dynamo-state.ts';
import { localClient } from '../../lambdas/adapters/local/local-stack.ts';
import { createHash, generateKeyPairSync, randomBytes, sign as rsaSign, type KeyObject } from 'node:crypto';
import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import { chromium, type Browser, type BrowserContext, type BrowserContextOptions, type Page } from 'playwright-core';
import { afterAll, beforeAll, describe } from 'vitest';
import type { Group } from '../../lambdas/adapters/local/web/auth.ts';
import { CognitoAuth } from '../../lambdas/adapters/aws/cognito-auth.ts';
import { errorPage } from '../../lambdas/adapters/local/web/app.ts';
import { makeWorkspaceHandler, type HttpApiResult } from '../../lambdas/workspace/handler.ts';
import { CHROMIUM } from './browser.ts';
import { testStack, type TestStack } from './local.ts';

export type HomeName = 'local' | 'lambda';

export interface Home {
  readonly name: HomeName;
  /** `http://127.0.0.1:PORT` */
  readonly baseUrl: string;
  /** The local stack both homes share: its store, `submit`, the workflow. */
  readonly stack: TestStack;
  readonly browser: Browser;
  /** A fresh browser context without a session. */
  newContext(options?: BrowserContextOptions): Promise<BrowserContext>;
  /** A page in a fresh context, signed in as `user` (default `<group>@northwind.example`) in `group` (or several). */
  signedInPage(group: Group | readonly Group[], user?: string, options?: BrowserContextOptions): Promise<Page>;
  /** The lambda home's fake Cognito (null in the local home). */
  readonly cognito: FakeCognito | null;
}

export interface HomeOptions {
  /** Passed to the shared local stack. */
  readonly user?: string;
}

interface Shared {
  stack: TestStack;
  browser: Browser;
  lambda: { baseUrl: string; cognito: FakeCognito; close(): Promise<void> } | null;
}

let shared: Promise<Shared> | null = null;
let hooked = false;

/** One stack and one browser for the file, and the lambda home's bridge on first use. */
function setUp(options: HomeOptions): Promise<Shared> {
  shared ??= Promise.all([testStack({ honourWaits: false, ...(options.user ? { user: options.user } : {}) }), chromium.launch(CHROMIUM)]).then(([stack, browser]) => ({ stack, browser, lambda: null }));
  return shared;
}

/** Runs `fn`'s tests once per home, as `describe('<name> (local)')` and `describe('<name> (lambda)')`. */
export function forEachHome(name: string, fn: (home: () => Home) => void, options: HomeOptions = {}): void {
  if (!hooked) {
    hooked = true;
    afterAll(async () => {
      const s = await shared;
      shared = null;
      await s?.lambda?.close();
      await s?.browser.close();
      await s?.stack.dispose();
    }, 60_000);
  }
  for (const homeName of ['local', 'lambda'] as const) {
    describe(`${name} (${homeName})`, () => {
      let home: Home | undefined;
      beforeAll(async () => {
        const s = await setUp(options);
        if (homeName === 'lambda') s.lambda ??= await lambdaHome(s.stack);
        home = makeHome(homeName, s);
      }, 90_000);
      fn(() => {
        if (!home) throw new Error('the home is not set up (use it inside tests or hooks)');
        return home;
      });
    });
  }
}

function makeHome(name: HomeName, s: Shared): Home {
  const baseUrl = name === 'local' ? s.stack.webUrl : s.lambda!.baseUrl;
  const cognito = name === 'lambda' ? s.lambda!.cognito : null;
  const newContext = (options?: BrowserContextOptions) => s.browser.newContext(options);
  return {
    name,
    baseUrl,
    stack: s.stack,
    browser: s.browser,
    cognito,
    newContext,
    async signedInPage(group, user, options) {
      const groups: readonly Group[] = typeof group === 'string' ? [group] : group;
      const who = user ?? `${groups[0]}@northwind.example`;
      const page = await (await newContext(options)).newPage();
      if (cognito) {
        // The real flow: the page → the hosted UI (which signs this person in) → the callback → the page.
        cognito.next = { email: who, groups };
        await page.goto(`${baseUrl}/`);
      } else {
        await page.goto(s.stack.signInUrl({ user: who, groups }));
      }
      if (new URL(page.url()).pathname !== '/') throw new Error(`sign-in as ${group} ended on ${page.url()}`);
      return page;
    },
  };
}

// ---------------------------------------------------------------------------------------------
// The lambda home: a fake Cognito, the handler, the bridge.

export const TEST_POOL = { region: 'eu-west-1', userPoolId: 'eu-west-1_TestPool1', clientId: 'testclient0123456789abcdef' } as const;
export const TEST_ISSUER = `https://cognito-idp.${TEST_POOL.region}.amazonaws.com/${TEST_POOL.userPoolId}`;

export interface FakeCognito {
  /** `http://127.0.0.1:PORT`: the hosted UI's base address. */
  readonly url: string;
  /** Who the next authorize request signs in. */
  next: { email: string; groups: readonly Group[] };
  /** The authorize requests received (full URLs). */
  readonly authorizeRequests: URL[];
  /** Token requests refused, with the reason. */
  readonly refusals: string[];
  /** An ID token signed by the test key set (or by `key`), claims overridable. */
  idToken(claims?: Record<string, unknown>, key?: KeyObject): string;
  close(): Promise<void>;
}

/** An RS256 JWT. */
export function signJwt(payload: Record<string, unknown>, key: KeyObject, kid: string): string {
  const enc = (v: unknown) => Buffer.from(JSON.stringify(v)).toString('base64url');
  const data = `${enc({ alg: 'RS256', typ: 'JWT', kid })}.${enc(payload)}`;
  return `${data}.${rsaSign('sha256', Buffer.from(data), key).toString('base64url')}`;
}

async function listen(server: Server): Promise<string> {
  await new Promise<void>((resolve, reject) => {
    server.once('error', reject);
    server.listen(0, '127.0.0.1', () => resolve());
  });
  return `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
}

async function bodyOf(req: IncomingMessage, limit: number): Promise<Buffer | null> {
  const chunks: Buffer[] = [];
  let size = 0;
  for await (const c of req) {
    size += (c as Buffer).byteLength;
    if (size > limit) return null;
    chunks.push(c as Buffer);
  }
  return Buffer.concat(chunks);
}

const close = (server: Server) =>
  new Promise<void>((resolve) => {
    server.close(() => resolve());
    server.closeAllConnections();
  });

export async function fakeCognito(): Promise<FakeCognito & { jwks: { keys: Record<string, unknown>[] } }> {
  const { privateKey, publicKey } = generateKeyPairSync('rsa', { modulusLength: 2048 });
  const kid = randomBytes(8).toString('hex');
  const jwks = { keys: [{ ...publicKey.export({ format: 'jwk' }), kid, alg: 'RS256', use: 'sig' }] };
  const codes = new Map<string, { challenge: string; redirectUri: string; email: string; groups: readonly Group[] }>();
  const fake = {
    url: '',
    next: { email: 'clerk@northwind.example', groups: ['clerk'] as readonly Group[] },
    authorizeRequests: [] as URL[],
    refusals: [] as string[],
    jwks,
    idToken(claims: Record<string, unknown> = {}, key: KeyObject = privateKey) {
      const now = Math.floor(Date.now() / 1000);
      return signJwt(
        {
          sub: randomBytes(8).toString('hex'),
          iss: TEST_ISSUER,
          aud: TEST_POOL.clientId,
          token_use: 'id',
          auth_time: now,
          iat: now,
          exp: now + 3600,
          jti: randomBytes(8).toString('hex'),
          origin_jti: randomBytes(8).toString('hex'),
          email: fake.next.email,
          email_verified: true,
          'cognito:groups': [...fake.next.groups],
          ...claims,
        },
        key,
        kid,
      );
    },
    close: async () => close(server),
  };
  const server = createServer((req, res) => {
    void (async () => {
      const url = new URL(req.url ?? '/', fake.url);
      if (req.method === 'GET' && url.pathname === '/oauth2/authorize') {
        fake.authorizeRequests.push(url);
        const q = url.searchParams;
        if (q.get('client_id') !== TEST_POOL.clientId || q.get('response_type') !== 'code' || q.get('code_challenge_method') !== 'S256' || !q.get('code_challenge')) {
          return void res.writeHead(400).end('bad authorize request');
        }
        const code = randomBytes(16).toString('hex');
        codes.set(code, { challenge: q.get('code_challenge')!, redirectUri: q.get('redirect_uri')!, ...fake.next });
        const back = new URL(q.get('redirect_uri')!);
        back.search = new URLSearchParams({ code, state: q.get('state') ?? '' }).toString();
        return void res.writeHead(302, { Location: back.toString() }).end();
      }
      if (req.method === 'POST' && url.pathname === '/oauth2/token') {
        const form = new URLSearchParams((await bodyOf(req, 64 * 1024))?.toString('utf8') ?? '');
        const grant = codes.get(form.get('code') ?? '');
        codes.delete(form.get('code') ?? '');
        const verifier = form.get('code_verifier') ?? '';
        const why =
          form.get('grant_type') !== 'authorization_code'
            ? 'grant_type'
            : form.get('client_id') !== TEST_POOL.clientId
              ? 'client_id'
              : !grant
                ? 'unknown or used code'
                : grant.redirectUri !== form.get('redirect_uri')
                  ? 'redirect_uri'
                  : createHash('sha256').update(verifier).digest('base64url') !== grant.challenge
                    ? 'code_verifier'
                    : null;
        if (why) {
          fake.refusals.push(why);
          return void res.writeHead(400, { 'Content-Type': 'application/json' }).end(JSON.stringify({ error: 'invalid_grant' }));
        }
        const saved = fake.next;
        fake.next = { email: grant!.email, groups: grant!.groups };
        const idToken = fake.idToken();
        fake.next = saved;
        return void res
          .writeHead(200, { 'Content-Type': 'application/json' })
          .end(JSON.stringify({ id_token: idToken, access_token: 'not-used', refresh_token: 'not-used', token_type: 'Bearer', expires_in: 3600 }));
      }
      res.writeHead(404).end();
    })().catch(() => res.writeHead(500).end());
  });
  fake.url = await listen(server);
  return fake;
}

/** The API Gateway (HTTP API, payload 2.0) event of a request, as API Gateway builds it. */
export function httpApiEventOf(req: IncomingMessage, body: Buffer, host: string): Record<string, unknown> {
  const url = new URL(req.url ?? '/', `http://${host}`);
  const headers: Record<string, string> = {};
  for (const [k, v] of Object.entries(req.headers)) if (v !== undefined && k !== 'cookie') headers[k] = Array.isArray(v) ? v.join(',') : v;
  const cookies = (req.headers.cookie ?? '').split(';').map((c) => c.trim()).filter(Boolean);
  return {
    version: '2.0',
    routeKey: '$default',
    rawPath: url.pathname,
    rawQueryString: url.search.slice(1),
    ...(cookies.length ? { cookies } : {}),
    headers,
    requestContext: {
      accountId: '123456789012',
      apiId: 'testapi',
      domainName: host,
      domainPrefix: 'testapi',
      http: { method: req.method ?? 'GET', path: url.pathname, protocol: 'HTTP/1.1', sourceIp: '127.0.0.1', userAgent: req.headers['user-agent'] ?? '' },
      requestId: randomBytes(8).toString('hex'),
      routeKey: '$default',
      stage: '$default',
      time: new Date().toUTCString(),
      timeEpoch: Date.now(),
    },
    ...(body.byteLength ? { body: body.toString('base64') } : {}),
    isBase64Encoded: true,
  };
}

/** API Gateway's payload limit. */
const API_PAYLOAD_LIMIT = 10 * 1024 * 1024;

async function lambdaHome(stack: TestStack): Promise<NonNullable<Shared['lambda']>> {
  const cognito = await fakeCognito();
  let handler: ((event: unknown) => Promise<HttpApiResult>) | null = null;
  const server = createServer((req: IncomingMessage, res: ServerResponse) => {
    void (async () => {
      const body = await bodyOf(req, API_PAYLOAD_LIMIT);
      if (!body) return void res.writeHead(413).end('Request Entity Too Large');
      const r = await handler!(httpApiEventOf(req, body, req.headers.host ?? ''));
      const out = r.isBase64Encoded ? Buffer.from(r.body, 'base64') : Buffer.from(r.body, 'utf8');
      const headers: Record<string, string | string[]> = { ...(r.headers ?? {}) };
      if (r.cookies?.length) headers['set-cookie'] = r.cookies;
      delete headers['content-length'];
      res.writeHead(r.statusCode, { ...headers, 'content-length': String(out.byteLength) }).end(req.method === 'HEAD' ? undefined : out);
    })().catch((err: Error) => {
      if (!res.headersSent) res.writeHead(502).end(`bridge: ${err.message}`);
    });
  });
  const baseUrl = await listen(server);
  handler = makeWorkspaceHandler({
    store: stack.store,
    lanes: new DynamoLaneState({ tableName: stack.dynamo.tableName, client: localClient(stack.dynamo.endpoint) }),
    documents: stack.documents,
    now: Date.now,
    // In AWS the submissions queue; here the local workflow runs it.
    startReview: async (submission) => void (await stack.workflow.run(submission)),
    origin: baseUrl,
    auth: new CognitoAuth({
      userPoolId: TEST_POOL.userPoolId,
      clientId: TEST_POOL.clientId,
      domain: cognito.url,
      key: randomBytes(32),
      jwks: cognito.jwks as never,
      errorPage,
    }),
  });
  return { baseUrl, cognito, close: async () => (await close(server), await cognito.close()) };
}
