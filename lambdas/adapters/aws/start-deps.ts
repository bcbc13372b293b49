/** The real dependencies of the start-execution function. */
import { SFNClient } from '@aws-sdk/client-sfn';
import { config } from '../../config.ts';
import type { StartDeps } from '../../start-execution/handler.ts';
import { logWarning, traced } from '../../shared/powertools.ts';

export function startDeps(sfn = traced(new SFNClient({}))): StartDeps {
  return {
    sfn,
    stateMachineArn: config.stateMachineArn,
    onFailure: (messageId, error) => logWarning('message not started', { messageId, error: error.name }),
  };
}
