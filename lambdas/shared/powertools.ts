/**
 * Powertools for AWS Lambda at the entry points: structured JSON logs that carry the ids of the
 * submission and bill at hand (never a bill's or an email's content), EMF metrics in the
 * `BillMatcher` namespace, and X-Ray subsegments for the handler and every AWS SDK call.
 *
 * Inert outside Lambda: nothing is constructed unless `AWS_LAMBDA_FUNCTION_NAME` is set, so the
 * local stack and the tests, which call `makeHandler` directly or import these modules, never
 * start a logger, a metrics buffer or a tracer.
 */
import { Logger } from '@aws-lambda-powertools/logger';
import { Metrics, MetricUnit } from '@aws-lambda-powertools/metrics';
import type { Tracer } from '@aws-lambda-powertools/tracer';
import { executionName } from './intake.ts';

/** The CloudWatch namespace of the product's metrics (alarms in `lib/observability.ts` use it). */
export const METRICS_NAMESPACE = 'BillMatcher';
export const SERVICE_NAME = 'bill-matcher';

/** Metric names, shared with the CDK alarms. */
export const METRIC = {
  /** One per bill decided, with dimension `state`. */
  billsDecided: 'BillsDecided',
  /** One per bill (or document) recorded in needs_review after the workflow's retries. */
  processingFailures: 'ProcessingFailures',
  /** One per approval-link request the ack handler refused (forged, expired, replayed, malformed). */
  ackLinksRefused: 'AckLinksRefused',
  /** Submissions sent to the queue by intake. */
  submissionsReceived: 'SubmissionsReceived',
  /** One per master-data drop (or sheet revision) refused by the drop lane. */
  masterImportsRefused: 'MasterImportsRefused',
  /** One per portal whose poll failed (and one with dimension `portal`). */
  portalPollFailures: 'PortalPollFailures',
  /** One per bill a portal poll landed as an upload. */
  portalBillsLanded: 'PortalBillsLanded',
} as const;

/** True inside AWS Lambda. */
export function inLambda(): boolean {
  return Boolean(process.env.AWS_LAMBDA_FUNCTION_NAME);
}

/**
 * The Tracer's X-Ray SDK enables a process-wide async hook (cls-hooked) as soon as it is imported,
 * and every promise of the process then pays for it (~7 % of a decision's CPU time, bench (a)).
 * Only a Lambda function loads it; the local stack, `bm` and the tests never do.
 */
const tracerModule = inLambda() ? await import('@aws-lambda-powertools/tracer') : undefined;

interface Tools {
  readonly logger: Logger;
  readonly metrics: Metrics;
  /** Absent only when the module was loaded outside Lambda and is then used in it (tests do). */
  readonly tracer: Tracer | undefined;
}

let tools: Tools | undefined;

function powertools(): Tools | undefined {
  if (!inLambda()) return undefined;
  tools ??= {
    logger: new Logger({ serviceName: SERVICE_NAME }),
    metrics: new Metrics({ namespace: METRICS_NAMESPACE, serviceName: SERVICE_NAME }),
    // The handler's response is never attached to a trace: it may hold bill details.
    tracer: tracerModule ? new tracerModule.Tracer({ serviceName: SERVICE_NAME, captureHTTPsRequests: false }) : undefined,
  };
  return tools;
}

/** An AWS SDK v3 client, traced by X-Ray inside Lambda, untouched elsewhere. */
export function traced<T>(client: T): T {
  const t = powertools();
  return t?.tracer ? t.tracer.captureAWSv3Client(client) : client;
}

/** A warning in the structured log of the current invocation (nothing outside Lambda). Ids only. */
export function logWarning(message: string, keys: LogKeys): void {
  powertools()?.logger.warn(message, defined(keys));
}

/** Log keys: ids only. */
export type LogKeys = Record<string, string | number | undefined>;

/** What a handler may emit per invocation. */
export interface MetricSink {
  /** Adds 1 to a count metric, with optional dimensions of its own. */
  count(name: string, dimensions?: Record<string, string>): void;
}

/** The parts of the Lambda context the wrapper uses. */
export interface LambdaContext {
  readonly functionName: string;
  readonly awsRequestId: string;
  readonly [k: string]: unknown;
}

export interface EntryOptions<R> {
  /** Ids known from the event, appended to every log line of the invocation. */
  readonly keys?: (event: unknown) => LogKeys;
  /** Ids known from the result, logged with the completion line. */
  readonly resultKeys?: (result: R) => LogKeys;
  /** Metrics from the result. */
  readonly metrics?: (result: R, sink: MetricSink) => void;
}

/**
 * Wraps a handler as a Lambda entry point. Outside Lambda it returns the handler unchanged in
 * behaviour (it calls it and nothing else).
 */
export function lambdaEntry<R>(name: string, handler: (event: unknown) => Promise<R>, options: EntryOptions<R> = {}) {
  return async (event: unknown, context?: LambdaContext): Promise<R> => {
    const t = powertools();
    if (!t) return handler(event);
    const { logger, metrics, tracer } = t;
    logger.resetKeys();
    if (context) logger.addContext(context as never);
    logger.appendKeys({ handler: name, ...defined(safely(() => options.keys?.(event) ?? {})) });
    metrics.captureColdStartMetric();
    const segment = tracer?.getSegment();
    const sub = segment?.addNewSubsegment(`## ${name}`);
    if (sub) tracer?.setSegment(sub);
    tracer?.annotateColdStart();
    tracer?.addServiceNameAnnotation();
    const started = Date.now();
    try {
      const result = await handler(event);
      const sink: MetricSink = {
        count(metric, dimensions) {
          if (!dimensions) return void metrics.addMetric(metric, MetricUnit.Count, 1);
          const single = metrics.singleMetric();
          for (const [k, v] of Object.entries(dimensions)) single.addDimension(k, v);
          single.addMetric(metric, MetricUnit.Count, 1);
        },
      };
      options.metrics?.(result, sink);
      logger.info('handled', { durationMs: Date.now() - started, ...defined(safely(() => options.resultKeys?.(result) ?? {})) });
      return result;
    } catch (err) {
      const e = err instanceof Error ? err : new Error(String(err));
      if (sub) tracer?.addErrorAsMetadata(e);
      // The name and message only: a message never carries a document, the stack adds nothing here.
      logger.error('failed', { durationMs: Date.now() - started, error: { name: e.name, message: e.message.slice(0, 500) } });
      throw err;
    } finally {
      sub?.close();
      if (segment) tracer?.setSegment(segment);
      if (metrics.hasStoredMetrics()) metrics.publishStoredMetrics();
    }
  };
}

/** The ids of a workflow task's input: the submission, its execution name, the bill. */
export function workflowKeys(event: unknown): LogKeys {
  const e = (event ?? {}) as { submission?: { id?: unknown }; part?: { part?: unknown }; bill_id?: unknown };
  const submissionId = typeof e.submission?.id === 'string' ? e.submission.id : undefined;
  return {
    submissionId,
    executionName: submissionId ? executionName(submissionId) : undefined,
    part: typeof e.part?.part === 'number' ? e.part.part : undefined,
    billId: typeof e.bill_id === 'string' ? e.bill_id : undefined,
  };
}

function safely(f: () => LogKeys): LogKeys {
  try {
    return f();
  } catch {
    return {};
  }
}

function defined(keys: LogKeys): Record<string, string | number> {
  return Object.fromEntries(Object.entries(keys).filter((e): e is [string, string | number] => e[1] !== undefined));
}
