/**
 * What a bill costs in AWS: the usage one bill causes on each path through the pipeline, priced
 * at list prices (`aws-prices.ts`). Exact decimals throughout. `bm cost` feeds it the functions'
 * memory and architecture from the synthesized template, the state transitions of each path from
 * a run of the state machine, the handler durations measured by the bench and the DynamoDB
 * units of bench (c); docs/cost.md explains every figure.
 */
import type { PriceKey, PriceTable } from './aws-prices.ts';
import { Decimal } from './money.ts';

export const ENCODINGS = ['e-invoice', 'edi', 'text-pdf', 'scan', 'photo'] as const;
export type Encoding = (typeof ENCODINGS)[number];
export const OUTCOMES = ['straight-through', 'needs-approval'] as const;
export type Outcome = (typeof OUTCOMES)[number];

export const PRICED_FUNCTIONS = ['intake', 'start-execution', 'read-document', 'extract', 'decide-bill', 'approval-desk', 'ack'] as const;
export type PricedFunction = (typeof PRICED_FUNCTIONS)[number];

export interface FunctionSpec {
  readonly memoryMb: number;
  readonly architecture: 'arm64' | 'x86_64';
}

/** How a bill arrives: the email's size on the wire (SES chunks), pages for OCR, whether it takes the extraction path. */
export interface EncodingProfile {
  readonly emailKb: number;
  readonly pages: number;
  readonly extraction: boolean;
  readonly note: string;
}

/**
 * Typical emails, one bill each (assumptions, stated in docs/cost.md): attachments travel base64,
 * a third larger than the file.
 */
export const ENCODING_PROFILES: Readonly<Record<Encoding, EncodingProfile>> = {
  'e-invoice': { emailKb: 40, pages: 0, extraction: false, note: 'UBL/CII XML of ~25 KB, read exactly' },
  edi: { emailKb: 12, pages: 0, extraction: false, note: 'X12 810 of ~5 KB, read exactly' },
  'text-pdf': { emailKb: 200, pages: 0, extraction: false, note: 'a 1–2 page PDF with a text layer, read by pdf.js in read-document' },
  scan: { emailKb: 900, pages: 1, extraction: true, note: 'a one-page scanned PDF: Textract AnalyzeExpense + one model call' },
  photo: { emailKb: 3000, pages: 1, extraction: true, note: 'a phone photo (JPEG, ~2.2 MB): Textract AnalyzeExpense + one model call' },
};

/**
 * Milliseconds per invocation, measured by `npm run bench` (d) on the local path (one core of
 * the bench machine, DynamoDB Local round trips included), and the date measured. Lambda gives a
 * function one vCPU at 1,769 MB, proportionally less below: `billedMs` scales CPU time by that
 * share, which overstates the I/O part — an upper bound.
 */
export interface MeasuredDurations {
  readonly measured: string;
  readonly ms: Readonly<Record<PricedFunction, number>>;
  readonly source: Readonly<Record<PricedFunction, 'bench' | 'assumed'>>;
  /** read-document by encoding: its reader's time (pdf.js dominates a text PDF) plus the handler's own. */
  readonly readMs: Readonly<Record<Encoding, number>>;
}

/** Per outcome, DynamoDB units per bill (bench (c), billed units from item sizes). */
export interface DynamoUnits {
  readonly measured: string;
  readonly straightThrough: { readonly write: number; readonly read: number };
  readonly needsApproval: { readonly write: number; readonly read: number };
  /** The approval-time gate: one more transaction, rewriting the decision's items. */
  readonly approvalGate: { readonly write: number; readonly read: number };
}

/** Bytes of CloudWatch Logs per Lambda invocation (START/END/REPORT + Powertools' structured lines) and per Step Functions state (execution data off). */
export const LOG_BYTES = { perInvocation: 1500, perTransition: 600 } as const;
/** Model tokens of one extraction call (the recorded Bedrock response of test/fixtures/extraction/sum-fixed-on-retry.json, first attempt). */
export const MODEL_TOKENS = { input: 2900, output: 610 } as const;
/** CPU a Lambda function gets: one vCPU at 1,769 MB (AWS Lambda documentation, "Memory and computing power"). */
export const ONE_VCPU_MB = 1769;

export interface CostInputs {
  readonly prices: PriceTable;
  readonly functions: Readonly<Record<PricedFunction, FunctionSpec>>;
  /** State transitions per path, from the state machine run: `${extraction}/${outcome}`. */
  readonly transitions: Readonly<Record<Outcome, { readonly plain: number; readonly extraction: number }>>;
  readonly durations: MeasuredDurations;
  readonly dynamo: DynamoUnits;
}

/** What one bill uses, by unit priced. */
export type Usage = Readonly<Partial<Record<PriceKey, Decimal>>>;

export interface CostLine {
  readonly service: string;
  readonly usd: Decimal;
}

export interface PathCost {
  readonly encoding: Encoding;
  readonly outcome: Outcome;
  readonly usage: Usage;
  /** Per 1,000 bills. */
  readonly lines: readonly CostLine[];
  readonly per1000: Decimal;
}

const D = (n: number | string | bigint) => Decimal.from(n);
const USD_SCALE = 10;

/** The Lambda invocations of one bill on a path. */
export function invocationsOf(encoding: Encoding, outcome: Outcome): Readonly<Partial<Record<PricedFunction, number>>> {
  return {
    intake: 1,
    'start-execution': 1,
    'read-document': 1,
    ...(ENCODING_PROFILES[encoding].extraction ? { extract: 1 } : {}),
    'decide-bill': 1,
    // NotifyPeople after every document (the receipt); a bill that needs a person adds its approval
    // execution's RequestApproval, and the approver's link: the confirmation page (GET), then the decision (POST).
    'approval-desk': outcome === 'needs-approval' ? 2 : 1,
    ...(outcome === 'needs-approval' ? { ack: 2 } : {}),
  };
}

/** Billed milliseconds of one invocation: the measured time scaled to the function's CPU share, rounded up to 1 ms. */
export function billedMs(measuredMs: number, spec: FunctionSpec): Decimal {
  const ratio = D(ONE_VCPU_MB).div(D(spec.memoryMb), 6);
  const share = ratio.lt(Decimal.ONE) ? Decimal.ONE : ratio;
  const ms = D(measuredMs).mul(share);
  const whole = ms.round(0);
  return whole.lt(ms) ? whole.add(Decimal.ONE) : whole;
}

/** The usage of one bill on a path. */
export function usageOf(encoding: Encoding, outcome: Outcome, inputs: Omit<CostInputs, 'prices'>): Usage {
  const profile = ENCODING_PROFILES[encoding];
  const calls = invocationsOf(encoding, outcome);
  let gbSeconds = Decimal.ZERO;
  let requests = 0;
  for (const [fn, count] of Object.entries(calls) as [PricedFunction, number][]) {
    const spec = inputs.functions[fn];
    const ms = billedMs(fn === 'read-document' ? inputs.durations.readMs[encoding] : inputs.durations.ms[fn], spec);
    gbSeconds = gbSeconds.add(D(spec.memoryMb).mul(ms).mul(D(count)).div(D(1024 * 1000), 12));
    requests += count;
  }
  const transitions = inputs.transitions[outcome][profile.extraction ? 'extraction' : 'plain'];
  const units = outcome === 'straight-through' ? inputs.dynamo.straightThrough : inputs.dynamo.needsApproval;
  const gate = outcome === 'needs-approval' ? inputs.dynamo.approvalGate : { write: 0, read: 0 };
  const logBytes = requests * LOG_BYTES.perInvocation + transitions * LOG_BYTES.perTransition;
  return {
    lambdaArmGbSecond: gbSeconds,
    lambdaRequest: D(requests),
    stepFunctionsTransition: D(transitions),
    dynamoWriteUnit: D(units.write).add(D(gate.write)),
    dynamoReadUnit: D(units.read).add(D(gate.read)),
    sesInboundEmail: D(1),
    sesInboundChunk: D(Math.ceil(profile.emailKb / 256)),
    // The receipt to the (believed) sender, and the approval request.
    sesOutboundEmail: D(1 + (outcome === 'needs-approval' ? 1 : 0)),
    // SES writes the raw mail, intake writes the document.
    s3Put: D(2),
    // Intake reads the raw mail, read-document the document, Textract the document again.
    s3Get: D(profile.extraction ? 3 : 2),
    // Send, receive, delete on the submissions queue.
    sqsRequest: D(3),
    logsIngestedGb: D(logBytes).div(D(1024 ** 3), 15),
    // Traces start at intake's S3 event, at the starter's SQS batch (the execution joins it), and at each approval-link request.
    xrayTraceRecorded: D(2 + (calls.ack ?? 0)),
    textractExpensePage: D(profile.pages),
    bedrockInputToken: D(profile.extraction ? MODEL_TOKENS.input : 0),
    bedrockOutputToken: D(profile.extraction ? MODEL_TOKENS.output : 0),
  };
}

const SERVICE_OF: Readonly<Record<PriceKey, string>> = {
  lambdaArmGbSecond: 'Lambda',
  lambdaRequest: 'Lambda',
  stepFunctionsTransition: 'Step Functions',
  dynamoWriteUnit: 'DynamoDB',
  dynamoReadUnit: 'DynamoDB',
  sesInboundEmail: 'SES',
  sesInboundChunk: 'SES',
  sesOutboundEmail: 'SES',
  s3Put: 'S3',
  s3Get: 'S3',
  sqsRequest: 'SQS',
  logsIngestedGb: 'CloudWatch Logs',
  xrayTraceRecorded: 'X-Ray',
  textractExpensePage: 'Textract',
  bedrockInputToken: 'Bedrock',
  bedrockOutputToken: 'Bedrock',
};
export const SERVICES = ['Lambda', 'Step Functions', 'DynamoDB', 'SES', 'S3', 'SQS', 'CloudWatch Logs', 'X-Ray', 'Textract', 'Bedrock'] as const;

/** Dollars for `quantity` of usage, by service: usage × price ÷ the price's unit count. */
export function price(usage: Usage, prices: PriceTable, times = 1): CostLine[] {
  const by = new Map<string, Decimal>(SERVICES.map((s) => [s, Decimal.ZERO]));
  for (const [key, qty] of Object.entries(usage) as [PriceKey, Decimal][]) {
    const p = prices[key];
    if (p.usd === '' || !qty) continue;
    const usd = qty.mul(D(times)).mul(Decimal.parse(p.usd)).div(D(p.per), USD_SCALE);
    by.set(SERVICE_OF[key], by.get(SERVICE_OF[key])!.add(usd));
  }
  return [...by].map(([service, usd]) => ({ service, usd }));
}

export function total(lines: readonly CostLine[]): Decimal {
  return lines.reduce((s, l) => s.add(l.usd), Decimal.ZERO);
}

/** Dollars per 1,000 bills on every path: encoding × outcome. */
export function costMatrix(inputs: CostInputs): PathCost[] {
  return ENCODINGS.flatMap((encoding) =>
    OUTCOMES.map((outcome) => {
      const usage = usageOf(encoding, outcome, inputs);
      const lines = price(usage, inputs.prices, 1000);
      return { encoding, outcome, usage, lines, per1000: total(lines) };
    }),
  );
}

/** What a bill costs in manual accounts payable (industry benchmarks, cited as given by the pages named). */
export const MANUAL_AP = [
  { usdPerBill: '5.83', what: 'median cost to process an invoice (top quartile $2.07, bottom quartile ~$10)', source: 'APQC benchmarks (~1,500 organizations), as cited by https://conseroglobal.com/resources/how-better-accounting-and-finance-can-help-control-costs-2/' },
  { usdPerBill: '12.88', what: 'average all-in cost to process one invoice, organizations without best-in-class automation', source: 'Ardent Partners, AP Metrics that Matter 2025, as cited by https://invoicequickly.com/stats/invoice-processing-cost-statistics' },
  { usdPerBill: '2.36', what: 'best-in-class AP teams (Ardent reports ~$10.18 for all others)', source: 'Ardent Partners 2024, as cited by https://www.transformance.ai/blog-posts/cost-per-invoice-benchmarks' },
] as const;

/** A month of real usage, read from CloudWatch (`bm cost --stack`). */
export interface MonthUsage {
  readonly bills: number;
  readonly billsAwaitingApproval: number;
  readonly executions: number;
  readonly lambda: readonly { readonly functionName: string; readonly invocations: number; readonly durationMs: number; readonly memoryMb: number }[];
  readonly dynamo: { readonly write: number; readonly read: number };
  readonly extraction: { readonly pages: number; readonly inputTokens: number; readonly outputTokens: number };
}

/**
 * The month's dollars from its metrics: Lambda, DynamoDB, Textract and Bedrock as measured; the
 * rest (no CloudWatch metric per bill) from the per-bill model times the bills of the month.
 */
export function costOfMonth(month: MonthUsage, inputs: Pick<CostInputs, 'prices' | 'transitions'>): { lines: CostLine[]; total: Decimal; perBill: Decimal | null; measured: string[]; estimated: string[] } {
  const gbSeconds = month.lambda.reduce((s, f) => s.add(D(f.memoryMb).mul(D(Math.ceil(f.durationMs))).div(D(1024 * 1000), 12)), Decimal.ZERO);
  const requests = month.lambda.reduce((s, f) => s + f.invocations, 0);
  const straight = month.bills - month.billsAwaitingApproval;
  const transitions = D(straight * inputs.transitions['straight-through'].plain + month.billsAwaitingApproval * inputs.transitions['needs-approval'].plain);
  const logBytes = requests * LOG_BYTES.perInvocation + Number(transitions.toString()) * LOG_BYTES.perTransition;
  const usage: Usage = {
    lambdaArmGbSecond: gbSeconds,
    lambdaRequest: D(requests),
    stepFunctionsTransition: transitions,
    dynamoWriteUnit: D(month.dynamo.write),
    dynamoReadUnit: D(month.dynamo.read),
    sesInboundEmail: D(month.executions),
    sesInboundChunk: D(month.executions),
    // A receipt per email (one bill per email, as the per-bill model assumes) and an approval request per bill awaiting one.
    sesOutboundEmail: D(month.bills + month.billsAwaitingApproval),
    s3Put: D(2 * month.executions),
    s3Get: D(2 * month.executions + month.extraction.pages),
    sqsRequest: D(3 * month.executions),
    logsIngestedGb: D(logBytes).div(D(1024 ** 3), 15),
    xrayTraceRecorded: D(2 * month.executions + 2 * month.billsAwaitingApproval),
    textractExpensePage: D(month.extraction.pages),
    bedrockInputToken: D(month.extraction.inputTokens),
    bedrockOutputToken: D(month.extraction.outputTokens),
  };
  const lines = price(usage, inputs.prices);
  const sum = total(lines);
  return {
    lines,
    total: sum,
    perBill: month.bills > 0 ? sum.div(D(month.bills), 6) : null,
    measured: ['Lambda invocations and duration', 'DynamoDB consumed units', 'Textract pages', 'Bedrock tokens', 'bills and approvals'],
    estimated: ['Step Functions transitions (measured per path × bills)', 'SES (one email of one chunk per execution received; a receipt per bill and a request per bill awaiting approval sent)', 'S3, SQS, CloudWatch Logs, X-Ray (per-bill model × executions)'],
  };
}

/** Formats dollars for a table: cents, or four decimals under a dollar. */
export function usd(amount: Decimal): string {
  return `$${amount.lt(Decimal.ONE) ? amount.round(4).toFixed(4) : amount.round(2).toFixed(2)}`;
}
