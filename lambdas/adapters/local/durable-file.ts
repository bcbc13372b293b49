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
 * How the writes below (and `FolderDocumentStore`'s reads) spend the event loop. Every call of
 * `fs/promises` is a trip through libuv's thread pool: on a busy machine each trip is a thread
 * woken and a turn of the loop waited for, and a durable write made eight of them (open, write,
 * fsync, close, rename, and the folder's open, fsync, close). The calls that return at once (open,
 * close, rename, and the write of a small file, which only copies it into the kernel's page cache)
 * are made directly; only the two fsyncs, which wait for the disk, and the write of a large file
 * (up to SES's 40 MB) go to the pool and leave the loop free.
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

/** `mkdir -p`, private to the user. */
const mkdirPrivate = (dir: string) => mkdir(dir, { recursive: true, mode: 0o700 });

/** How a write treats the disk: how it makes a missing folder, and what it waits for after writing. */
interface Flushing {
  readonly makeDir: (dir: string) => Promise<unknown>;
  /** Before the rename: the file's bytes on the disk (or nothing). */
  readonly file?: (fd: number) => Promise<void>;
  /** After the rename: the folder's entry on the disk (or nothing). */
  readonly folder?: (dir: string) => Promise<void>;
}

const DURABLE: Flushing = { makeDir: mkdirDurable, file: fsyncInPool, folder: fsyncDir };
const ATOMIC: Flushing = { makeDir: mkdirPrivate };

/**
 * Writes `bytes` aside in the same folder and renames the file into place: whole or not at all.
 * The folder is made (with `makeDir`) only when the first open finds it missing: it is there for
 * all but the first write, and a `mkdir -p` before every write was a system call (or, durable,
 * two) per file for nothing. A small file is written directly, a large one in the pool.
 */
async function writeAside(path: string, bytes: Uint8Array | string, mode: number, flushing: Flushing): Promise<void> {
  const dir = dirname(path);
  const tmp = join(dir, `.${basename(path)}.${randomBytes(4).toString('hex')}.tmp`);
  try {
    failIfInjected(tmp);
    let fd: number;
    try {
      fd = openSync(tmp, 'wx', mode);
    } catch (err) {
      if ((err as NodeJS.ErrnoException).code !== 'ENOENT') throw err;
      await flushing.makeDir(dir);
      fd = openSync(tmp, 'wx', mode);
    }
    try {
      const size = typeof bytes === 'string' ? Buffer.byteLength(bytes) : bytes.byteLength;
      if (size <= DIRECT_IO_UP_TO) writeFileSync(fd, bytes);
      else await writeInPool(fd, bytes);
      await flushing.file?.(fd);
    } finally {
      closeSync(fd);
    }
    renameSync(tmp, path);
    await flushing.folder?.(dir);
  } catch (err) {
    await rm(tmp, { force: true }).catch(() => undefined);
    throw err;
  }
}

/** Writes `bytes` to `path` durably (temporary file, fsync, rename, fsync of the folder). */
export function durableWrite(path: string, bytes: Uint8Array | string, options: { mode?: number } = {}): Promise<void> {
  return writeAside(path, bytes, options.mode ?? 0o600, DURABLE);
}

/**
 * Writes `bytes` to `path` whole or not at all (temporary file, rename) without waiting for the
 * disk: for what a crash may lose because it is made again (a document's parts, re-read by the
 * execution that is run again; a one-shot `bm run`'s scratch folder). Survives the process being
 * killed (the page cache is the kernel's), not a power cut.
 */
export function atomicWrite(path: string, bytes: Uint8Array | string, options: { mode?: number } = {}): Promise<void> {
  return writeAside(path, bytes, options.mode ?? 0o600, ATOMIC);
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
