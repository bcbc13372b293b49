/** DocumentStore on a local folder: the laptop's stand-in for the S3 document bucket. */
import { closeSync, fstatSync, openSync, readFile, readFileSync } from 'node:fs';
import { join, normalize, sep } from 'node:path';
import { promisify } from 'node:util';
import { atomicWrite, DIRECT_IO_UP_TO, durableWrite } from './durable-file.ts';
import type { DocumentStore } from '../../core/ports/documents.ts';

export interface FolderDocumentStoreOptions {
  /**
   * Which keys are fsync'd before `put` resolves. @default every key. The others are still
   * written whole or not at all, and survive the process being killed, not a power cut: the
   * local stack's parts (`parts/…`), which the execution run again after a crash writes again;
   * everything in a one-shot `bm run`, whose folder is gone when it ends.
   */
  readonly durable?: (key: string) => boolean;
}

/** The local stack's choice: a document's parts are made again by the execution a crash cuts short; the rest is kept durably. */
export const durableExceptParts = (key: string): boolean => !key.startsWith('parts/');

const readInPool = promisify(readFile);

export class FolderDocumentStore implements DocumentStore {
  constructor(
    private readonly root: string,
    private readonly options: FolderDocumentStoreOptions = {},
  ) {}

  private path(key: string): string {
    const p = normalize(join(this.root, key));
    if (!p.startsWith(normalize(this.root) + sep)) throw new RangeError(`document key escapes the store: ${key}`);
    return p;
  }

  async put(key: string, bytes: Uint8Array): Promise<void> {
    // On the disk (fsync'd) before anyone is told it is stored; readable by the user only
    // (bills, bank details, emails): 0700 folders, 0600 files.
    const durable = this.options.durable?.(key) ?? true;
    await (durable ? durableWrite : atomicWrite)(this.path(key), bytes, { mode: 0o600 });
  }

  async get(key: string): Promise<Uint8Array | null> {
    const path = this.path(key);
    try {
      // A small document is read at once (a few system calls that only copy from the page
      // cache); a large one in libuv's pool, leaving the event loop free (see durable-file.ts).
      const fd = openSync(path, 'r');
      try {
        return new Uint8Array(fstatSync(fd).size <= DIRECT_IO_UP_TO ? readFileSync(fd) : await readInPool(fd));
      } finally {
        closeSync(fd);
      }
    } catch (err) {
      if ((err as NodeJS.ErrnoException).code === 'ENOENT') return null;
      throw err;
    }
  }
}
