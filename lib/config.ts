/**
 * The deployment's configuration: one typed object from the CDK context key `billMatcher`
 * (`cdk.json`, or `-c billMatcher='{"domain": …}'`), validated at synth. Every problem is
 * reported at once, each with its path and what is expected, so that a wrong value fails the
 * synth and never reaches CloudFormation.
 */
import type { Node } from 'constructs';
import * as z from 'zod';
import { DEFAULT_EXTRACTION_MODEL_ID, DEFAULT_SUMMARY_MODEL_ID } from '../lambdas/config.ts';
import { portalsConfigSchema } from '../lambdas/lanes/portals/config.ts';

/** The context key that holds the configuration. */
export const CONTEXT_KEY = 'billMatcher';

/** CloudWatch Logs retention periods (days) that the service accepts. */
export const LOG_RETENTION_DAYS = [1, 3, 5, 7, 14, 30, 60, 90, 120, 150, 180, 365, 400, 545, 731, 1096, 1827, 2192, 2557, 2922, 3288, 3653] as const;

const hostname = z
  .string()
  .toLowerCase()
  .regex(/^(?=.{1,253}$)([a-z0-9]([a-z0-9-]{0,61}[a-z0-9])?\.)+[a-z]{2,63}$/, 'must be a domain name such as bills.example.com');
const email = z.string().trim().toLowerCase().email('must be an email address');
const days = z.coerce.number().int('must be a whole number of days').min(1, 'must be at least 1 day');

function isTimeZone(tz: string): boolean {
  try {
    new Intl.DateTimeFormat('en', { timeZone: tz });
    return tz.includes('/') || tz === 'UTC';
  } catch {
    return false;
  }
}

export const configSchema = z
  .object({
    /** Name of the main stack; the inbound-mail stack is `<stackName>-InboundMail`. `bm import --stack` takes it. @default BillMatcher */
    stackName: z
      .string()
      .regex(/^[A-Za-z][A-Za-z0-9-]{0,100}$/, 'must start with a letter and hold only letters, digits and hyphens')
      .default('BillMatcher'),
    /** AWS account id; omitted: the account of the credentials `cdk deploy` runs with. */
    account: z
      .string()
      .regex(/^\d{12}$/, 'must be a 12-digit AWS account id')
      .optional(),
    /** AWS region; must be one where SES receives email (see docs/deploy.md). */
    region: z.string().regex(/^[a-z]{2}(-[a-z]+)+-\d$/, 'must be an AWS region such as eu-west-1'),
    /** The domain whose mail SES receives (its MX record points to SES). */
    domain: hostname,
    /** The addresses bills are sent to, in `domain` or a subdomain of it. */
    recipients: z.array(email).min(1, 'must list at least one address'),
    /** The From address of approval requests and supplier emails (a verified SES identity). */
    sender: email,
    /** IANA time zone of the schedules, e.g. Europe/Berlin. */
    timeZone: z.string().refine(isTimeZone, 'must be an IANA time zone such as Europe/Berlin or UTC'),
    /** Hour of day (0–23, in `timeZone`) of the daily sweep. @default 7 */
    sweepHour: z.coerce.number().int().min(0, 'must be an hour from 0 to 23').max(23, 'must be an hour from 0 to 23').default(7),
    /** Refuse mail that does not arrive over TLS. @default true */
    requireTls: z.boolean().default(true),
    /** A Route 53 public hosted zone for the domain: when given, the MX and DKIM records are created. */
    hostedZone: z.object({ id: z.string().regex(/^Z[A-Z0-9]{1,32}$/, 'must be a Route 53 hosted zone id such as Z0123456789ABC'), name: hostname }).optional(),
    retention: z.object({
      /** Documents (uploads, mail as received): expiry after this many days (AP records: often 7–10 years). */
      documentsDays: days,
      /** Raw mail as SES wrote it (intake copies each message into the documents bucket). */
      rawMailDays: days,
      /** Objects move to S3 Glacier Flexible Retrieval after this many days. */
      glacierAfterDays: days,
      /** CloudWatch Logs retention of every function and the state machine. */
      logDays: z.coerce
        .number()
        .refine((d) => (LOG_RETENTION_DAYS as readonly number[]).includes(d), `must be one of ${LOG_RETENTION_DAYS.join(', ')}`),
    }),
    budget: z.object({
      /** Monthly cost budget in USD; an email at 80 % actual and 100 % forecast. */
      monthlyUsd: z.coerce.number().positive('must be a positive amount in USD'),
      email,
    }),
    /** Who receives the CloudWatch alarms (by an SNS email subscription to confirm). */
    alarmEmail: email,
    /** The extraction path for PDF and image bills (Textract + Bedrock). @default enabled with DEFAULT_EXTRACTION_MODEL_ID */
    extraction: z
      .object({
        enabled: z.boolean().default(true),
        /** Bedrock model or inference-profile id. */
        modelId: z.string().min(1).default(DEFAULT_EXTRACTION_MODEL_ID),
        /** Supplier (sender address, @domain or VAT id) → a larger model id for its bills. */
        supplierModels: z.record(z.string(), z.string().min(1)).default({}),
      })
      .default({ enabled: true, modelId: DEFAULT_EXTRACTION_MODEL_ID, supplierModels: {} }),
    /**
     * Finance's monthly summary, emailed on the first Monday of the month at 9:00 in `timeZone`.
     * Omitted: no summary function. (Its month is read in the policy's time zone: keep the two the same.)
     */
    summary: z
      .object({
        /** Who receives it (the stakeholder list). */
        recipients: z.array(email).min(1, 'must list at least one address').max(50, 'must list at most 50 addresses (SES: 50 recipients a message)'),
        /** Bedrock model or inference-profile id that writes the paragraph; null: the fixed template. @default DEFAULT_SUMMARY_MODEL_ID */
        modelId: z.string().min(1).nullable().default(DEFAULT_SUMMARY_MODEL_ID),
      })
      .optional(),
    /** The workspace pages in AWS (lib/workspace.ts, docs/deploy.md). */
    workspace: z
      .object({
        /** The hosted sign-in domain's prefix (`<prefix>.auth.<region>.amazoncognito.com`), unique in the region. @default `<stackname>-<account>` */
        domainPrefix: z
          .string()
          .regex(/^[a-z0-9](?:[a-z0-9-]{0,61}[a-z0-9])?$/, 'must be lower-case letters, digits and hyphens (at most 63)')
          .refine((p) => !/aws|amazon|cognito/.test(p), 'must not contain aws, amazon or cognito (Cognito refuses them)')
          .optional(),
        /**
         * The workspace's address when a custom domain is mapped on its API (`https://ap.example.com`):
         * the pages' links, the sign-in callback and the Host check use it. @default the API's own address
         */
        url: z.url().regex(/^https:\/\/[a-z0-9.-]+$/i, 'must be https://<host> (no path, no trailing slash)').optional(),
      })
      .optional(),
    /**
     * The lanes that bring master data and bills without email (docs/deploy.md): the master-data drop
     * lane (always on), Drive sync and portal poll (each off unless configured).
     */
    lanes: z
      .object({
        /** Who is told of a refused master-data import (every bad row). @default alarmEmail */
        opsEmail: email.optional(),
        /** The orders-and-receipts Google Sheet, synced every 15 minutes. */
        driveSync: z
          .object({
            /** The sheet's Drive file id (from its URL: /spreadsheets/d/<id>/edit). */
            fileId: z.string().regex(/^[A-Za-z0-9_-]{20,200}$/, 'must be a Drive file id (the part after /d/ in the sheet\'s URL)'),
            /** Secrets Manager name of the service-account key (JSON). @default bm/drive/sa */
            secretName: z.string().regex(/^[A-Za-z0-9/_+=.@-]{1,512}$/, 'must be a Secrets Manager secret name').default('bm/drive/sa'),
            /** Minutes between syncs. @default 15 */
            everyMinutes: z.coerce.number().int().min(5, 'must be at least 5 minutes').max(60, 'must be at most 60 minutes').default(15),
          })
          .optional(),
        /** Supplier portals, polled at `hours` (in `timeZone`); credentials in Secrets Manager under bm/portals/<id>. */
        portalPoll: z
          .object({
            /** @default [8, 12, 16] */
            hours: z.array(z.coerce.number().int().min(0, 'must be an hour from 0 to 23').max(23, 'must be an hour from 0 to 23')).min(1).default([8, 12, 16]),
            portals: portalsConfigSchema.refine((l) => l.length > 0, 'must list at least one portal'),
          })
          .optional(),
      })
      .default({}),
  })
  .superRefine((c, ctx) => {
    c.recipients.forEach((r, i) => {
      const d = r.slice(r.indexOf('@') + 1);
      if (d !== c.domain && !d.endsWith(`.${c.domain}`)) {
        ctx.addIssue({ code: 'custom', path: ['recipients', i], message: `must be an address in ${c.domain} (SES receives for that domain only)` });
      }
    });
    if (c.retention.glacierAfterDays >= c.retention.documentsDays) {
      ctx.addIssue({ code: 'custom', path: ['retention', 'glacierAfterDays'], message: 'must be fewer days than retention.documentsDays' });
    }
    if (c.hostedZone && c.domain !== c.hostedZone.name && !c.domain.endsWith(`.${c.hostedZone.name}`)) {
      ctx.addIssue({ code: 'custom', path: ['hostedZone', 'name'], message: `must be ${c.domain} or a parent domain of it` });
    }
  });

export type BillMatcherConfig = z.infer<typeof configSchema>;

export class ConfigError extends Error {
  override readonly name = 'ConfigError';
}

/**
 * The configuration from a raw value (the context entry). Throws `ConfigError` listing every
 * problem as `billMatcher.<path>: <what is expected>`.
 */
export function parseConfig(raw: unknown): BillMatcherConfig {
  let value = raw;
  if (typeof raw === 'string') {
    try {
      value = JSON.parse(raw);
    } catch {
      throw new ConfigError(`context ${CONTEXT_KEY} is not valid JSON`);
    }
  }
  if (value === undefined || value === null) {
    throw new ConfigError(`context ${CONTEXT_KEY} is missing: set it in cdk.json ("context": { "${CONTEXT_KEY}": { … } }), see docs/deploy.md`);
  }
  const r = configSchema.safeParse(value);
  if (r.success) return r.data;
  const lines = r.error.issues.map((i) => `  ${[CONTEXT_KEY, ...i.path].map(String).join('.').replace(/\.(\d+)(?=\.|$)/g, '[$1]')}: ${i.code === 'invalid_type' && i.input === undefined ? 'is required' : i.message}`);
  throw new ConfigError(`invalid configuration (cdk.json context "${CONTEXT_KEY}"):\n${lines.join('\n')}`);
}

/** The configuration from the app's context. */
export function loadConfig(node: Node): BillMatcherConfig {
  return parseConfig(node.tryGetContext(CONTEXT_KEY));
}

/** True for the documentation's example domains (example.com and friends, RFC 2606). */
export function isExampleDomain(domain: string): boolean {
  return /(^|\.)example\.(com|org|net)$/.test(domain);
}
