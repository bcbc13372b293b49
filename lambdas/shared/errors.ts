/**
 * Error names are the contract with the state machine: Retry lists only transient errors by
 * name, never `States.ALL`. Handlers translate SDK throttling and service faults to `TransientError`.
 */
export class TransientError extends Error {
  override readonly name = 'TransientError';
}

const TRANSIENT_NAMES = new Set([
  'ProvisionedThroughputExceededException',
  'ThrottlingException',
  'RequestLimitExceeded',
  'InternalServerError',
  'ServiceUnavailable',
  'TimeoutError',
  'TransactionInProgressException',
  'SlowDown',
  'ECONNRESET',
  'ETIMEDOUT',
  'ECONNREFUSED',
  'EPIPE',
]);

export function isTransient(err: unknown): boolean {
  if (!(err instanceof Error)) return false;
  const code = (err as { code?: string }).code;
  return TRANSIENT_NAMES.has(err.name) || (code !== undefined && TRANSIENT_NAMES.has(code)) || (err as { $retryable?: unknown }).$retryable !== undefined;
}

/** Wraps a task so that transient failures surface as `TransientError` for the state machine's Retry. */
export function task<A extends unknown[], O>(fn: (...args: A) => Promise<O>): (...args: A) => Promise<O> {
  return async (...args: A) => {
    try {
      return await fn(...args);
    } catch (err) {
      if (isTransient(err)) throw new TransientError((err as Error).message, { cause: err });
      throw err;
    }
  };
}
