/**
 * DynamoDB Local's file under `-dbPath` (`bm start`'s home/db): the launcher puts it in SQLite's
 * write-ahead-log mode, a new file with 4 KB pages; a file of an older version keeps its pages and
 * its items; a committed write survives `kill -9` of the engine; one SQLite library is loaded,
 * from DynamoDB Local's own folder; a file that is not a database is refused by name, untouched;
 * SQLite's statement journals are kept in memory, never in a temporary file; and the launcher has
 * nothing it could not turn on to report (`notes()`).
 */
import { existsSync, readFileSync, statSync, writeFileSync } from 'node:fs';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { DatabaseSync } from 'node:sqlite';
import { DynamoDBDocumentClient, GetCommand, PutCommand, TransactWriteCommand } from '@aws-sdk/lib-dynamodb';
import { afterAll, describe, expect, it } from 'vitest';
import { databaseFileName, startDynamoDbLocal, type DynamoDbLocal } from '../../lambdas/adapters/local/dynamodb-local.ts';
import { openLocalStore } from '../../lambdas/adapters/local/local-stack.ts';

/** The page size and journal mode an SQLite file's header records (bytes 16–19). */
function header(file: string): { pageSize: number; writeAheadLog: boolean } {
  const h = readFileSync(file).subarray(0, 100);
  const size = h.readUInt16BE(16);
  return { pageSize: size === 1 ? 65536 : size, writeAheadLog: h[18] === 2 && h[19] === 2 };
}

async function withTable<T>(db: DynamoDbLocal, f: (doc: DynamoDBDocumentClient) => Promise<T>): Promise<T> {
  const { client } = await openLocalStore(db.endpoint, 'bills');
  try {
    return await f(DynamoDBDocumentClient.from(client));
  } finally {
    client.destroy();
  }
}

const put = (doc: DynamoDBDocumentClient, pk: string) => doc.send(new PutCommand({ TableName: 'bills', Item: { pk, sk: 'X', data: `kept ${pk}` } }));
const read = async (doc: DynamoDBDocumentClient, pk: string) => (await doc.send(new GetCommand({ TableName: 'bills', Key: { pk, sk: 'X' }, ConsistentRead: true }))).Item?.data;

/** Ends the engine as a power cut would: SIGKILL, nothing flushed or closed. */
async function killHard(db: DynamoDbLocal): Promise<void> {
  process.kill(db.javaPid!, 'SIGKILL');
  await db.exited;
}

describe("DynamoDB Local's database file", () => {
  const dirs: string[] = [];
  afterAll(async () => {
    for (const d of dirs) await rm(d, { recursive: true, force: true });
  });

  it('is a new file in write-ahead-log mode with 4 KB pages, and a committed write survives kill -9', async () => {
    const dir = await mkdtemp(join(tmpdir(), 'bm-dbfile-'));
    dirs.push(dir);
    const file = join(dir, databaseFileName());
    // Where SQLite would create its temporary files (statement journals among them).
    const temporary = await mkdtemp(join(tmpdir(), 'bm-dbtemp-'));
    dirs.push(temporary);
    const before = statSync(temporary, { bigint: true }).mtimeNs;
    const first = await startDynamoDbLocal({ dbPath: dir, env: { ...process.env, SQLITE_TMPDIR: temporary } });
    try {
      await withTable(first, async (doc) => {
        await put(doc, 'A');
        // Writes inside DynamoDB Local's transactions, each of which SQLite journals per statement.
        await doc.send(new TransactWriteCommand({ TransactItems: ['T1', 'T2', 'T3'].map((pk) => ({ Put: { TableName: 'bills', Item: { pk, sk: 'X', data: 'x'.repeat(6000) } } })) }));
        await put(doc, 'A');
      });
      // The launcher turned everything on with this DynamoDB Local (the log, schemas parsed once,
      // statement journals in memory): nothing to tell, and no temporary file was ever created.
      expect(first.notes()).toEqual([]);
      expect(statSync(temporary, { bigint: true }).mtimeNs).toBe(before);
      expect(header(file)).toEqual({ pageSize: 4096, writeAheadLog: true });
      expect(existsSync(`${file}-wal`)).toBe(true);
      // One SQLite library, loaded where DynamoDB Local keeps it: no copy in the temporary folder,
      // which a killed engine would leave behind.
      if (process.platform === 'linux') {
        const sqlite = readFileSync(`/proc/${first.javaPid}/maps`, 'utf8').split('\n').filter((l) => /sqlite4java/.test(l)).map((l) => l.slice(l.indexOf('/')));
        expect(new Set(sqlite).size).toBe(1);
        expect(sqlite[0]).toMatch(/DynamoDBLocal_lib\/libsqlite4java-linux-\w+\.so$/);
      }
    } finally {
      await killHard(first);
    }
    const second = await startDynamoDbLocal({ dbPath: dir });
    try {
      expect(await withTable(second, (doc) => read(doc, 'A'))).toBe('kept A');
    } finally {
      await second.stop();
    }
  }, 120_000);

  it('that is not an SQLite database is refused in one line naming it, and left as it was', async () => {
    const dir = await mkdtemp(join(tmpdir(), 'bm-dbfile-'));
    dirs.push(dir);
    const file = join(dir, databaseFileName());
    const bytes = 'not a database, whatever the name says\n'.repeat(200);
    writeFileSync(file, bytes);
    const started = startDynamoDbLocal({ dbPath: dir });
    await expect(started).rejects.toThrow(`bm: the local database file ${file} cannot be opened`);
    await expect(started).rejects.toThrow(/not a database/);
    await expect(started).rejects.not.toThrow(/\tat com\.almworks|INFO: \[sqlite\]/);
    expect(readFileSync(file, 'utf8')).toBe(bytes);
  }, 120_000);

  it('of an older version (rollback journal, 1 KB pages) keeps its pages and its rows, and is put in write-ahead-log mode', async () => {
    const dir = await mkdtemp(join(tmpdir(), 'bm-dbfile-'));
    dirs.push(dir);
    const file = join(dir, databaseFileName());
    // As DynamoDB Local left its files before the launcher set the mode: SQLite's rollback
    // journal and the 1 KB pages of the SQLite it bundles; with a row of its own to keep.
    const old = new DatabaseSync(file);
    old.exec('PRAGMA page_size=1024');
    old.exec('PRAGMA journal_mode=DELETE');
    old.exec("CREATE TABLE kept (v TEXT); INSERT INTO kept VALUES ('from before')");
    old.close();
    expect(header(file)).toEqual({ pageSize: 1024, writeAheadLog: false });

    const db = await startDynamoDbLocal({ dbPath: dir });
    try {
      await withTable(db, async (doc) => {
        await put(doc, 'C');
        expect(await read(doc, 'C')).toBe('kept C');
      });
      expect(header(file)).toEqual({ pageSize: 1024, writeAheadLog: true });
    } finally {
      await db.stop();
    }
    const after = new DatabaseSync(file, { readOnly: true });
    try {
      expect(after.prepare('SELECT v FROM kept').all()).toEqual([{ v: 'from before' }]);
    } finally {
      after.close();
    }
  }, 120_000);
});
