/**
 * The lanes on a laptop: portal bills land in the local stack's drop folder (operator input, like
 * an upload), written once: a temporary file is hard-linked to its final name, which fails when
 * the name exists; `processed/` and `failed/` (where the drop folder moves what it ran) count too.
 */
import { link, mkdir, stat, unlink, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import type { UploadTarget } from './portals/poll.ts';

export class DropFolderUploads implements UploadTarget {
  constructor(private readonly dir: string) {}

  /** `uploads/portals/<portal>/<hash16>-<name>` → `<portal>-<hash16>-<name>` in the drop folder. */
  static fileName(key: string): string {
    const [portal, file] = key.split('/').slice(-2);
    return `${portal}-${file}`;
  }

  private async present(name: string): Promise<boolean> {
    for (const d of [this.dir, join(this.dir, 'processed'), join(this.dir, 'failed')]) {
      try {
        await stat(join(d, name));
        return true;
      } catch {
        // not there
      }
    }
    return false;
  }

  async putOnce(key: string, bytes: Uint8Array): Promise<'written' | 'exists'> {
    const name = DropFolderUploads.fileName(key);
    if (await this.present(name)) return 'exists';
    await mkdir(this.dir, { recursive: true });
    const tmp = join(this.dir, `.${name}.${process.pid}.part`);
    await writeFile(tmp, bytes);
    try {
      await link(tmp, join(this.dir, name));
      return 'written';
    } catch (err) {
      if ((err as NodeJS.ErrnoException).code === 'EEXIST') return 'exists';
      throw err;
    } finally {
      await unlink(tmp).catch(() => undefined);
    }
  }
}
