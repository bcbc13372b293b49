/**
 * DynamoDB Local under supervision (`bm start`): a health check every second; when the engine
 * exits or stops answering (three checks in a row), the stack is told (`onDown`: intake pauses),
 * the engine is killed if need be and started again on the same port and folder, the table
 * ensured, and the stack told again (`onUp`). One engine per data folder: a lock file in the
 * folder names the owning process; a second start on the same folder is refused while that
 * process lives, and a Java left behind by a dead owner is stopped first.
 */
import { readFile, rm, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { DynamoDBClient, ListTablesCommand } from '@aws-sdk/client-dynamodb';
import type { DynamoBillStore } from '../aws/dynamo-store.ts';
import { freePort, LOCAL_CREDENTIALS, LOCAL_REGION, startDynamoDbLocal, type DynamoDbLocal } from './dynamodb-local.ts';
import { openLocalStore } from './local-stack.ts';

export interface SupervisedDatabase {
  readonly store: DynamoBillStore;
  readonly endpoint: string;
  readonly tableName: string;
  /** 'up', or why it is not. */
  readonly state: 'up' | 'restarting' | 'stopped';
  readonly restarts: number;
  stop(): Promise<void>;
}

export interface SupervisorOptions {
  /** Keep the data here (persistent); in memory otherwise (a restart then starts empty). */
  readonly dbPath?: string;
  readonly onDown: (reason: string) => void;
  readonly onUp: (restarts: number) => void;
  readonly onProblem?: (message: string) => void;
  /** What the engine's launcher could not turn on (`DynamoDbLocal.notes`), told once at start. */
  readonly onNotice?: (message: string) => void;
  /** @default 1000 */
  readonly healthIntervalMs?: number;
  /** Failed checks in a row that count as dead (a paused or hung engine). @default 3 */
  readonly failuresBeforeRestart?: number;
}

export class DatabaseLocked extends Error {
  override readonly name = 'DatabaseLocked';
}

const LOCK = 'bm-dynamodb.lock';

function alive(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch (err) {
    return (err as NodeJS.ErrnoException).code === 'EPERM';
  }
}

/** Takes the folder's lock; stops a Java its dead owner left behind. */
async function lock(dbPath: string): Promise<void> {
  const path = join(dbPath, LOCK);
  let held: { pid?: number; java?: number } | null = null;
  try {
    held = JSON.parse(await readFile(path, 'utf8')) as { pid?: number; java?: number };
  } catch {
    held = null;
  }
  if (held?.pid && held.pid !== process.pid && alive(held.pid)) {
    throw new DatabaseLocked(`the database folder ${dbPath} is in use by process ${held.pid}: one DynamoDB Local per folder`);
  }
  if (held?.java && alive(held.java)) {
    const cmd = await readFile(`/proc/${held.java}/cmdline`, 'utf8').catch(() => '');
    if (cmd.includes('DynamoDBLocal') && cmd.includes(dbPath)) {
      process.kill(held.java, 'SIGKILL');
      for (let i = 0; i < 50 && alive(held.java); i++) await new Promise((r) => setTimeout(r, 100));
    }
  }
  await writeFile(path, JSON.stringify({ pid: process.pid }) + '\n', { mode: 0o600 });
}

async function writeLock(dbPath: string, java: number | null): Promise<void> {
  await writeFile(join(dbPath, LOCK), JSON.stringify({ pid: process.pid, java }) + '\n', { mode: 0o600 });
}

export async function startSupervisedDatabase(options: SupervisorOptions): Promise<SupervisedDatabase> {
  if (options.dbPath) await lock(options.dbPath);
  const port = await freePort();
  const tableName = 'bills';
  let engine: DynamoDbLocal = await startDynamoDbLocal({ port, ...(options.dbPath ? { dbPath: options.dbPath } : {}) });
  for (const note of engine.notes()) options.onNotice?.(note);
  if (options.dbPath) await writeLock(options.dbPath, engine.javaPid);
  const { store, client } = await openLocalStore(engine.endpoint, tableName);
  const probe = new DynamoDBClient({ endpoint: engine.endpoint, region: LOCAL_REGION, credentials: LOCAL_CREDENTIALS, maxAttempts: 1, requestHandler: { requestTimeout: 2000, connectionTimeout: 1000 } });
  let state: SupervisedDatabase['state'] = 'up';
  let restarts = 0;
  let failures = 0;
  let stopping = false;
  let restarting: Promise<void> | null = null;

  const watchExit = (e: DynamoDbLocal) =>
    void e.exited.then((code) => {
      if (!stopping && e === engine && state === 'up') void restart(`DynamoDB Local exited (code ${code})`);
    });
  watchExit(engine);

  function restart(reason: string): Promise<void> {
    restarting ??= (async () => {
      state = 'restarting';
      options.onDown(reason);
      await engine.stop().catch(() => undefined);
      for (let attempt = 1; !stopping; attempt++) {
        try {
          engine = await startDynamoDbLocal({ port, ...(options.dbPath ? { dbPath: options.dbPath } : {}) });
          if (options.dbPath) await writeLock(options.dbPath, engine.javaPid);
          await openLocalStore(engine.endpoint, tableName).then((o) => o.client.destroy());
          break;
        } catch (err) {
          options.onProblem?.(`DynamoDB Local did not start again (attempt ${attempt}): ${(err as Error).message}`);
          await new Promise((r) => setTimeout(r, Math.min(10_000, 500 * attempt)));
        }
      }
      if (stopping) return;
      restarts++;
      failures = 0;
      state = 'up';
      watchExit(engine);
      options.onUp(restarts);
    })().finally(() => (restarting = null));
    return restarting;
  }

  const timer = setInterval(() => {
    if (stopping || state !== 'up') return;
    probe.send(new ListTablesCommand({ Limit: 1 })).then(
      () => (failures = 0),
      () => {
        if (++failures >= (options.failuresBeforeRestart ?? 3) && state === 'up' && !stopping) void restart(`DynamoDB Local stopped answering (${failures} health checks failed)`);
      },
    );
  }, options.healthIntervalMs ?? 1000);
  timer.unref();

  return {
    store,
    endpoint: engine.endpoint,
    tableName,
    get state() {
      return state;
    },
    get restarts() {
      return restarts;
    },
    async stop() {
      stopping = true;
      state = 'stopped';
      clearInterval(timer);
      await restarting?.catch(() => undefined);
      probe.destroy();
      client.destroy();
      await engine.stop();
      if (options.dbPath) await rm(join(options.dbPath, LOCK), { force: true });
    },
  };
}
