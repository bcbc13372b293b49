/**
 * The workspace function behind the API Gateway HTTP API: the clerks', approvers', admins' and
 * finance's pages in AWS (lambdas/workspace/app.ts), on Hono through `hono/aws-lambda`.
 * The event is checked (payload 2.0) before Hono sees it; the app is built once per container.
 */
import { SecretsManagerClient, GetSecretValueCommand } from '@aws-sdk/client-secrets-manager';
import { SendMessageCommand, SQSClient } from '@aws-sdk/client-sqs';
import { DynamoDBClient } from '@aws-sdk/client-dynamodb';
import { handle } from 'hono/aws-lambda';
import * as z from 'zod';
import { config, ENV, required } from '../config.ts';
import { awsDeps } from '../adapters/aws/deps.ts';
import { CognitoAuth } from '../adapters/aws/cognito-auth.ts';
import { errorPage } from '../adapters/local/web/app.ts';
import { lambdaEntry, traced } from '../shared/powertools.ts';
import { DynamoLaneState } from '../lanes/dynamo-state.ts';
import { workspaceApp, type WorkspaceDeps } from './app.ts';

/** The parts of an HTTP API (payload 2.0) event the app reads. */
export const httpApiEvent = z.looseObject({
  version: z.literal('2.0'),
  rawPath: z.string().startsWith('/'),
  rawQueryString: z.string(),
  headers: z.record(z.string(), z.string()),
  cookies: z.array(z.string()).optional(),
  requestContext: z.looseObject({ http: z.looseObject({ method: z.string() }), domainName: z.string() }),
  body: z.string().optional(),
  isBase64Encoded: z.boolean(),
});

export interface HttpApiResult {
  statusCode: number;
  headers?: Record<string, string>;
  cookies?: string[];
  body: string;
  isBase64Encoded: boolean;
}

/** The handler of an app built from its parts (the tests give DynamoDB Local and a test key set). */
export function makeWorkspaceHandler(deps: WorkspaceDeps): (event: unknown) => Promise<HttpApiResult> {
  const run = handle(workspaceApp(deps)) as unknown as (e: unknown) => Promise<HttpApiResult>;
  return (event) => run(httpApiEvent.parse(event));
}

async function realDeps(): Promise<WorkspaceDeps> {
  const { store, documents, now } = awsDeps();
  const secret = await traced(new SecretsManagerClient({})).send(new GetSecretValueCommand({ SecretId: required(ENV.WORKSPACE_SECRET_ARN) }));
  if (!secret.SecretString || secret.SecretString.length < 32) throw new Error('the workspace cookie secret is missing or shorter than 32 characters');
  const sqs = traced(new SQSClient({}));
  return {
    store,
    lanes: new DynamoLaneState({ tableName: config.tableName, client: traced(new DynamoDBClient({})) }),
    documents,
    now,
    origin: required(ENV.WORKSPACE_URL).replace(/\/+$/, ''),
    // A corrected bill: queued as a submission, as the review link does (one execution named by the review).
    startReview: async (submission) => void (await sqs.send(new SendMessageCommand({ QueueUrl: config.queueUrl, MessageBody: JSON.stringify({ submission }) }))),
    auth: new CognitoAuth({
      userPoolId: required(ENV.USER_POOL_ID),
      clientId: required(ENV.USER_POOL_CLIENT_ID),
      domain: required(ENV.AUTH_DOMAIN).replace(/\/+$/, ''),
      key: new TextEncoder().encode(secret.SecretString),
      errorPage,
    }),
  };
}

let real: Promise<(event: unknown) => Promise<HttpApiResult>> | undefined;
export const handler = lambdaEntry(
  'workspace',
  async (event: unknown) => {
    const e = httpApiEvent.parse(event);
    real ??= realDeps()
      .then(makeWorkspaceHandler)
      .catch((err: unknown) => {
        real = undefined;
        throw err;
      });
    return (await real)(e);
  },
  // The status only: never a cookie, a token or a form.
  { resultKeys: (r) => ({ statusCode: r.statusCode }) },
);
