/**
 * The lanes on a laptop:
 * - portal bills land in the local stack's drop folder (operator input, like an upload), written
 *   once: a temporary file is hard-linked to its final name, which fails when the name exists;
 *   `processed/` and `failed/` (where the drop folder moves what it ran) count too;
 * - `bm start` watches `<home>/master-drop/` for master data (the drop lane);
 * - `bm sync` reads `<home>/lanes.json` (Drive sync and the portals, with their credentials).
 */
import { link, mkdir, readFile, stat, unlink, writeFile } from 'node:fs/promises';
import { dirname as dirOf, join, resolve as resolvePath } from 'node:path';
import * as z from 'zod';
import { DynamoBillStore } from '../adapters/aws/dynamo-store.ts';
import { startDropFolder, type DropFolder } from '../adapters/local/drop-folder.ts';
import { FolderDocumentStore } from '../adapters/local/folder-documents.ts';
import { localClient } from '../adapters/local/local-stack.ts';
import type { Mailer } from '../core/ports/mailer.ts';
import { DynamoLaneState } from './dynamo-state.ts';
import { CURRENT_PREFIX, dropFromObject, importMasterDrop, MASTER_FILES, type DropOutcome, type MasterDropDeps } from './master-drop.ts';
import { portalsConfigSchema } from './portals/config.ts';
import type { UploadTarget } from './portals/poll.ts';
import { rematchHook } from './rematch.ts';

export class DropFolderUploads implements UploadTarget {
  constructor(private readonly dir: string) {}

  /** `uploads/portals/<portal>/<portal>-<hash16>-<name>` → `<portal>-<hash16>-<name>` in the drop folder. */
  static fileName(key: string): string {
    return key.slice(key.lastIndexOf('/') + 1);
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

// --- the lanes of the local stack ----------------------------------------------------------

/** Where `bm start` watches for master data, under its home. */
export const MASTER_DROP_DIR = 'master-drop';
/** The lanes' configuration of a local stack, under its home (or `bm sync --config FILE`). */
export const LANES_FILE = 'lanes.json';
/** Who is told of refused imports locally (the email lands in the outbox). */
export const LOCAL_OPS_EMAIL = 'ops@localhost';

/**
 * The drop lane's dependencies on a running local stack: its table, its documents folder, its
 * outbox; `rematch` runs the stack's re-match pass after an import that changed records
 * (`stack.rematch` in `bm start`, its `/api/rematch` from `bm sync`).
 */
export function localMasterDeps(options: {
  endpoint: string;
  tableName: string;
  documentsDir: string;
  mailer: Mailer;
  opsEmail?: string;
  now?: () => number;
  rematch?: (reason: string) => Promise<unknown>;
}): { deps: MasterDropDeps; close(): void } {
  const client = localClient(options.endpoint);
  return {
    deps: {
      store: new DynamoBillStore({ tableName: options.tableName, client }),
      documents: new FolderDocumentStore(options.documentsDir),
      state: new DynamoLaneState({ tableName: options.tableName, client }),
      now: options.now ?? Date.now,
      ops: { mailer: options.mailer, to: options.opsEmail ?? LOCAL_OPS_EMAIL },
      rematch: options.rematch ? rematchHook(options.rematch) : undefined,
    },
    close: () => client.destroy(),
  };
}

/**
 * `bm start`'s master-data drop folder: a master file or a zip of them copied into it is imported
 * like `bm import` (all or nothing, merged with the current set), then moved to `processed/`.
 * Files dropped together are imported one after another, in the order they were dropped: each is
 * merged with the set the one before it made. A file that cannot be imported now (another import
 * holds the lane, e.g. `bm sync`; the database is down) stays in the folder and is tried again at
 * the next scan; it is never moved to `failed/` for that.
 */
export async function startMasterDropFolder(dir: string, deps: MasterDropDeps, report: (name: string, outcome: DropOutcome | Error) => void, intervalMs = 400): Promise<DropFolder> {
  let queue: Promise<unknown> = Promise.resolve();
  const oneAtATime = <T>(f: () => Promise<T>): Promise<T> => {
    const run = queue.then(f, f);
    queue = run.catch(() => undefined);
    return run;
  };
  return startDropFolder({
    dir,
    intervalMs,
    onFile: (file) =>
      oneAtATime(async () => {
        const outcome = await importMasterDrop(dropFromObject(file.name, join(dir, file.name), file.bytes), deps);
        report(file.name, outcome);
        return true;
      }),
    onError: (err, name) => report(name, err),
  });
}

/** `lanes.json`: what `bm sync` runs locally. Secrets are in it too: keep it out of version control, mode 0600. */
export const localLanesSchema = z.object({
  opsEmail: z.string().email().optional(),
  drive: z
    .object({
      fileId: z.string().min(1),
      /** The service-account key file (JSON), relative to the lanes file. */
      keyFile: z.string().min(1),
      /** Another endpoint for the Google APIs (a local fake); default Google's. */
      rootUrl: z.string().url().optional(),
    })
    .optional(),
  portals: portalsConfigSchema.default([]),
  /** Portal credentials by secret name (`bm/portals/<id>`), as they would be in Secrets Manager. */
  secrets: z.record(z.string(), z.unknown()).default({}),
});
export type LocalLanes = z.infer<typeof localLanesSchema> & { readonly dir: string };

export async function readLocalLanes(path: string): Promise<LocalLanes | null> {
  let text: string;
  try {
    text = await readFile(path, 'utf8');
  } catch (err) {
    if ((err as NodeJS.ErrnoException).code === 'ENOENT') return null;
    throw err;
  }
  let json: unknown;
  try {
    json = JSON.parse(text);
  } catch {
    throw new Error(`${path}: not JSON`);
  }
  const r = localLanesSchema.safeParse(json);
  if (!r.success) throw new Error(`${path}: ${r.error.issues.map((i) => `${i.path.join('.') || '(file)'}: ${i.message}`).join('; ')}`);
  return { ...r.data, dir: dirOf(resolvePath(path)) };
}

/**
 * After `bm import DIR` into the local stack: its files become the current set the drop lane
 * merges single files with (as a full drop would have made them).
 */
export async function recordCurrentSet(documentsDir: string, masterDir: string): Promise<void> {
  const documents = new FolderDocumentStore(documentsDir);
  for (const f of MASTER_FILES) {
    try {
      await documents.put(`${CURRENT_PREFIX}${f}`, new Uint8Array(await readFile(join(masterDir, f))));
    } catch (err) {
      if ((err as NodeJS.ErrnoException).code !== 'ENOENT') throw err;
    }
  }
}
