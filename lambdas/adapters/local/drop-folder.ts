/**
 * A drop folder: a bill file copied into it is submitted once, then moved to `processed/`
 * (or to `failed/` when the stack itself could not run it). The laptop's stand-in for an
 * upload to the inbox bucket. The folder is polled rather than watched: `fs.watch` differs
 * between systems and says nothing about when a copy has finished.
 */
import { mkdir, readdir, readFile, rename, stat } from 'node:fs/promises';
import { extname, join } from 'node:path';

export interface DroppedFile {
  readonly name: string;
  readonly bytes: Uint8Array;
}

export interface DropFolderOptions {
  readonly dir: string;
  /** @default 400 */
  readonly intervalMs?: number;
  /**
   * Takes the file over; resolves once it is safely accepted (the file then moves to
   * `processed/`). `false`: it can never be run (moved to `failed/`). Throws when it cannot be
   * taken now (the database is down, the disk is full): the file stays where it is and is tried
   * again at the next scan.
   */
  readonly onFile: (file: DroppedFile) => Promise<boolean>;
  readonly onError?: (err: Error, name: string) => void;
}

export interface DropFolder {
  readonly dir: string;
  readonly processedDir: string;
  readonly failedDir: string;
  /** Runs one scan now (tests, and the first scan at start). */
  scan(): Promise<void>;
  stop(): Promise<void>;
}

/** Names that are never bills: hidden files, editors' and browsers' partial downloads. */
const IGNORED = /^\.|~$|\.(part|crdownload|tmp|swp)$/i;

/** A file is taken once its size and time have not changed between two scans, and it is this old. */
const SETTLE_MS = 250;

/** How many ready files are handed over together. */
const HANDOVER_BATCH = 16;

export async function startDropFolder(options: DropFolderOptions): Promise<DropFolder> {
  const dir = options.dir;
  const processedDir = join(dir, 'processed');
  const failedDir = join(dir, 'failed');
  await mkdir(processedDir, { recursive: true, mode: 0o700 });
  await mkdir(failedDir, { recursive: true, mode: 0o700 });
  const seen = new Map<string, string>();
  /** Files that could not be taken, with the reason last reported. */
  const refused = new Map<string, string>();
  let running: Promise<void> | null = null;
  let stopped = false;

  async function scanOnce(): Promise<void> {
    let names: string[];
    try {
      names = await readdir(dir);
    } catch (err) {
      options.onError?.(err as Error, dir);
      return;
    }
    const ready: { name: string; mtime: number }[] = [];
    const present = new Set<string>();
    for (const name of names) {
      if (IGNORED.test(name)) continue;
      let s;
      try {
        s = await stat(join(dir, name));
      } catch {
        continue; // gone meanwhile
      }
      if (!s.isFile()) continue;
      present.add(name);
      const sig = `${s.size}:${s.mtimeMs}`;
      if (seen.get(name) === sig && Date.now() - s.mtimeMs >= SETTLE_MS) ready.push({ name, mtime: s.mtimeMs });
      else seen.set(name, sig);
    }
    for (const name of seen.keys()) if (!present.has(name)) seen.delete(name);
    // Oldest first: the order they were dropped in.
    ready.sort((a, b) => a.mtime - b.mtime || a.name.localeCompare(b.name));
    // Handed over a batch at a time, in order (the order they are taken is the order they run),
    // without waiting for one to be taken before the next: their writes share the disk's flushes.
    for (let i = 0; i < ready.length; i += HANDOVER_BATCH) {
      if (stopped) return;
      const batch = ready.slice(i, i + HANDOVER_BATCH);
      for (const { name } of batch) seen.delete(name);
      const read = await Promise.all(batch.map(({ name }) => readFile(join(dir, name)).then((b) => new Uint8Array(b), (err: Error) => err)));
      await Promise.all(
        batch.map(async ({ name }, j) => {
          let ok: boolean;
          try {
            const bytes = read[j]!;
            if (bytes instanceof Error) throw bytes;
            ok = await options.onFile({ name, bytes });
            refused.delete(name);
          } catch (err) {
            // Left alone; said once per reason, not at every scan.
            const why = (err as Error).message;
            if (refused.get(name) !== why) options.onError?.(err as Error, name);
            refused.set(name, why);
            return;
          }
          try {
            await rename(join(dir, name), await freeName(ok ? processedDir : failedDir, name));
          } catch (err) {
            options.onError?.(err as Error, name);
          }
        }),
      );
    }
  }

  function scan(): Promise<void> {
    running ??= scanOnce().finally(() => (running = null));
    return running;
  }

  const timer = setInterval(() => void scan(), options.intervalMs ?? 400);
  timer.unref();
  void scan();

  return {
    dir,
    processedDir,
    failedDir,
    scan,
    async stop() {
      stopped = true;
      clearInterval(timer);
      await running;
    },
  };
}

/** `name`, or `name-2`, `name-3`, … where the folder already holds one. */
async function freeName(folder: string, name: string): Promise<string> {
  const ext = extname(name);
  const base = name.slice(0, name.length - ext.length);
  for (let i = 1; ; i++) {
    const candidate = join(folder, i === 1 ? name : `${base}-${i}${ext}`);
    try {
      await stat(candidate);
    } catch {
      return candidate;
    }
  }
}
