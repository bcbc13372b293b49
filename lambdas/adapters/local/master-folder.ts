/** Reads a master-data folder from disk (spec/formats.md) and parses it, all or nothing. */
import { readFile } from 'node:fs/promises';
import { join } from 'node:path';
import { MasterDataError, parseMasterData, type MasterData, type MasterFiles } from '../../core/master.ts';

const FILES = ['vendors.csv', 'purchase_orders.csv', 'goods_receipts.csv', 'policy.json'] as const;

export async function loadMasterFolder(dir: string): Promise<MasterData> {
  const files: Record<string, string> = {};
  for (const f of FILES) {
    try {
      files[f] = await readFile(join(dir, f), 'utf8');
    } catch (err) {
      if ((err as NodeJS.ErrnoException).code !== 'ENOENT') throw err;
    }
  }
  try {
    return parseMasterData(files as MasterFiles);
  } catch (err) {
    if (err instanceof MasterDataError) {
      throw new MasterDataError(err.problems.map((p) => ({ ...p, file: join(dir, p.file) })));
    }
    throw err;
  }
}
