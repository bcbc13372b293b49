/**
 * `bm sync`: the lanes once, against the running local stack (`bm start`): Drive sync of the sheet
 * named in `<home>/lanes.json` into the drop lane, then every configured portal, whose new bills
 * land in the stack's drop folder. The endpoints are whatever the file names: Google's, or a
 * local fake of its APIs (`drive.rootUrl`); a portal's HTTPS or SFTP server.
 * Exit 0 when every lane ran; 1 when Google failed, the sheet was refused or a portal failed.
 */
import { readFile, stat } from 'node:fs/promises';
import { join, resolve } from 'node:path';
import { localClient } from '../adapters/local/local-stack.ts';
import { OutboxMailer } from '../adapters/local/outbox.ts';
import { readStackFile } from '../adapters/local/stack.ts';
import { syncSheet } from '../lanes/drive-sync.ts';
import { DynamoLaneState } from '../lanes/dynamo-state.ts';
import { GoogleSheetSource, parseServiceAccountKey } from '../lanes/google.ts';
import { DropFolderUploads, LANES_FILE, localMasterDeps, readLocalLanes } from '../lanes/local.ts';
import { pollPortals } from '../lanes/portals/poll.ts';
import { configuredPortals } from '../lanes/portals/registry.ts';
import { askStack, CliUsageError, DEFAULT_HOME, parseCli, type CliIo } from './local.ts';

export async function syncCommand(args: string[], io: CliIo): Promise<number> {
  const { values, positionals } = parseCli(args, { home: { type: 'string' }, config: { type: 'string' }, only: { type: 'string' } });
  if (positionals.length > 0) throw new CliUsageError(`sync takes no FILE (got ${positionals[0]})`);
  const only = values.only as string | undefined;
  if (only !== undefined && only !== 'drive' && only !== 'portals') throw new CliUsageError(`--only "${only}" must be drive or portals`);
  const home = resolve((values.home as string | undefined) ?? DEFAULT_HOME);
  const configPath = resolve((values.config as string | undefined) ?? join(home, LANES_FILE));
  const lanes = await readLocalLanes(configPath);
  if (!lanes) {
    io.stderr(`bm: no lanes configured: ${configPath} does not exist (docs/deploy.md, "Running the lanes locally")\n`);
    return 1;
  }
  // It holds credentials: say so when others on the machine can read it.
  if (process.platform !== 'win32' && ((await stat(configPath)).mode & 0o077) !== 0) {
    io.stderr(`bm: warning: ${configPath} holds credentials and is readable by others: chmod 600 ${configPath}\n`);
  }
  const stack = await readStackFile(home);
  if (!stack) {
    io.stderr(`bm: no local stack is running in ${home}: start one with \`bm start\` (in another terminal)\n`);
    return 1;
  }
  let failed = 0;
  const master = localMasterDeps({
    endpoint: stack.dynamodb.endpoint,
    tableName: stack.dynamodb.table,
    documentsDir: join(home, 'documents'),
    mailer: new OutboxMailer(stack.outbox),
    ...(lanes.opsEmail ? { opsEmail: lanes.opsEmail } : {}),
    // The running stack re-matches (it holds the waiting executions and the outbox), as after bm import.
    rematch: (reason) => askStack(stack, '/api/rematch', { reason }),
  });
  try {
    if (lanes.drive && only !== 'portals') {
      const keyPath = resolve(lanes.dir, lanes.drive.keyFile);
      try {
        const key = parseServiceAccountKey(await readFile(keyPath, 'utf8'), keyPath);
        const source = new GoogleSheetSource({ key, ...(lanes.drive.rootUrl ? { rootUrl: lanes.drive.rootUrl } : {}) });
        const r = await syncSheet(lanes.drive.fileId, source, master.deps);
        if (r.status === 'unchanged') io.stdout(`drive    sheet version ${r.version}: unchanged, nothing imported\n`);
        else if (r.drop.status === 'imported') io.stdout(`drive    sheet version ${r.version}: imported (${r.drop.changes.length} record${r.drop.changes.length === 1 ? '' : 's'} created or changed)\n`);
        else if (r.drop.status === 'refused') {
          failed++;
          io.stderr(`drive    sheet version ${r.version}: refused, nothing imported:\n${r.drop.problems.map((p) => `  ${p}\n`).join('')}`);
        } else io.stdout(`drive    sheet version ${r.version}: the same content was imported before\n`);
      } catch (err) {
        failed++;
        io.stderr(`drive    failed, nothing imported: ${(err as Error).message}\n`);
      }
    }
    if (lanes.portals.length > 0 && only !== 'drive') {
      const client = localClient(stack.dynamodb.endpoint);
      try {
        const results = await pollPortals(
          configuredPortals(lanes.portals, async (name) => lanes.secrets[name]),
          { state: new DynamoLaneState({ tableName: stack.dynamodb.table, client }), uploads: new DropFolderUploads(stack.drop), now: Date.now },
        );
        for (const r of results) {
          if (r.status === 'failed') {
            failed++;
            io.stderr(`portal   ${r.portal}: failed: ${r.error}${r.landed.length ? ` (after landing ${r.landed.join(', ')})` : ''}\n`);
          } else {
            io.stdout(`portal   ${r.portal}: ${r.landed.length ? `landed ${r.landed.join(', ')} in the drop folder` : 'nothing new'}${r.duplicates ? ` (${r.duplicates} already landed)` : ''}\n`);
          }
        }
      } finally {
        client.destroy();
      }
    }
  } finally {
    master.close();
  }
  return failed > 0 ? 1 : 0;
}
