/**
 * The local intake's journal: every document the stack acknowledges (SMTP `250`, a drop-folder
 * file taken, an upload answered) is first written here, durably, and stays here until its
 * outcome is recorded — its bills, or a failure recorded with its reason. At start every entry
 * still here is processed again, in the order it arrived. An entry is never completed by the
 * execution-name claim alone (see `LocalWorkflow.run`).
 *
 * One JSON file per document, `<arrival time>-<sequence>.json`, written with `durableWrite`
 * (fsync of the file and of the folder); completing it removes the file.
 */
import { readdir, readFile, unlink } from 'node:fs/promises';
import { join } from 'node:path';
import * as z from 'zod';
import { submissionSchema, type Submission } from '../../core/submission-schema.ts';
import { durableWrite, mkdirDurable } from './durable-file.ts';

export const journalEntrySchema = z.object({
  submission: submissionSchema,
  via: z.enum(['smtp', 'drop', 'upload', 'api']),
});
export interface JournalEntry {
  /** The file name: sorts in arrival order. */
  readonly name: string;
  readonly submission: Submission;
  readonly via: 'smtp' | 'drop' | 'upload' | 'api';
}

export class Journal {
  private seq = 0;
  constructor(readonly dir: string) {}

  async open(): Promise<void> {
    await mkdirDurable(this.dir);
  }

  /** The next entry's name: names sort in the order they are taken, whichever write ends first. */
  nextName(nowMs: number): string {
    return `${String(nowMs).padStart(15, '0')}-${String(process.pid).padStart(7, '0')}-${String(this.seq++).padStart(9, '0')}.json`;
  }

  /**
   * Writes one entry durably; resolves once it is on the disk. Entries written at the same time
   * share the disk's flushes (the file system commits them together), each still on the disk
   * before its own promise resolves.
   */
  async append(submission: Submission, via: JournalEntry['via'], nowMs: number, name: string = this.nextName(nowMs)): Promise<JournalEntry> {
    await durableWrite(join(this.dir, name), JSON.stringify({ submission, via }) + '\n');
    return { name, submission, via };
  }

  /**
   * The outcome is recorded: the entry goes. The removal is not flushed to the disk (one folder
   * fsync less a document): an entry that a power cut brings back has its outcome recorded, and
   * processing it again at start finds its execution finished (already processed, nothing decided twice).
   */
  async complete(entry: Pick<JournalEntry, 'name'>): Promise<void> {
    await unlink(join(this.dir, entry.name)).catch((err: NodeJS.ErrnoException) => {
      if (err.code !== 'ENOENT') throw err;
    });
  }

  /**
   * Entries without an outcome, oldest first (of those `wanted` by name: the ones running are not read). An unreadable entry (cut short by a crash before
   * its fsync returned, so never acknowledged) is reported and skipped.
   */
  async pending(onBad?: (name: string, err: Error) => void, wanted: (name: string) => boolean = () => true): Promise<JournalEntry[]> {
    const names = (await readdir(this.dir)).filter((n) => /^\d{15}-\d{7}-\d{9}\.json$/.test(n) && wanted(n)).sort();
    const out: JournalEntry[] = [];
    for (const name of names) {
      try {
        const parsed = journalEntrySchema.parse(JSON.parse(await readFile(join(this.dir, name), 'utf8')));
        out.push({ name, ...parsed });
      } catch (err) {
        onBad?.(name, err as Error);
      }
    }
    return out;
  }
}
