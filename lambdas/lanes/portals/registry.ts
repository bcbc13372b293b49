/**
 * The configured portals: each entry's `kind` picks its adapter here. A third kind is one more
 * schema in ./config.ts and one more factory in `PORTAL_ADAPTERS` (docs/deploy.md, "Adding a portal").
 */
import type { PortalAdapter } from './adapter.ts';
import { portalSecretName, type PortalConfig } from './config.ts';
import { createHttpsPortal } from './https.ts';
import { createSftpPortal } from './sftp.ts';

export { portalConfigSchema, portalsConfigSchema, portalSecretName, type PortalConfig } from './config.ts';

type Factory = (config: never, secret: unknown, options: { timeoutMs?: number }) => PortalAdapter;

export const PORTAL_ADAPTERS: Record<PortalConfig['kind'], Factory> = {
  https: createHttpsPortal as Factory,
  sftp: createSftpPortal as Factory,
};

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
