/**
 * The SFTP portal: a supplier drops bills into a folder of its SFTP server (or ours). With
 * `ssh2-sftp-client` (on `ssh2`). The server's host key is pinned (`host_key_sha256`, as
 * `ssh-keygen -lf` prints it: `SHA256:…`): an unknown key refuses the connection.
 *
 * Listing: the regular files of `path` whose names match `pattern`; the cursor is the file's
 * modification time (milliseconds, zero-padded) and its id `name@mtime@size`, so a file replaced
 * under the same name is a new entry.
 */
import { createHash } from 'node:crypto';
import { posix } from 'node:path';
import SftpClient from 'ssh2-sftp-client';
import { sftpSecretSchema, type SftpPortalConfig } from './config.ts';
import { MAX_BILL_BYTES, PortalError, type PortalAdapter, type PortalBill, type PortalSession } from './adapter.ts';

/** `SHA256:<base64, no padding>` of a host key, as OpenSSH prints it. */
export function hostKeyFingerprint(key: Buffer): string {
  return `SHA256:${createHash('sha256').update(key).digest('base64').replace(/=+$/, '')}`;
}

const cursorOf = (mtimeMs: number) => String(Math.trunc(mtimeMs)).padStart(15, '0');

export function createSftpPortal(config: SftpPortalConfig, secretValue: unknown, options: { timeoutMs?: number } = {}): PortalAdapter {
  const secret = sftpSecretSchema.parse(secretValue);
  const label = `portal ${config.id}`;
  const pinned = config.host_key_sha256.replace(/=+$/, '');
  return {
    id: config.id,
    async signIn(): Promise<PortalSession> {
      const client = new SftpClient(`portal-${config.id}`);
      let offered = '';
      try {
        await client.connect({
          host: config.host,
          port: config.port,
          username: secret.username,
          ...(secret.password ? { password: secret.password } : {}),
          ...(secret.private_key ? { privateKey: secret.private_key, ...(secret.passphrase ? { passphrase: secret.passphrase } : {}) } : {}),
          readyTimeout: options.timeoutMs ?? 20_000,
          hostVerifier: (key: Buffer) => {
            offered = hostKeyFingerprint(key);
            return offered === pinned;
          },
          retries: 0,
        } as SftpClient.ConnectOptions);
      } catch (err) {
        await client.end().catch(() => undefined);
        if (offered && offered !== pinned) throw new PortalError(`${label}: host key ${offered} is not the pinned ${pinned}; refused`);
        throw new PortalError(`${label}: sign-in failed: ${(err as Error).message}`);
      }
      const pattern = new RegExp(config.pattern, 'i');
      return {
        async list(since): Promise<PortalBill[]> {
          const entries = await client.list(config.path);
          return entries
            .filter((e) => e.type === '-' && pattern.test(e.name) && !e.name.includes('/'))
            .map((e) => ({ id: `${e.name}@${Math.trunc(e.modifyTime)}@${e.size}`, name: e.name, cursor: cursorOf(e.modifyTime), size: e.size }))
            .filter((b) => since === null || b.cursor >= since);
        },
        async download(bill) {
          if ((bill.size ?? 0) > MAX_BILL_BYTES) throw new PortalError(`${label}: ${bill.name} is larger than ${MAX_BILL_BYTES} bytes`);
          const data = await client.get(posix.join(config.path, bill.name));
          if (!Buffer.isBuffer(data)) throw new PortalError(`${label}: ${bill.name} did not download`);
          if (data.length > MAX_BILL_BYTES) throw new PortalError(`${label}: ${bill.name} is larger than ${MAX_BILL_BYTES} bytes`);
          return new Uint8Array(data);
        },
        async close() {
          await client.end().catch(() => undefined);
        },
      };
    },
  };
}
