/** DocumentStore on a local folder: the laptop's stand-in for the S3 document bucket. */
import { readFile } from 'node:fs/promises';
import { join, normalize, sep } from 'node:path';
import { durableWrite } from './durable-file.ts';
import type { DocumentStore } from '../../core/ports/documents.ts';

export class FolderDocumentStore implements DocumentStore {
  constructor(private readonly root: string) {}

  private path(key: string): string {
    const p = normalize(join(this.root, key));
    if (!p.startsWith(normalize(this.root) + sep)) throw new RangeError(`document key escapes the store: ${key}`);
    return p;
  }

  async put(key: string, bytes: Uint8Array): Promise<void> {
    // On the disk (fsync'd) before anyone is told it is stored; readable by the user only
    // (bills, bank details, emails): 0700 folders, 0600 files.
    await durableWrite(this.path(key), bytes, { mode: 0o600 });
  }

  async get(key: string): Promise<Uint8Array | null> {
    try {
      return new Uint8Array(await readFile(this.path(key)));
    } catch (err) {
      if ((err as NodeJS.ErrnoException).code === 'ENOENT') return null;
      throw err;
    }
  }
}
