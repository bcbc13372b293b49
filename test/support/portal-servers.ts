/**
 * Supplier portals on loopback, speaking the real protocols:
 * - an HTTPS portal (node:https with the test certificate): a form sign-in that sets a session
 *   cookie, a bearer token, a JSON listing with `since`, an HTML listing, PDF downloads;
 * - an SFTP server (ssh2's `Server`, a host key generated per run, password authentication) that
 *   serves a folder of files held in memory.
 * Both count what they served, so tests can assert what was downloaded.
 */
import { readFileSync } from 'node:fs';
import { createServer as createHttpsServer, type Server as HttpsServer } from 'node:https';
import type { AddressInfo } from 'node:net';
import { join } from 'node:path';
import ssh2 from 'ssh2';
import { hostKeyFingerprint } from '../../lambdas/lanes/portals/sftp.ts';

const { Server: SshServer, utils } = ssh2;
const FIXTURES = join(import.meta.dirname, '..', 'fixtures', 'portal');
export const TEST_CA = readFileSync(join(FIXTURES, 'localhost-cert.pem'), 'utf8');

export interface ListedBill {
  id: string;
  name: string;
  date: string;
  bytes: Uint8Array;
  /** The link the listing gives, when not the portal's own download path. */
  href?: string;
}

export interface HttpsPortalServer {
  readonly baseUrl: string;
  readonly bills: ListedBill[];
  readonly downloads: string[];
  signIns: number;
  close(): Promise<void>;
}

export async function startHttpsPortal(options: { username?: string; password?: string; token?: string } = {}): Promise<HttpsPortalServer> {
  const sessions = new Set<string>();
  let n = 0;
  const state: HttpsPortalServer = { baseUrl: '', bills: [], downloads: [], signIns: 0, close: async () => undefined };
  const server: HttpsServer = createHttpsServer(
    { cert: TEST_CA, key: readFileSync(join(FIXTURES, 'localhost-key.pem')) },
    (req, res) => {
      const url = new URL(req.url ?? '/', 'https://127.0.0.1');
      const authed = () => {
        if (options.token && req.headers.authorization === `Bearer ${options.token}`) return true;
        const sid = /(?:^|;\s*)sid=([a-f0-9-]+)/.exec(req.headers.cookie ?? '')?.[1];
        return sid !== undefined && sessions.has(sid);
      };
      if (req.method === 'POST' && url.pathname === '/login') {
        let body = '';
        req.on('data', (c: Buffer) => (body += c.toString()));
        req.on('end', () => {
          const form = new URLSearchParams(body);
          if (options.username && form.get('user') === options.username && form.get('pass') === options.password) {
            const sid = `${++n}-${Date.now().toString(16)}`;
            sessions.add(sid);
            state.signIns++;
            res.writeHead(302, { location: '/bills', 'set-cookie': [`sid=${sid}; Path=/; HttpOnly; Secure`, 'theme=dark; Path=/'] }).end();
          } else {
            res.writeHead(401, { 'content-type': 'text/html' }).end('<p>Wrong user name or password</p>');
          }
        });
        return;
      }
      if (!authed()) return void res.writeHead(401).end('sign in first');
      if (url.pathname === '/api/bills') {
        const since = url.searchParams.get('since');
        const bills = state.bills.filter((b) => !since || b.date >= since).map((b) => ({ id: b.id, file_name: b.name, posted_at: b.date, links: { pdf: b.href ?? `/files/${b.id}/${encodeURIComponent(b.name)}` } }));
        return void res.writeHead(200, { 'content-type': 'application/json' }).end(JSON.stringify({ data: { bills } }));
      }
      if (url.pathname === '/bills.html') {
        const rows = state.bills.map((b) => `<tr><td>${b.date}</td><td><a href="/files/${b.id}/${encodeURIComponent(b.name)}" data-date="${b.date}">${b.name}</a></td></tr>`).join('');
        return void res.writeHead(200, { 'content-type': 'text/html' }).end(`<html><body><a href="/help">Help</a><table>${rows}</table></body></html>`);
      }
      const file = /^\/files\/([^/]+)\/[^/]+$/.exec(url.pathname);
      const bill = file && state.bills.find((b) => b.id === file[1]);
      if (bill) {
        state.downloads.push(bill.id);
        return void res.writeHead(200, { 'content-type': 'application/pdf' }).end(Buffer.from(bill.bytes));
      }
      res.writeHead(404).end();
    },
  );
  await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
  state.close = () =>
    new Promise<void>((r) => {
      server.closeAllConnections();
      server.close(() => r());
    });
  return Object.assign(state, { baseUrl: `https://127.0.0.1:${(server.address() as AddressInfo).port}` });
}

export interface SftpServer {
  readonly port: number;
  readonly hostKeySha256: string;
  /** Files in the served folder: name → bytes and modification time (seconds). */
  readonly files: Map<string, { bytes: Uint8Array; mtime: number }>;
  readonly downloads: string[];
  close(): Promise<void>;
}

/**
 * A fresh ed25519 host key and its parsed public half. ssh2's generator strips every leading zero
 * byte of the public key, so about one key in 256 (one starting with 0x00) is one its own parser
 * refuses ("Malformed OpenSSH public key", mscdex/ssh2#1513): such a key is drawn again.
 */
function hostKeyPair() {
  for (let attempt = 1; ; attempt++) {
    const keys = utils.generateKeyPairSync('ed25519');
    const parsed = utils.parseKey(keys.public);
    const privateOk = !(utils.parseKey(keys.private) instanceof Error);
    if (!(parsed instanceof Error) && privateOk) return { keys, parsed };
    if (attempt === 20) throw parsed instanceof Error ? parsed : new Error('ssh2 generated no usable ed25519 host key in 20 attempts');
  }
}

export async function startSftpServer(options: { username: string; password: string; folder: string }): Promise<SftpServer> {
  const { keys, parsed } = hostKeyPair();
  const hostKeySha256 = hostKeyFingerprint((Array.isArray(parsed) ? parsed[0] : parsed).getPublicSSH());
  const files = new Map<string, { bytes: Uint8Array; mtime: number }>();
  const downloads: string[] = [];
  const { STATUS_CODE } = utils.sftp;
  const attrs = (size: number, mtime: number, dir: boolean) => ({ mode: (dir ? 0o040000 : 0o100000) | 0o644, uid: 0, gid: 0, size, atime: mtime, mtime });
  const clients = new Set<ssh2.Connection>();
  const server = new SshServer({ hostKeys: [keys.private] }, (client) => {
    clients.add(client);
    client.on('close', () => clients.delete(client));
    client.on('error', () => undefined);
    client.on('authentication', (ctx) => {
      if (ctx.method === 'password' && ctx.username === options.username && ctx.password === options.password) ctx.accept();
      else ctx.reject(['password']);
    });
    client.on('ready', () => {
      client.on('session', (accept) => {
        accept().on('sftp', (acceptSftp) => {
          const sftp = acceptSftp();
          const handles = new Map<number, { kind: 'file'; name: string; bytes: Uint8Array } | { kind: 'dir'; listed: boolean }>();
          let next = 0;
          const handle = (h: { kind: 'file'; name: string; bytes: Uint8Array } | { kind: 'dir'; listed: boolean }) => {
            const id = next++;
            handles.set(id, h);
            const b = Buffer.alloc(4);
            b.writeUInt32BE(id);
            return b;
          };
          const get = (b: Buffer) => handles.get(b.readUInt32BE(0));
          const inFolder = (path: string) => (path.startsWith(`${options.folder}/`) ? path.slice(options.folder.length + 1) : null);
          sftp.on('REALPATH', (id, path) => sftp.name(id, [{ filename: path === '.' ? '/' : path, longname: path, attrs: attrs(0, 0, true) }]));
          const stat = (id: number, path: string) => {
            if (path === options.folder || path === '/') return sftp.attrs(id, attrs(0, 0, true));
            const f = files.get(inFolder(path) ?? '');
            return f ? sftp.attrs(id, attrs(f.bytes.length, f.mtime, false)) : sftp.status(id, STATUS_CODE.NO_SUCH_FILE);
          };
          sftp.on('STAT', stat);
          sftp.on('LSTAT', stat);
          sftp.on('OPENDIR', (id, path) => (path === options.folder ? sftp.handle(id, handle({ kind: 'dir', listed: false })) : sftp.status(id, STATUS_CODE.NO_SUCH_FILE)));
          sftp.on('READDIR', (id, h) => {
            const d = get(h);
            if (!d || d.kind !== 'dir') return sftp.status(id, STATUS_CODE.FAILURE);
            if (d.listed) return sftp.status(id, STATUS_CODE.EOF);
            d.listed = true;
            sftp.name(id, [...files].map(([name, f]) => ({ filename: name, longname: `-rw-r--r-- 1 0 0 ${f.bytes.length} Jan 1 00:00 ${name}`, attrs: attrs(f.bytes.length, f.mtime, false) })));
          });
          sftp.on('OPEN', (id, path) => {
            const name = inFolder(path);
            const f = name !== null ? files.get(name) : undefined;
            if (!f || name === null) return sftp.status(id, STATUS_CODE.NO_SUCH_FILE);
            downloads.push(name);
            sftp.handle(id, handle({ kind: 'file', name, bytes: f.bytes }));
          });
          sftp.on('FSTAT', (id, h) => {
            const f = get(h);
            return f && f.kind === 'file' ? sftp.attrs(id, attrs(f.bytes.length, 0, false)) : sftp.status(id, STATUS_CODE.FAILURE);
          });
          sftp.on('READ', (id, h, offset, length) => {
            const f = get(h);
            if (!f || f.kind !== 'file') return sftp.status(id, STATUS_CODE.FAILURE);
            if (offset >= f.bytes.length) return sftp.status(id, STATUS_CODE.EOF);
            sftp.data(id, Buffer.from(f.bytes.subarray(offset, offset + length)));
          });
          sftp.on('CLOSE', (id, h) => {
            handles.delete(h.readUInt32BE(0));
            sftp.status(id, STATUS_CODE.OK);
          });
        });
      });
    });
  });
  await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
  return {
    port: (server.address() as AddressInfo).port,
    hostKeySha256,
    files,
    downloads,
    close: () =>
      new Promise<void>((r) => {
        for (const c of clients) c.end();
        server.close(() => r());
      }),
  };
}
