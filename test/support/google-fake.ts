/**
 * Google Drive v3 and Sheets v4 on loopback, answering the calls Drive sync makes with the
 * recorded response bodies of test/fixtures/google (their documented shapes), so that the real
 * `@googleapis/drive` and `@googleapis/sheets` clients run against it through `rootUrl`:
 * - `GET /drive/v3/files/{id}` (the file's metadata; 404 in Drive's error format for another id);
 * - `GET /v4/spreadsheets/{id}` (the tabs' titles);
 * - `GET /v4/spreadsheets/{id}/values:batchGet?ranges=…` (the cells, by tab).
 * Every request must carry a service-account JWT signed with the test key (RS256, `iss` the
 * account, a `scope` claim with the read-only scope of the API, not expired), as Google checks
 * self-signed JWTs; else 401 in Google's error format.
 */
import { createPublicKey, createVerify, generateKeyPairSync, type KeyObject } from 'node:crypto';
import { readFileSync } from 'node:fs';
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { join } from 'node:path';

const FIXTURES = join(import.meta.dirname, '..', 'fixtures', 'google');
const fixture = (name: string) => JSON.parse(readFileSync(join(FIXTURES, name), 'utf8')) as Record<string, unknown>;

export interface FakeServiceAccount {
  readonly key: { type: 'service_account'; client_email: string; private_key: string; private_key_id: string };
  readonly publicKey: KeyObject;
}

export function makeServiceAccount(email = 'bm-drive-sync@bill-matcher-test.iam.gserviceaccount.com'): FakeServiceAccount {
  const { privateKey, publicKey } = generateKeyPairSync('rsa', { modulusLength: 2048 });
  return {
    key: { type: 'service_account', client_email: email, private_key: privateKey.export({ type: 'pkcs8', format: 'pem' }).toString(), private_key_id: 'test-key-1' },
    publicKey: createPublicKey(publicKey.export({ type: 'spki', format: 'pem' })),
  };
}

export interface GoogleFake {
  readonly rootUrl: string;
  readonly fileId: string;
  /** Requests served, by kind. */
  readonly calls: { file: number; spreadsheet: number; values: number; refused: number };
  /** The file's version (Drive increases it with every edit). */
  version: string;
  /** The sheet's tabs: title → rows as the API returns them. */
  readonly tabs: Map<string, string[][]>;
  /** Make the next requests fail with this HTTP status (Google's error body), or stop failing. */
  failWith(status: 403 | 500 | null): void;
  /** An edit of the sheet: new cells for a tab, a new version. */
  edit(tab: string, rows: string[][]): void;
  close(): Promise<void>;
}

function b64urlJson(part: string): Record<string, unknown> {
  return JSON.parse(Buffer.from(part, 'base64url').toString('utf8')) as Record<string, unknown>;
}

function verifyJwt(header: string | undefined, account: FakeServiceAccount, scope: string): boolean {
  const m = /^Bearer ([A-Za-z0-9_-]+)\.([A-Za-z0-9_-]+)\.([A-Za-z0-9_-]+)$/.exec(header ?? '');
  if (!m) return false;
  const [, h, p, s] = m;
  const head = b64urlJson(h!);
  if (head.alg !== 'RS256') return false;
  const ok = createVerify('RSA-SHA256').update(`${h}.${p}`).verify(account.publicKey, Buffer.from(s!, 'base64url'));
  if (!ok) return false;
  const claims = b64urlJson(p!);
  const scopes = String(claims.scope ?? '').split(' ');
  return claims.iss === account.key.client_email && typeof claims.exp === 'number' && claims.exp * 1000 > Date.now() && scopes.includes(scope);
}

export async function startGoogleFake(account: FakeServiceAccount): Promise<GoogleFake> {
  const file = fixture('drive-files-get.json');
  const sheet = fixture('sheets-values-batchGet.json') as { valueRanges: { range: string; values: string[][] }[] };
  const tabs = new Map<string, string[][]>();
  for (const vr of sheet.valueRanges) tabs.set(vr.range.slice(0, vr.range.lastIndexOf('!')).replace(/^'(.*)'$/, '$1').replaceAll("''", "'"), vr.values);
  const titles = (fixture('sheets-spreadsheets-get.json').sheets as { properties: { title: string } }[]).map((s) => s.properties.title);
  for (const t of titles) if (!tabs.has(t)) tabs.set(t, []);
  let failing: number | null = null;

  const fake: GoogleFake = {
    rootUrl: '',
    fileId: file.id as string,
    calls: { file: 0, spreadsheet: 0, values: 0, refused: 0 },
    version: file.version as string,
    tabs,
    failWith(status) {
      failing = status;
    },
    edit(tab, rows) {
      tabs.set(tab, rows);
      fake.version = String(Number(fake.version) + 1);
    },
    close: async () => undefined,
  };

  const server: Server = createServer((req, res) => {
    const url = new URL(req.url ?? '/', 'http://127.0.0.1');
    const send = (status: number, body: unknown) => res.writeHead(status, { 'content-type': 'application/json; charset=UTF-8' }).end(JSON.stringify(body));
    const driveFile = /^\/drive\/v3\/files\/([^/]+)$/.exec(url.pathname);
    const spreadsheet = /^\/v4\/spreadsheets\/([^/:]+)$/.exec(url.pathname);
    const values = /^\/v4\/spreadsheets\/([^/:]+)\/values:batchGet$/.exec(url.pathname);
    const scope = driveFile ? 'https://www.googleapis.com/auth/drive.metadata.readonly' : 'https://www.googleapis.com/auth/spreadsheets.readonly';
    if (req.method !== 'GET' || (!driveFile && !spreadsheet && !values)) return send(404, { error: { code: 404, message: `Not found: ${url.pathname}`, status: 'NOT_FOUND' } });
    if (!verifyJwt(req.headers.authorization, account, scope)) {
      fake.calls.refused++;
      return send(401, fixture('error-unauthenticated.json'));
    }
    if (failing === 403) return send(403, fixture('error-permission-denied.json'));
    if (failing === 500) return send(500, { error: { code: 500, message: 'Internal error encountered.', status: 'INTERNAL' } });
    if (driveFile) {
      fake.calls.file++;
      if (driveFile[1] !== fake.fileId) return send(404, fixture('drive-error-not-found.json'));
      const fields = (url.searchParams.get('fields') ?? 'id,name,mimeType').split(',');
      const full: Record<string, unknown> = { ...file, version: fake.version };
      return send(200, Object.fromEntries(fields.filter((f) => f in full).map((f) => [f, full[f]])));
    }
    const id = (spreadsheet ?? values)![1];
    if (id !== fake.fileId) return send(404, { error: { code: 404, message: 'Requested entity was not found.', status: 'NOT_FOUND' } });
    if (spreadsheet) {
      fake.calls.spreadsheet++;
      return send(200, { sheets: [...tabs.keys()].map((title) => ({ properties: { title } })) });
    }
    fake.calls.values++;
    const ranges = url.searchParams.getAll('ranges');
    const valueRanges = [];
    for (const r of ranges) {
      const title = r.replace(/^'(.*)'$/, '$1').replaceAll("''", "'");
      const rows = tabs.get(title);
      if (!rows) return send(400, { error: { code: 400, message: `Unable to parse range: ${r}`, status: 'INVALID_ARGUMENT' } });
      const width = Math.max(1, ...rows.map((row) => row.length));
      const a1 = `${/^[A-Za-z0-9]+$/.test(title) ? title : `'${title.replaceAll("'", "''")}'`}!A1:${String.fromCharCode(64 + Math.min(width, 26))}${Math.max(rows.length, 1)}`;
      valueRanges.push(rows.length > 0 ? { range: a1, majorDimension: 'ROWS', values: rows } : { range: a1, majorDimension: 'ROWS' });
    }
    return send(200, { spreadsheetId: fake.fileId, valueRanges });
  });
  await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
  const port = (server.address() as AddressInfo).port;
  return Object.assign(fake, {
    rootUrl: `http://127.0.0.1:${port}/`,
    close: () =>
      new Promise<void>((r) => {
        server.closeAllConnections();
        server.close(() => r());
      }),
  });
}
