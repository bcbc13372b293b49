/**
 * The portals' configuration (no secrets: those are in Secrets Manager under `bm/portals/<id>`):
 * the schemas only, so that the CDK app validates the configuration at synth without loading the
 * adapters. docs/deploy.md, "Adding a portal".
 */
import * as z from 'zod';

export const httpsPortalSchema = z.object({
  id: z.string().regex(/^[a-z0-9][a-z0-9-]{0,62}$/, 'lower-case letters, digits and hyphens'),
  kind: z.literal('https'),
  base_url: z
    .string()
    .url()
    .refine((u) => u.startsWith('https://'), 'must be an https:// URL'),
  list: z.object({
    path: z.string().startsWith('/'),
    format: z.enum(['json', 'html']),
    since_param: z.string().min(1).default('since'),
    items: z.string().default('bills'),
    fields: z
      .object({ id: z.string().default('id'), url: z.string().default('url'), name: z.string().default('name'), date: z.string().default('date') })
      .default({ id: 'id', url: 'url', name: 'name', date: 'date' }),
    link_pattern: z.string().default('\\.pdf$'),
  }),
  auth: z.discriminatedUnion('kind', [
    z.object({ kind: z.literal('bearer') }),
    z.object({
      kind: z.literal('cookie'),
      sign_in_path: z.string().startsWith('/'),
      username_field: z.string().default('username'),
      password_field: z.string().default('password'),
      encoding: z.enum(['form', 'json']).default('form'),
    }),
  ]),
});
export type HttpsPortalConfig = z.infer<typeof httpsPortalSchema>;

export const httpsSecretSchema = z.object({
  username: z.string().optional(),
  password: z.string().optional(),
  token: z.string().optional(),
  /** PEM of the portal's CA, when it is not publicly trusted. */
  ca: z.string().optional(),
});

export const sftpPortalSchema = z.object({
  id: z.string().regex(/^[a-z0-9][a-z0-9-]{0,62}$/, 'lower-case letters, digits and hyphens'),
  kind: z.literal('sftp'),
  host: z.string().min(1),
  port: z.coerce.number().int().min(1).max(65535).default(22),
  path: z.string().startsWith('/'),
  host_key_sha256: z.string().regex(/^SHA256:[A-Za-z0-9+/]{43}=?$/, 'must be SHA256:… as ssh-keygen -lf prints it'),
  pattern: z.string().default('\\.pdf$'),
});
export type SftpPortalConfig = z.infer<typeof sftpPortalSchema>;

export const sftpSecretSchema = z
  .object({ username: z.string().min(1), password: z.string().optional(), private_key: z.string().optional(), passphrase: z.string().optional() })
  .refine((s) => s.password || s.private_key, 'needs password or private_key');

export const portalConfigSchema = z.discriminatedUnion('kind', [httpsPortalSchema, sftpPortalSchema]);
export type PortalConfig = z.infer<typeof portalConfigSchema>;

export const portalsConfigSchema = z.array(portalConfigSchema).superRefine((list, ctx) => {
  const ids = new Set<string>();
  list.forEach((p, i) => {
    if (ids.has(p.id)) ctx.addIssue({ code: 'custom', path: [i, 'id'], message: `portal id ${p.id} appears twice` });
    ids.add(p.id);
  });
});

/** The Secrets Manager name of a portal's credentials. */
export const portalSecretName = (id: string) => `bm/portals/${id}`;
