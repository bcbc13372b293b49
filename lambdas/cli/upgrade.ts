/**
 * `bm upgrade --stack NAME`: what a deployed table needs after `cdk deploy` of a newer version,
 * once. Today: the worklist's keys (index `gsi3`) for bills and master data written before it
 * existed, so the workspace and `bm list` find them. The local stack does the same itself when
 * `bm start` opens an older table. Safe to run again: what has its keys is left alone.
 */
import { CliUsageError, parseCli } from './args.ts';
import type { CloudClients } from './cloud.ts';
import type { CliIo } from './local.ts';

const OPTIONS = { stack: { type: 'string' }, region: { type: 'string' } } as const;

export async function upgradeCommand(args: string[], io: CliIo, deps: { readonly clients?: CloudClients } = {}): Promise<number> {
  const { values, positionals } = parseCli(args, OPTIONS);
  const problems: string[] = [];
  if (positionals.length > 0) problems.push(`upgrade takes no argument (got ${positionals[0]})`);
  if (values.stack === undefined) problems.push('upgrade needs --stack NAME (a deployed stack; the local stack upgrades its table when bm start opens it)');
  if (problems.length > 0) throw new CliUsageError(problems.join('\n'));
  const { awsClients, stackTableStore } = await import('./cloud.ts');
  const clients = deps.clients ?? awsClients(values.region as string | undefined);
  try {
    const found = await stackTableStore(values.stack as string, io, clients);
    if (!found) return 1;
    io.stdout(`${found.tableName}: giving bills and master data written before the worklist their keys (one pass over the table)…\n`);
    const r = await found.store.backfillWorklist();
    const n = (k: number, one: string, many: string) => `${k.toLocaleString('en')} ${k === 1 ? one : many}`;
    io.stdout(`${n(r.bills, 'bill', 'bills')} and ${n(r.master, 'master record', 'master records')} given their keys; everything else had them. Nothing else to do.\n`);
    return 0;
  } finally {
    if (!deps.clients) clients.dynamodb.destroy();
  }
}
