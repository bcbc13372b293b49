/**
 * The local stack on a shared network (a colleague on the same LAN): DynamoDB Local listens on
 * the loopback address only, on a random port. The
 * listening address is read from the kernel's socket table (/proc/net/tcp, tcp6), never by
 * connecting to other addresses.
 */
import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { startDynamoDbLocal } from '../../lambdas/adapters/local/dynamodb-local.ts';

/** The local addresses (hex, as the kernel writes them) of sockets listening on `port`. */
function listeners(port: number): string[] {
  const hexPort = port.toString(16).toUpperCase().padStart(4, '0');
  const out: string[] = [];
  for (const file of ['/proc/net/tcp', '/proc/net/tcp6']) {
    let text = '';
    try {
      text = readFileSync(file, 'utf8');
    } catch {
      continue;
    }
    for (const line of text.split('\n').slice(1)) {
      const f = line.trim().split(/\s+/);
      if (f.length < 4) continue;
      const [addr, p] = f[1]!.split(':');
      // st 0A = LISTEN
      if (p === hexPort && f[3] === '0A') out.push(addr!);
    }
  }
  return out;
}

/** 127.0.0.1 as /proc/net/tcp writes it, and as an IPv4-mapped IPv6 address in tcp6. */
const LOOPBACK = new Set(['0100007F', '0000000000000000FFFF00000100007F', '00000000000000000000000001000000']);

describe.runIf(process.platform === 'linux')('DynamoDB Local of the local stack', () => {
  it('listens on 127.0.0.1 only, on a random port', async () => {
    const a = await startDynamoDbLocal();
    const b = await startDynamoDbLocal();
    try {
      expect(a.port).not.toBe(8000);
      expect(a.port).not.toBe(b.port);
      const addrs = listeners(a.port);
      expect(addrs.length).toBeGreaterThan(0);
      for (const addr of addrs) expect(LOOPBACK.has(addr), `listening on ${addr}`).toBe(true);
    } finally {
      await Promise.all([a.stop(), b.stop()]);
    }
  }, 120_000);

});
