/**
 * The infrastructure tests synthesize the real app (`buildApp`, with cdk.json's context: the
 * example configuration and the feature flags), offline and without bundling the functions.
 */
import { mkdtempSync, readFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { App } from 'aws-cdk-lib';
import { expect } from 'vitest';
import { Template } from 'aws-cdk-lib/assertions';
import { CONTEXT_KEY, parseConfig, type BillMatcherConfig } from '../../lib/config.ts';
import { PROJECT_ROOT } from '../../lib/bundle.ts';
import { buildApp } from '../../lib/stacks.ts';

/**
 * A timeout for a test or hook that synthesizes the app: 2–3 s on an idle machine, many times
 * that on a busy one; generous, so only a hang fails.
 */
export const SYNTH_TIMEOUT = 180_000;

/** cdk.json's context. */
export const CDK_CONTEXT = (JSON.parse(readFileSync(join(PROJECT_ROOT, 'cdk.json'), 'utf8')) as { context: Record<string, unknown> }).context;

/** The example configuration of cdk.json, optionally changed. */
export function exampleConfig(change: (raw: Record<string, unknown>) => void = () => undefined): BillMatcherConfig {
  const raw = structuredClone(CDK_CONTEXT[CONTEXT_KEY]) as Record<string, unknown>;
  change(raw);
  return parseConfig(raw);
}

export interface Synthesized {
  readonly app: App;
  readonly outdir: string;
  readonly main: ReturnType<typeof buildApp>['main'];
  readonly inbound: ReturnType<typeof buildApp>['inbound'];
}

/** The app with bundling skipped, in a fresh output directory. */
export function synthApp(config: BillMatcherConfig = exampleConfig()): Synthesized {
  const outdir = mkdtempSync(join(tmpdir(), 'bm-cdk-'));
  const app = new App({ outdir, context: { ...CDK_CONTEXT, 'aws:cdk:bundling-stacks': [] } });
  const { main, inbound } = buildApp(app, config);
  return { app, outdir, main, inbound };
}

export interface Templates {
  readonly main: Template;
  readonly inbound: Template;
  readonly s: Synthesized;
}

let example: Templates | undefined;
let withEveryLane: Templates | undefined;

/**
 * Templates of both stacks (synthesis runs cdk-nag: any unacknowledged finding throws here).
 * Without an argument: the example configuration's, synthesized once per test process and shared
 * by the files it runs (test/infra runs without isolation between files: vitest.config.ts), so
 * read it, never change it — a test that changes the app synthesizes its own (`synthApp`).
 */
export function templates(s?: Synthesized): Templates {
  if (!s) return (example ??= templatesOf(synthApp()));
  return templatesOf(s);
}

function templatesOf(s: Synthesized): Templates {
  return { main: Template.fromStack(s.main), inbound: Template.fromStack(s.inbound), s };
}

/** Every lane configured (Drive sync, an HTTPS and an SFTP portal), so that every function of the product is in the template. */
export const EVERY_LANE = {
  opsEmail: 'master-data@example.com',
  driveSync: { fileId: '1xOrdersAndReceipts0000000000000000000000000' },
  portalPoll: {
    portals: [
      { id: 'acme', kind: 'https', base_url: 'https://portal.acme.example', list: { path: '/api/invoices', format: 'json' }, auth: { kind: 'bearer' } },
      { id: 'globex', kind: 'sftp', host: 'sftp.globex.example', path: '/outbox', host_key_sha256: `SHA256:${'a'.repeat(43)}` },
    ],
  },
};

/** The example configuration with every lane (`EVERY_LANE`), synthesized once per test process like `templates()`; read only. */
export function templatesWithEveryLane(): Templates {
  return (withEveryLane ??= templatesOf(synthApp(exampleConfig((raw) => void (raw.lanes = structuredClone(EVERY_LANE))))));
}

/** The logical id of a construct's CloudFormation resource. */
export function logicalId(construct: { node: { defaultChild?: unknown } }, stack: { getLogicalId(e: never): string; resolve(x: unknown): unknown }): string {
  return stack.resolve(stack.getLogicalId(construct.node.defaultChild as never)) as string;
}

export interface PolicyStatement {
  Effect: string;
  Action: string | string[];
  Resource: unknown;
}

/** Every IAM statement attached to a role (its default policy and any other policy), by role logical id. */
export function statementsOfRole(template: Template, roleLogicalId: string): PolicyStatement[] {
  const policies = template.findResources('AWS::IAM::Policy');
  return Object.values(policies)
    .filter((p) => (p.Properties.Roles as { Ref: string }[]).some((r) => r.Ref === roleLogicalId))
    .flatMap((p) => p.Properties.PolicyDocument.Statement as PolicyStatement[]);
}

/** The actions of statements, flattened. */
export function actionsOf(statements: readonly PolicyStatement[]): string[] {
  return statements.flatMap((s) => (Array.isArray(s.Action) ? s.Action : [s.Action]));
}

/** Statements whose resources mention a logical id (by Ref or GetAtt, anywhere inside). */
export function statementsOn(statements: readonly PolicyStatement[], logicalIdOfResource: string): PolicyStatement[] {
  return statements.filter((s) => JSON.stringify(s.Resource).includes(`"${logicalIdOfResource}"`));
}

/**
 * What a role may do on the bills table (`statements`: the role's): the actions, and per kind the
 * partition keys (`dynamodb:LeadingKeys`) of its statements. Every DynamoDB statement is on the
 * table (and names its keys) or on its indexes (Query only).
 */
export function tableAccessOf(statements: readonly PolicyStatement[], tableLogicalId: string) {
  const st = statements.filter((s) => actionsOf([s]).some((a) => a.startsWith('dynamodb:')));
  const keys = (s: PolicyStatement) => ((s as { Condition?: Record<string, Record<string, string[]>> }).Condition?.['ForAllValues:StringLike']?.['dynamodb:LeadingKeys'] ?? null);
  const onTable = st.filter((s) => JSON.stringify(s.Resource) === JSON.stringify({ 'Fn::GetAtt': [tableLogicalId, 'Arn'] }));
  const onIndex = st.filter((s) => JSON.stringify(s.Resource).includes('/index/*'));
  expect(onTable.length + onIndex.length).toBe(st.length);
  for (const s of onTable) expect(keys(s), JSON.stringify(s)).not.toBeNull();
  for (const s of onIndex) expect(actionsOf([s])).toEqual(['dynamodb:Query']);
  const with_ = (action: string) => onTable.filter((s) => actionsOf([s]).includes(action)).flatMap((s) => keys(s)!);
  return {
    read: with_('dynamodb:GetItem'),
    write: with_('dynamodb:PutItem'),
    delete: with_('dynamodb:DeleteItem'),
    update: with_('dynamodb:UpdateItem'),
    batchWrite: with_('dynamodb:BatchWriteItem'),
    index: onIndex.length > 0,
    actions: [...new Set(actionsOf(st))].sort(),
  };
}
