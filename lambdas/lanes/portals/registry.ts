/**
 * The configured portals: each entry's `kind` picks its adapter here. A third kind is one more
 * schema and one more factory in this file (docs/deploy.md, "Adding a portal").
 */
import * as z from 'zod';
import type { PortalAdapter } from './adapter.ts';
import { createHttpsPortal, httpsPortalSchema } from './https.ts';
import { createSftpPortal, sftpPortalSchema } from './sftp.ts';

export const portalConfigSchema = z.discriminatedUnion('kind', [httpsPortalSchema, sftpPortalSchema]);
export type PortalConfig = z.infer<typeof portalConfigSchema>;

export const portalsConfigSchema = z.array(portalConfigSchema).superRefine((list, ctx) => {
  const ids = new Set<string>();
  list.forEach((p, i) => {
    if (ids.has(p.id)) ctx.addIssue({ code: 'custom', path: [i, 'id'], message: `portal id ${p.id} appears twice` });
    ids.add(p.id);
  });
});

type Factory = (config: never, secret: unknown, options: { timeoutMs?: number }) => PortalAdapter;

export const PORTAL_ADAPTERS: Record<PortalConfig['kind'], Factory> = {
  https: createHttpsPortal as Factory,
  sftp: createSftpPortal as Factory,
};

/** The Secrets Manager name of a portal's credentials. */
export const portalSecretName = (id: string) => `bm/portals/${id}`;

/** A portal ready to poll: its adapter is made (credentials read) only when it is its turn. */
export interface ConfiguredPortal {
  readonly id: string;
  open(): Promise<PortalAdapter>;
}

/** The configured portals, each reading its secret through `secret(name)` when opened. */
export function configuredPortals(configs: readonly PortalConfig[], secret: (name: string) => Promise<unknown>, options: { timeoutMs?: number } = {}): ConfiguredPortal[] {
  return configs.map((c) => ({
    id: c.id,
    async open() {
      const value = await secret(portalSecretName(c.id));
      return PORTAL_ADAPTERS[c.kind](c as never, value, options);
    },
  }));
}
