/**
 * The one place that reads the environment. Getters fail fast with the variable's name; the
 * CDK stack sets the same names through `lib/bill-function.ts`.
 */
export const ENV = {
  TABLE_NAME: 'BM_TABLE_NAME',
  DOCUMENT_BUCKET: 'BM_DOCUMENT_BUCKET',
  STATE_MACHINE_ARN: 'BM_STATE_MACHINE_ARN',
  QUEUE_URL: 'BM_QUEUE_URL',
  SENDER: 'BM_SENDER',
  CONFIGURATION_SET: 'BM_SES_CONFIGURATION_SET',
  SIGNING_SECRET_ARN: 'BM_SIGNING_SECRET_ARN',
  ACK_BASE_URL: 'BM_ACK_BASE_URL',
  /** Optional: the AP team's inbox, where review links go when a bill's sender is not believed (default: the policy's admin_approver). */
  AP_INBOX: 'BM_AP_INBOX',
  /** Bedrock model (or inference profile) id that reads PDF and image bills; set = the extraction path is on. */
  EXTRACTION_MODEL_ID: 'BM_EXTRACTION_MODEL_ID',
  /** Optional JSON object: supplier (sender address, @domain or VAT id) → a larger model id for its bills. */
  EXTRACTION_SUPPLIER_MODELS: 'BM_EXTRACTION_SUPPLIER_MODELS',
  /** Where the lanes report refused master-data imports (lambdas/lanes). */
  OPS_EMAIL: 'BM_OPS_EMAIL',
  /** Drive sync: the sheet's Drive file id and the service-account key's secret (ARN or name). */
  DRIVE_FILE_ID: 'BM_DRIVE_FILE_ID',
  DRIVE_SECRET: 'BM_DRIVE_SECRET',
  /** Portal poll: the configured portals, JSON (lambdas/lanes/portals/registry.ts). */
  PORTALS: 'BM_PORTALS',
  /** Comma-separated addresses of the monthly summary (finance's stakeholder list). */
  SUMMARY_RECIPIENTS: 'BM_SUMMARY_RECIPIENTS',
  /** Bedrock model (or inference profile) id that writes the summary's paragraph; unset: the template. */
  SUMMARY_MODEL_ID: 'BM_SUMMARY_MODEL_ID',
  /** The workspace (lambdas/workspace): its public address, the Cognito pool, app client and hosted UI, the cookie key's secret. */
  WORKSPACE_URL: 'BM_WORKSPACE_URL',
  USER_POOL_ID: 'BM_USER_POOL_ID',
  USER_POOL_CLIENT_ID: 'BM_USER_POOL_CLIENT_ID',
  AUTH_DOMAIN: 'BM_AUTH_DOMAIN',
  WORKSPACE_SECRET_ARN: 'BM_WORKSPACE_SECRET_ARN',
} as const;

/**
 * The model the CDK stack sets for BM_EXTRACTION_MODEL_ID unless told otherwise: Claude Haiku 4.5
 * through the EU cross-region inference profile (bills are personal data; `us.` and `global.`
 * profiles exist too). Kept here so that the stack and the docs name one value.
 */
export const DEFAULT_EXTRACTION_MODEL_ID = 'eu.anthropic.claude-haiku-4-5-20251001-v1:0';

/** The model that writes the monthly summary's paragraph unless told otherwise: the same Claude Haiku 4.5 profile. */
export const DEFAULT_SUMMARY_MODEL_ID = DEFAULT_EXTRACTION_MODEL_ID;

export class ConfigError extends Error {
  override readonly name = 'ConfigError';
}

export function required(name: string): string {
  const v = process.env[name];
  if (v === undefined || v.trim() === '') throw new ConfigError(`environment variable ${name} is required`);
  return v;
}

export const config = {
  get tableName(): string {
    return required(ENV.TABLE_NAME);
  },
  get documentBucket(): string {
    return required(ENV.DOCUMENT_BUCKET);
  },
  get stateMachineArn(): string {
    return required(ENV.STATE_MACHINE_ARN);
  },
  get queueUrl(): string {
    return required(ENV.QUEUE_URL);
  },
  /** The From address of approval requests and supplier emails (a verified SES identity). */
  get sender(): string {
    return required(ENV.SENDER);
  },
  /** Optional: SES configuration set for sending events. */
  get configurationSet(): string | undefined {
    return process.env[ENV.CONFIGURATION_SET] || undefined;
  },
  get signingSecretArn(): string {
    return required(ENV.SIGNING_SECRET_ARN);
  },
  get apInbox(): string | null {
    return process.env[ENV.AP_INBOX]?.trim() || null;
  },
  /** The ack handler's Function URL, to which approval links point. */
  get ackBaseUrl(): string {
    return required(ENV.ACK_BASE_URL);
  },
  /** True when the extraction path (Textract + Bedrock) is configured for this function. */
  get extractionEnabled(): boolean {
    return (process.env[ENV.EXTRACTION_MODEL_ID] ?? '').trim() !== '';
  },
  get extractionModelId(): string {
    return required(ENV.EXTRACTION_MODEL_ID);
  },
  get opsEmail(): string {
    return required(ENV.OPS_EMAIL);
  },
  get driveFileId(): string {
    return required(ENV.DRIVE_FILE_ID);
  },
  get driveSecret(): string {
    return required(ENV.DRIVE_SECRET);
  },
  /** The portals' configuration as JSON text (validated by the portal poll). */
  get portalsJson(): string {
    return required(ENV.PORTALS);
  },
  /** Per-supplier model overrides; `{}` when the variable is not set, a ConfigError when it is not a JSON object of strings. */
  get extractionSupplierModels(): Readonly<Record<string, string>> {
    const raw = process.env[ENV.EXTRACTION_SUPPLIER_MODELS];
    if (raw === undefined || raw.trim() === '') return {};
    let parsed: unknown;
    try {
      parsed = JSON.parse(raw);
    } catch {
      throw new ConfigError(`environment variable ${ENV.EXTRACTION_SUPPLIER_MODELS} is not JSON`);
    }
    if (!parsed || typeof parsed !== 'object' || Array.isArray(parsed) || Object.values(parsed).some((v) => typeof v !== 'string' || v.trim() === '')) {
      throw new ConfigError(`environment variable ${ENV.EXTRACTION_SUPPLIER_MODELS} must be a JSON object of model ids`);
    }
    return parsed as Record<string, string>;
  },
  /** The monthly summary's recipients (at least one). */
  get summaryRecipients(): string[] {
    const list = required(ENV.SUMMARY_RECIPIENTS)
      .split(',')
      .map((a) => a.trim())
      .filter(Boolean);
    if (list.length === 0 || list.some((a) => !/^[^@\s]+@[^@\s]+$/.test(a))) throw new ConfigError(`environment variable ${ENV.SUMMARY_RECIPIENTS} must be a comma-separated list of addresses`);
    return list;
  },
  /** The summary's model, or null: the paragraph is the template. */
  get summaryModelId(): string | null {
    return process.env[ENV.SUMMARY_MODEL_ID]?.trim() || null;
  },
};
