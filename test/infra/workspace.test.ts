/**
 * The workspace in AWS (lib/workspace.ts): the Cognito user pool and its groups, the app client
 * (code flow with PKCE, no secret), the hosted sign-in domain, the HTTP API in front of the
 * workspace function, and what that function may do (read; write only on the review path).
 */
import { Match } from 'aws-cdk-lib/assertions';
import { beforeAll, describe, expect, it } from 'vitest';
import { actionsOf, exampleConfig, logicalId, statementsOfRole, statementsOn, synthApp, templates, SYNTH_TIMEOUT, type PolicyStatement } from './support.ts';
import { ENV } from '../../lambdas/config.ts';

let t: ReturnType<typeof templates>;
let id: (c: { node: { defaultChild?: unknown } }) => string;
let statements: PolicyStatement[];
beforeAll(() => {
  t = templates();
  id = (c) => logicalId(c, t.s.main);
  statements = statementsOfRole(t.main, id(t.s.main.workspace.fn.functionRole));
}, SYNTH_TIMEOUT);

describe('sign-in (Cognito)', () => {
  it('a user pool without self sign-up, email sign-in, MFA required, a strong password policy, kept on stack deletion', () => {
    t.main.hasResourceProperties('AWS::Cognito::UserPool', {
      AdminCreateUserConfig: { AllowAdminCreateUserOnly: true },
      UsernameAttributes: ['email'],
      MfaConfiguration: 'ON',
      EnabledMfas: ['SOFTWARE_TOKEN_MFA'],
      Policies: { PasswordPolicy: Match.objectLike({ MinimumLength: 12, RequireLowercase: true, RequireUppercase: true, RequireNumbers: true, RequireSymbols: true }) },
      DeletionProtection: 'ACTIVE',
    });
    const pool = Object.values(t.main.findResources('AWS::Cognito::UserPool'))[0]!;
    expect(pool.DeletionPolicy).toBe('Retain');
  });

  it('the four groups: clerk, approver, admin, finance', () => {
    const groups = Object.values(t.main.findResources('AWS::Cognito::UserPoolGroup')).map((g) => g.Properties.GroupName as string);
    expect(groups.sort()).toEqual(['admin', 'approver', 'clerk', 'finance']);
  });

  it('one app client: authorization code flow only (PKCE), no secret, openid+email, callback on the API, working-day tokens', () => {
    const clients = Object.values(t.main.findResources('AWS::Cognito::UserPoolClient'));
    expect(clients).toHaveLength(1);
    const p = clients[0]!.Properties;
    expect(p.GenerateSecret).toBe(false);
    expect(p.AllowedOAuthFlows).toEqual(['code']);
    expect(p.AllowedOAuthFlowsUserPoolClient).toBe(true);
    expect([...p.AllowedOAuthScopes].sort()).toEqual(['email', 'openid']);
    expect(p.SupportedIdentityProviders).toEqual(['COGNITO']);
    expect(p.PreventUserExistenceErrors).toBe('ENABLED');
    // No password flows for the client: sign-in happens on the hosted pages only.
    expect((p.ExplicitAuthFlows ?? []).filter((f: string) => /PASSWORD|SRP/.test(f))).toEqual([]);
    expect(JSON.stringify(p.CallbackURLs)).toContain(id(t.s.main.workspace.api));
    expect(JSON.stringify(p.CallbackURLs)).toContain('/auth/callback');
    expect(p.IdTokenValidity).toBe(480);
  });

  it('a hosted sign-in domain on the pool', () => {
    t.main.hasResourceProperties('AWS::Cognito::UserPoolDomain', { UserPoolId: { Ref: id(t.s.main.workspace.userPool) }, Domain: Match.anyValue() });
  });
});

describe('the endpoint (HTTP API)', () => {
  it('routes every path to the workspace function, through a throttled, access-logged $default stage', () => {
    t.main.hasResourceProperties('AWS::ApiGatewayV2::Api', { ProtocolType: 'HTTP' });
    const routes = Object.values(t.main.findResources('AWS::ApiGatewayV2::Route')).map((r) => r.Properties.RouteKey as string);
    expect(routes.sort()).toEqual(['ANY /', 'ANY /{proxy+}']);
    const integrations = Object.values(t.main.findResources('AWS::ApiGatewayV2::Integration'));
    for (const i of integrations) expect(JSON.stringify(i.Properties.IntegrationUri)).toContain(id(t.s.main.workspace.fn));
    t.main.hasResourceProperties('AWS::ApiGatewayV2::Stage', {
      StageName: '$default',
      AutoDeploy: true,
      DefaultRouteSettings: Match.objectLike({ ThrottlingRateLimit: 50, ThrottlingBurstLimit: 100 }),
      AccessLogSettings: Match.objectLike({ DestinationArn: Match.anyValue() }),
    });
  });

  it('the function knows the pool, the client, the sign-in domain, its own address and the cookie key', () => {
    const fn = t.main.findResources('AWS::Lambda::Function')[id(t.s.main.workspace.fn)]!;
    const vars = Object.keys(fn.Properties.Environment.Variables as Record<string, unknown>);
    for (const v of [ENV.USER_POOL_ID, ENV.USER_POOL_CLIENT_ID, ENV.AUTH_DOMAIN, ENV.WORKSPACE_URL, ENV.WORKSPACE_SECRET_ARN, ENV.TABLE_NAME, ENV.QUEUE_URL, ENV.DOCUMENT_BUCKET]) expect(vars).toContain(v);
  });
});

describe('the workspace function’s permissions', () => {
  it('on the table: reads, and writes only bills (a dismissal); never the approval path’s nonces, spend or claims', () => {
    const dynamo = statements.filter((s) => actionsOf([s]).some((a) => a.startsWith('dynamodb:')));
    const keys = (s: PolicyStatement) => (s as { Condition?: Record<string, Record<string, string[]>> }).Condition?.['ForAllValues:StringLike']?.['dynamodb:LeadingKeys'] ?? [];
    const writes = dynamo.filter((s) => actionsOf([s]).some((a) => /Put|Update|Delete|ConditionCheck/.test(a)));
    expect(writes.flatMap(keys)).toEqual(['BILL#*']);
    // BatchGetItem reads what GetItem may (the same leading keys); no batch write.
    expect(actionsOf(dynamo).filter((a) => /Scan|Delete|Update|BatchWrite|PartiQL/.test(a))).toEqual([]);
    expect(JSON.stringify(dynamo)).not.toMatch(/NONCE|DUP#|DOC#|SUMMARY/);
  });

  it('on S3: reads documents (a bill\'s original), puts under reviews/ only, deletes nothing; sends to the submissions queue; nothing on Step Functions or SES', () => {
    const s3 = statementsOn(statements, id(t.s.main.storage.documents));
    const actions = actionsOf(s3);
    expect(actions).toContain('s3:GetObject*');
    expect(actions.filter((a) => /^s3:(Delete|PutBucket|PutObjectAcl)/.test(a))).toEqual([]);
    for (const s of s3.filter((x) => actionsOf([x]).some((a) => a.startsWith('s3:Put')))) expect(JSON.stringify(s.Resource)).toContain('/reviews/*');
    expect(statementsOn(statements, id(t.s.main.storage.rawMail))).toEqual([]);
    expect(actionsOf(statementsOn(statements, id(t.s.main.workflow.queue)))).toContain('sqs:SendMessage');
    expect(actionsOf(statements).filter((a) => /^(states|ses|lambda|cognito-idp):/.test(a))).toEqual([]);
  });

  it('reads its own cookie key, and not the link-signing secret', () => {
    expect(statementsOn(statements, id(t.s.main.workspace.cookieSecret)).length).toBeGreaterThan(0);
    expect(statementsOn(statements, id(t.s.main.approvals.signingSecret))).toEqual([]);
  });
});

describe('a custom domain', () => {
  it('with workspace.url, the callback, the sign-out address and the app\'s own address are that domain\'s', () => {
    const c = templates(synthApp(exampleConfig((raw) => (raw.workspace = { url: 'https://ap.northwind.example', domainPrefix: 'northwind-bills' }))));
    const client = Object.values(c.main.findResources('AWS::Cognito::UserPoolClient'))[0]!.Properties;
    expect(client.CallbackURLs).toEqual(['https://ap.northwind.example/auth/callback']);
    expect(client.LogoutURLs).toEqual(['https://ap.northwind.example/']);
    const fn = c.main.findResources('AWS::Lambda::Function')[logicalId(c.s.main.workspace.fn, c.s.main)]!;
    expect(fn.Properties.Environment.Variables[ENV.WORKSPACE_URL]).toBe('https://ap.northwind.example');
    c.main.hasResourceProperties('AWS::Cognito::UserPoolDomain', { Domain: 'northwind-bills' });
  }, SYNTH_TIMEOUT);
});

describe('cdk-nag', () => {
  it('has no unacknowledged finding on the workspace', () => {
    // Synthesis runs cdk-nag and throws on any finding: the example configuration (with the
    // workspace) synthesized. test/infra/nag.test.ts reads cdk-nag's report of it.
    expect(() => templates()).not.toThrow();
    expect(t.s.main.workspace.fn).toBeDefined();
  }, SYNTH_TIMEOUT);
});
