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
} as const;

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
  /** The ack handler's Function URL, to which approval links point. */
  get ackBaseUrl(): string {
    return required(ENV.ACK_BASE_URL);
  },
};
