/**
 * Writes that survive a crash or a power cut: the bytes go to a temporary file in the same
 * folder, are flushed to the disk (fsync), renamed into place, and the folder itself is flushed,
 * so that after `durableWrite` resolves the file is there, whole, even after `kill -9` or a
 * reboot. A failed write (ENOSPC) leaves no partial file behind and throws.
 */
import { randomBytes } from 'node:crypto';
import { closeSync, existsSync, fsync, openSync, renameSync, writeFile, writeFileSync } from 'node:fs';
import { mkdir, rm } from 'node:fs/promises';
import { basename, dirname, join } from 'node:path';
import { promisify } from 'node:util';

/** Test hook: throw this error code from the next writes (a simulated full disk). */
let injected: { code: string; remaining: number } | null = null;
export function injectWriteFailure(code: string | null, times = Number.POSITIVE_INFINITY): void {
  injected = code ? { code, remaining: times } : null;
}

/** A simulated full disk, where the tests asked for one. */
function failIfInjected(tmp: string): void {
  // The fault-injection suite fills the disk of a running `bm start` by creating this flag file.
  const flag = process.env.BM_FAULT_ENOSPC_FLAG;
  if (flag && existsSync(flag)) {
    const err = new Error(`ENOSPC: no space left on device, write '${tmp}'`) as NodeJS.ErrnoException;
    err.code = 'ENOSPC';
    throw err;
  }
  if (injected && injected.remaining > 0) {
    injected.remaining--;
    const err = new Error(`${injected.code}: no space left on device, write '${tmp}'`) as NodeJS.ErrnoException;
    err.code = injected.code;
    throw err;
  }
}

/**
 * How the writes below (and `FolderDocumentStore`'s reads) spend the event loop. Every call of `fs/promises` is a trip through libuv's
 * thread pool: on a busy machine each trip is a thread woken and a turn of the loop waited for, and
 * a durable write made eight of them (open, write, fsync, close, rename, and the folder's open,
 * fsync, close). The calls that return at once (open, close, rename, and the write of a small file,
 * which only copies it into the kernel's page cache) are made directly; only the two fsyncs, which
 * wait for the disk, and the write of a large file (up to SES's 40 MB) go to the pool and leave the
 * loop free.
 */
export const DIRECT_IO_UP_TO = 256 * 1024;

const fsyncInPool = promisify(fsync);
const writeInPool = promisify(writeFile);

/** Flushes a folder's entries (a new, renamed or removed file) to the disk. */
export async function fsyncDir(dir: string): Promise<void> {
  const fd = openSync(dir, 'r');
  try {
    await fsyncInPool(fd);
  } catch (err) {
    // Some file systems cannot fsync a folder (EINVAL, EISDIR on a few platforms): nothing more to do there.
    if (!['EINVAL', 'EISDIR', 'EPERM'].includes((err as NodeJS.ErrnoException).code ?? '')) throw err;
  } finally {
    closeSync(fd);
  }
}

/**
 * Creates the temporary file `tmp` in `dir`, making `dir` (with `makeDir`) only when it is missing:
 * the folder is there for all but the first write, and a `mkdir -p` before every write was a
 * system call (or, durable, two) per file for nothing.
 */
async function createTemp(dir: string, tmp: string, mode: number, makeDir: (dir: string) => Promise<unknown>): Promise<number> {
  try {
    return openSync(tmp, 'wx', mode);
  } catch (err) {
    if ((err as NodeJS.ErrnoException).code !== 'ENOENT') throw err;
  }
  await makeDir(dir);
  return openSync(tmp, 'wx', mode);
}

/** Writes the whole of `bytes` at the file's start: directly when small, in the pool when large. */
async function writeWhole(fd: number, bytes: Uint8Array | string): Promise<void> {
  const size = typeof bytes === 'string' ? Buffer.byteLength(bytes) : bytes.byteLength;
  if (size <= DIRECT_IO_UP_TO) writeFileSync(fd, bytes);
  else await writeInPool(fd, bytes);
}

/** `mkdir -p`, private to the user. */
const mkdirPrivate = (dir: string) => mkdir(dir, { recursive: true, mode: 0o700 });

/** Writes `bytes` to `path` durably (temporary file, fsync, rename, fsync of the folder). */
export async function durableWrite(path: string, bytes: Uint8Array | string, options: { mode?: number } = {}): Promise<void> {
  const dir = dirname(path);
  const tmp = join(dir, `.${basename(path)}.${randomBytes(4).toString('hex')}.tmp`);
  try {
    failIfInjected(tmp);
    const fd = await createTemp(dir, tmp, options.mode ?? 0o600, mkdirDurable);
    try {
      await writeWhole(fd, bytes);
      await fsyncInPool(fd);
    } finally {
      closeSync(fd);
    }
    renameSync(tmp, path);
    await fsyncDir(dir);
  } catch (err) {
    await rm(tmp, { force: true }).catch(() => undefined);
    throw err;
  }
}

/**
 * Writes `bytes` to `path` whole or not at all (temporary file, rename) without waiting for the
 * disk: for what a crash may lose because it is made again (a document's parts, re-read by the
 * execution that is run again; a one-shot `bm run`'s scratch folder). Survives the process being
 * killed (the page cache is the kernel's), not a power cut.
 */
export async function atomicWrite(path: string, bytes: Uint8Array | string, options: { mode?: number } = {}): Promise<void> {
  const dir = dirname(path);
  const tmp = join(dir, `.${basename(path)}.${randomBytes(4).toString('hex')}.tmp`);
  try {
    failIfInjected(tmp);
    const fd = await createTemp(dir, tmp, options.mode ?? 0o600, mkdirPrivate);
    try {
      await writeWhole(fd, bytes);
    } finally {
      closeSync(fd);
    }
    renameSync(tmp, path);
  } catch (err) {
    await rm(tmp, { force: true }).catch(() => undefined);
    throw err;
  }
}

/** `mkdir -p`, with every folder it created flushed into its parent. */
export async function mkdirDurable(dir: string): Promise<void> {
  const first = await mkdirPrivate(dir);
  if (first === undefined) return;
  // Flush each created folder's parent, from the first created one down.
  for (let d = dir; d.length >= first.length; d = dirname(d)) {
    await fsyncDir(dirname(d));
    if (d === first) break;
  }
}
