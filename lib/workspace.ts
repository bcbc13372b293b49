/**
 * The workspace in AWS: the pages clerks, approvers, admins and finance use (the same Hono app as
 * `bm start`'s), behind an API Gateway HTTP API, signed in with Cognito.
 *
 * - Cognito user pool (no self sign-up: an admin adds people with `bm user add`; email sign-in;
 *   MFA by authenticator app required; a strong password policy), the groups `clerk`, `approver`,
 *   `admin`, `finance`, the hosted sign-in domain, and one app client: authorization code flow
 *   with PKCE, no client secret (docs/security.md says why), ID tokens valid for a working day.
 * - The HTTP API ($default stage: throttled, access-logged) → the workspace function for every
 *   path. API Gateway does no authorization itself: the app verifies the Cognito ID token on every
 *   request (aws-jwt-verify), redirects pages to the sign-in, and applies the group rules.
 * - The function reads the table (bills, master data, the policy) and writes only on the review
 *   path (a corrected bill under `reviews/` of the documents bucket, queued as a submission) and on
 *   a dismissal (the bill); it has nothing on the approval path: approving is by signed link only.
 *
 * Why an HTTP API and not CloudFront + a Function URL: one resource gives a stable HTTPS address,
 * throttling and access logs without a distribution to run; the pages are dynamic and per-user,
 * so a CDN would cache nothing. A custom domain can be mapped on the API later (docs/deploy.md).
 */
import { CfnOutput, Duration, RemovalPolicy, Stack, Validations } from 'aws-cdk-lib';
import { HttpApi, HttpStage, LogGroupLogDestination } from 'aws-cdk-lib/aws-apigatewayv2';
import { HttpLambdaIntegration } from 'aws-cdk-lib/aws-apigatewayv2-integrations';
import {
  AccountRecovery,
  FeaturePlan,
  Mfa,
  OAuthScope,
  UserPool,
  UserPoolClient,
  UserPoolClientIdentityProvider,
  UserPoolDomain,
  UserPoolGroup,
} from 'aws-cdk-lib/aws-cognito';
import type { ITableV2 } from 'aws-cdk-lib/aws-dynamodb';
import { LogGroup, RetentionDays } from 'aws-cdk-lib/aws-logs';
import type { IBucket } from 'aws-cdk-lib/aws-s3';
import { Secret } from 'aws-cdk-lib/aws-secretsmanager';
import type { IQueue } from 'aws-cdk-lib/aws-sqs';
import { Construct } from 'constructs';
import { ENV } from '../lambdas/config.ts';
import { GROUPS } from '../lambdas/adapters/local/web/auth.ts';
import { BillFunction } from './bill-function.ts';
import { arnRef, iam5, REASONS } from './nag.ts';
import { grantTableAccess, TABLE_ACCESS } from './table-access.ts';

export interface WorkspaceProps {
  readonly table: ITableV2;
  readonly documents: IBucket;
  readonly queue: IQueue;
  /** The hosted UI's domain prefix (`<prefix>.auth.<region>.amazoncognito.com`), unique in the region. */
  readonly domainPrefix: string;
  /** The address of a custom domain mapped on the API (`https://ap.example.com`). @default the API's own */
  readonly customUrl?: string;
  /** @default RetentionDays.ONE_MONTH */
  readonly logRetention?: RetentionDays;
}

/** What each group is for (the group's description in Cognito; the full table is docs/security.md). */
export const GROUP_DESCRIPTIONS: Record<(typeof GROUPS)[number], string> = {
  clerk: 'AP clerks: see every bill, review, correct and dismiss bills in review',
  approver: 'approvers: see bills; approve only through their own signed link',
  admin: 'AP admins: everything a clerk does; adds people (bm user add)',
  finance: 'finance: read-only (bills, audit trails, figures)',
};

export class Workspace extends Construct {
  readonly userPool: UserPool;
  readonly client: UserPoolClient;
  readonly domain: UserPoolDomain;
  readonly groups: Record<(typeof GROUPS)[number], UserPoolGroup>;
  readonly api: HttpApi;
  readonly fn: BillFunction;
  readonly cookieSecret: Secret;
  /** Where people open the pages: the custom domain, or `https://<api>.execute-api.<region>.amazonaws.com`. */
  readonly url: string;
  /** `https://<prefix>.auth.<region>.amazoncognito.com` */
  readonly signInDomain: string;

  constructor(scope: Construct, id: string, props: WorkspaceProps) {
    super(scope, id);
    const logRetention = props.logRetention ?? RetentionDays.ONE_MONTH;

    this.userPool = new UserPool(this, 'Users', {
      selfSignUpEnabled: false,
      signInAliases: { email: true },
      autoVerify: { email: true },
      standardAttributes: { email: { required: true, mutable: true } },
      mfa: Mfa.REQUIRED,
      mfaSecondFactor: { otp: true, sms: false },
      passwordPolicy: { minLength: 12, requireLowercase: true, requireUppercase: true, requireDigits: true, requireSymbols: true, tempPasswordValidity: Duration.days(3) },
      accountRecovery: AccountRecovery.EMAIL_ONLY,
      featurePlan: FeaturePlan.ESSENTIALS,
      deletionProtection: true,
      removalPolicy: RemovalPolicy.RETAIN,
    });
    Validations.of(this.userPool).acknowledge({
      id: 'AwsSolutions-COG8',
      reason:
        'Threat protection (advanced security) is a paid Cognito Plus feature; the pool is invitation-only (no self sign-up), MFA by authenticator app is required and sessions last a working day. Enabling it is one setting (featurePlan PLUS) when the organisation wants it.',
    });

    this.groups = Object.fromEntries(
      GROUPS.map((g, i) => [g, new UserPoolGroup(this, `Group-${g}`, { userPool: this.userPool, groupName: g, description: GROUP_DESCRIPTIONS[g], precedence: i })]),
    ) as Workspace['groups'];

    this.domain = this.userPool.addDomain('SignIn', { cognitoDomain: { domainPrefix: props.domainPrefix } });
    this.signInDomain = this.domain.baseUrl();

    // The address first (no dependency on the function), so that the client can name its callback.
    this.api = new HttpApi(this, 'Api', { description: 'bill matcher: the workspace pages', createDefaultStage: false });
    this.url = props.customUrl ?? this.api.apiEndpoint;
    const accessLogs = new LogGroup(this, 'ApiAccessLogs', { retention: logRetention, removalPolicy: RemovalPolicy.DESTROY });
    new HttpStage(this, 'DefaultStage', {
      httpApi: this.api,
      stageName: '$default',
      autoDeploy: true,
      throttle: { rateLimit: 50, burstLimit: 100 },
      accessLogSettings: { destination: new LogGroupLogDestination(accessLogs) },
    });

    this.client = this.userPool.addClient('Workspace', {
      // A public client with PKCE: no secret to store, rotate or leak (docs/security.md).
      generateSecret: false,
      authFlows: {},
      oAuth: {
        flows: { authorizationCodeGrant: true },
        scopes: [OAuthScope.OPENID, OAuthScope.EMAIL],
        callbackUrls: [`${this.url}/auth/callback`],
        logoutUrls: [`${this.url}/`],
      },
      supportedIdentityProviders: [UserPoolClientIdentityProvider.COGNITO],
      preventUserExistenceErrors: true,
      idTokenValidity: Duration.hours(8),
      accessTokenValidity: Duration.hours(8),
      refreshTokenValidity: Duration.hours(8),
      enableTokenRevocation: true,
    });

    this.cookieSecret = new Secret(this, 'CookieKey', {
      description: 'HMAC key of the workspace: the sign-in (PKCE) cookie and the CSRF tokens',
      generateSecretString: { passwordLength: 64, excludePunctuation: true },
    });
    Validations.of(this.cookieSecret).acknowledge({
      id: 'AwsSolutions-SMG4',
      reason: 'Rotating the workspace cookie key only ends sign-ins in progress and makes open forms ask for a reload; it is rotated by hand (docs/deploy.md), with no schedule to coordinate.',
    });

    this.fn = new BillFunction(this, 'Pages', {
      name: 'workspace',
      description: 'bill matcher: the workspace pages (HTTP API, Cognito sign-in)',
      logRetention,
      timeout: Duration.seconds(15),
      memorySize: 512,
    });
    grantTableAccess(this.fn, props.table, TABLE_ACCESS.workspace);
    this.cookieSecret.grantRead(this.fn);
    // The review path: a corrected bill under reviews/, queued as a submission (as the review link does).
    props.documents.grantPut(this.fn, 'reviews/*');
    props.queue.grantSendMessages(this.fn);
    // The bill page shows the original document (any submitted document: mail/, uploads/, …), as the ack's does.
    props.documents.grantRead(this.fn);
    this.fn.acknowledgeOnRole({
      [iam5.action('s3:GetObject*')]: REASONS.s3ReadGrant,
      [iam5.action('s3:GetBucket*')]: REASONS.s3ReadGrant,
      [iam5.action('s3:List*')]: REASONS.s3ReadGrant,
      [iam5.resource(`${arnRef(props.documents)}/*`)]: 'The workspace shows a signed-in user a bill\'s original document, which may be any submitted document (uploads/, mail/).',
      [iam5.action('s3:Abort*')]: REASONS.s3PutGrant,
      [iam5.resource(`${arnRef(props.documents)}/reviews/*`)]: 'The workspace stores a bill a clerk corrected under reviews/ (object keys per bill and version), for the workflow.',
    });
    const env: Record<string, string> = {
      [ENV.DOCUMENT_BUCKET]: props.documents.bucketName,
      [ENV.QUEUE_URL]: props.queue.queueUrl,
      [ENV.WORKSPACE_URL]: this.url,
      [ENV.USER_POOL_ID]: this.userPool.userPoolId,
      [ENV.USER_POOL_CLIENT_ID]: this.client.userPoolClientId,
      [ENV.AUTH_DOMAIN]: this.signInDomain,
      [ENV.WORKSPACE_SECRET_ARN]: this.cookieSecret.secretArn,
    };
    for (const [k, v] of Object.entries(env)) this.fn.addEnvironment(k, v);

    const route = this.api.addRoutes({ path: '/{proxy+}', integration: new HttpLambdaIntegration('PagesIntegration', this.fn) });
    const root = this.api.addRoutes({ path: '/', integration: new HttpLambdaIntegration('RootIntegration', this.fn) });
    for (const r of [...route, ...root]) {
      Validations.of(r).acknowledge({
        id: 'AwsSolutions-APIG4',
        reason:
          'The app authorizes every request itself: it verifies the Cognito ID token (signature, issuer, audience, expiry) with aws-jwt-verify, redirects a page to the hosted sign-in, and applies the group rules per route; the signed approval-link pages and the sign-in callback must be reachable without a session, which an API Gateway authorizer cannot express per page.',
      });
    }

    const out = (name: string, value: string, description: string) => new CfnOutput(Stack.of(this), name, { value, description });
    out('WorkspaceUrl', this.url, 'the workspace pages (sign in with Cognito)');
    out('UserPoolId', this.userPool.userPoolId, 'the workspace users (bm user add)');
    out('UserPoolClientId', this.client.userPoolClientId, 'the workspace app client');
    out('SignInDomain', this.signInDomain, 'the hosted sign-in pages');
  }
}
