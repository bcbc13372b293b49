/**
 * AWS list prices the cost model (`bm cost`, docs/cost.md) uses: one table, each price with the
 * date it was read and where. US East (N. Virginia) on-demand list prices in USD, without free
 * tiers, savings plans or volume tiers beyond the first (a bill matcher stays in the first tier).
 * Other Regions differ by a few percent for some services (e.g. DynamoDB); Step Functions is the
 * same in Europe (Ireland). Exact decimals, as every amount in the product.
 *
 * To price another Region or a newer list, change this table (and its dates) — nothing else
 * holds a price.
 */
export interface ListPrice {
  /** USD per `per` units of `unit`, as an exact decimal string. */
  readonly usd: string;
  readonly per: number;
  readonly unit: string;
  /** When the price was read (YYYY-MM-DD). */
  readonly read: string;
  /** Where: the page it was read from (a secondary source says so). */
  readonly source: string;
}

export type PriceKey =
  | 'lambdaArmGbSecond'
  | 'lambdaRequest'
  | 'stepFunctionsTransition'
  | 'dynamoWriteUnit'
  | 'dynamoReadUnit'
  | 'sesInboundEmail'
  | 'sesInboundChunk'
  | 'sesOutboundEmail'
  | 's3Put'
  | 's3Get'
  | 'sqsRequest'
  | 'logsIngestedGb'
  | 'xrayTraceRecorded'
  | 'textractExpensePage'
  | 'bedrockInputToken'
  | 'bedrockOutputToken';

export type PriceTable = Readonly<Record<PriceKey, ListPrice>>;

const READ = '2026-11-29';

export const AWS_PRICES: PriceTable = {
  lambdaArmGbSecond: {
    usd: '0.0000133334',
    per: 1,
    unit: 'GB-second, Arm (first 7.5 billion GB-s a month)',
    read: READ,
    source: 'https://cloudchipr.com/blog/aws-lambda-pricing (US East list prices, from https://aws.amazon.com/lambda/pricing/)',
  },
  lambdaRequest: { usd: '0.20', per: 1_000_000, unit: 'requests', read: READ, source: 'https://aws.amazon.com/lambda/pricing/ (via https://cloudchipr.com/blog/aws-lambda-pricing)' },
  stepFunctionsTransition: {
    usd: '0.025',
    per: 1_000,
    unit: 'state transitions, Standard workflows (US East and Europe (Ireland) alike)',
    read: READ,
    source: 'https://aws.amazon.com/step-functions/pricing/',
  },
  dynamoWriteUnit: {
    usd: '0.625',
    per: 1_000_000,
    unit: 'write request units, on-demand (after the November 2024 reduction)',
    read: READ,
    source: 'https://airbyte.com/data-engineering-resources/dynamodb-pricing (US East)',
  },
  dynamoReadUnit: {
    usd: '0.125',
    per: 1_000_000,
    unit: 'read request units, on-demand',
    read: READ,
    source: 'https://airbyte.com/data-engineering-resources/dynamodb-pricing (US East)',
  },
  sesInboundEmail: {
    usd: '0.10',
    per: 1_000,
    unit: 'emails received (à la carte)',
    read: READ,
    source: 'AWS Price List API, AmazonSES us-east-1, as recorded in github.com/api-evangelist/amazon-ses plans/amazon-ses-plans-pricing.yml',
  },
  sesInboundChunk: {
    usd: '0.09',
    per: 1_000,
    unit: 'incoming mail chunks of 256 KB',
    read: READ,
    source: 'AWS Price List API, AmazonSES us-east-1, as recorded in github.com/api-evangelist/amazon-ses plans/amazon-ses-plans-pricing.yml',
  },
  sesOutboundEmail: {
    usd: '0.10',
    per: 1_000,
    unit: 'outbound recipients (à la carte)',
    read: READ,
    source: 'AWS Price List API, AmazonSES us-east-1, as recorded in github.com/api-evangelist/amazon-ses plans/amazon-ses-plans-pricing.yml',
  },
  s3Put: { usd: '0.005', per: 1_000, unit: 'PUT, COPY, POST, LIST requests, S3 Standard', read: READ, source: 'https://c3x.dev/blog/s3-request-fees-explained' },
  s3Get: { usd: '0.0004', per: 1_000, unit: 'GET, SELECT requests, S3 Standard', read: READ, source: 'https://c3x.dev/blog/s3-request-fees-explained' },
  sqsRequest: {
    usd: '0.40',
    per: 1_000_000,
    unit: 'standard-queue requests (each 64 KB of payload is one request)',
    read: READ,
    source: 'https://cloudburn.io/blog/amazon-sqs-pricing (US East, March 2026)',
  },
  logsIngestedGb: { usd: '0.50', per: 1, unit: 'GB ingested, CloudWatch Logs Standard class', read: READ, source: 'https://c3x.dev/blog/cloudwatch-logs-cost-optimization (us-east-1)' },
  xrayTraceRecorded: { usd: '5.00', per: 1_000_000, unit: 'traces recorded', read: READ, source: 'https://aws.amazon.com/de/xray/pricing/ (USD 0.000005 per trace)' },
  textractExpensePage: {
    usd: '10.00',
    per: 1_000,
    unit: 'pages, Analyze Expense API (first million pages a month)',
    read: READ,
    source: 'secondary: a public research note (GitHub, found by code search) tabulating https://aws.amazon.com/textract/pricing/; confirm there',
  },
  bedrockInputToken: {
    usd: '1.10',
    per: 1_000_000,
    unit: 'input tokens, Claude Haiku 4.5 through a Regional (eu.*) inference profile: $1.00 global + 10 %',
    read: READ,
    source: 'https://clauder-navi.com/en/bedrock-claude-cost/ (Haiku 4.5 $1 / $5 per million; Regional endpoints 10 % above global)',
  },
  bedrockOutputToken: {
    usd: '5.50',
    per: 1_000_000,
    unit: 'output tokens, Claude Haiku 4.5 through a Regional (eu.*) inference profile: $5.00 global + 10 %',
    read: READ,
    source: 'https://clauder-navi.com/en/bedrock-claude-cost/',
  },
};
