/**
 * IAM, simulated over DynamoDB Local: DynamoDB Local checks no permissions, so a store call that
 * the deployed role does not allow (a key prefix missing from `dynamodb:LeadingKeys`, an action
 * the role lacks, a query on an index without the index statement) passes every test and fails
 * in AWS with AccessDeniedException. This module evaluates each request a client sends the way
 * IAM would, against a role's identity-based statements, and refuses it as AWS does.
 *
 * What it models (the subset of IAM and DynamoDB's authorization the product's roles use):
 * - the action of each request: GetItem, Query, Scan, PutItem, UpdateItem, DeleteItem,
 *   BatchGetItem, BatchWriteItem; TransactWriteItems as each item's own action (Put → PutItem,
 *   Update → UpdateItem, Delete → DeleteItem, ConditionCheck → ConditionCheckItem), and
 *   TransactGetItems as GetItem per item (these two are not IAM actions themselves); any other
 *   command as `dynamodb:<Name>` on the table (DescribeTable, PartiQL… are refused unless granted);
 * - the resource: the table's ARN, or `<table ARN>/index/<name>` for a query or scan of an index;
 * - `dynamodb:LeadingKeys`: the partition-key values a request touches (the key of each item of
 *   Key/Item, of every item of a batch, the value bound to the hash key in a query's
 *   KeyConditionExpression — the index's hash key for an index query); none for a scan;
 * - statements: Effect (an explicit Deny wins), Action and Resource with `*`/`?` wildcards, and
 *   the conditions `ForAllValues:StringLike` / `ForAllValues:StringEquals` on LeadingKeys (as in
 *   IAM, ForAllValues over no values is true). Any other condition is not guessed: it throws.
 */
import { DynamoDBServiceException, type DynamoDBClient } from '@aws-sdk/client-dynamodb';
import { BILLS_TABLE } from '../../lambdas/adapters/aws/table.ts';

export const SIM_REGION = 'eu-west-1';
export const SIM_ACCOUNT = '123456789012';
export const tableArn = (tableName: string) => `arn:aws:dynamodb:${SIM_REGION}:${SIM_ACCOUNT}:table/${tableName}`;

/** An IAM statement as CloudFormation holds it, with resources resolved to ARNs. */
export interface SimStatement {
  readonly Sid?: string;
  readonly Effect: 'Allow' | 'Deny';
  readonly Action: string | readonly string[];
  readonly Resource: string | readonly string[];
  readonly Condition?: Readonly<Record<string, Readonly<Record<string, string | readonly string[]>>>>;
}

/** One authorization request, as IAM evaluates it. */
export interface IamRequest {
  readonly action: string;
  readonly resource: string;
  /** The partition-key values (`dynamodb:LeadingKeys`). */
  readonly leadingKeys: readonly string[];
}

/** What a guarded client refused or allowed, for the test to assert on. */
export interface SimLog {
  readonly denied: { request: IamRequest; command: string }[];
  readonly allowed: { request: IamRequest; command: string }[];
}

const KEY = BILLS_TABLE;
/** Each index's hash key, from the one definition of the table (every `{ indexName, partitionKey }` in it). */
const INDEX_HASH_KEYS: Record<string, string> = Object.fromEntries(
  Object.values(KEY)
    .filter((v): v is { indexName: string; partitionKey: string } & typeof v => typeof v === 'object' && v !== null && 'indexName' in v && 'partitionKey' in v)
    .map((v) => [v.indexName, v.partitionKey]),
);

type AttributeValue = { S?: string; N?: string; B?: Uint8Array } | string;
type Input = Record<string, unknown>;

function text(v: unknown): string {
  if (typeof v === 'string') return v;
  const a = v as Exclude<AttributeValue, string> | undefined;
  if (a?.S !== undefined) return a.S;
  if (a?.N !== undefined) return a.N;
  throw new Error(`the simulation reads string or number keys only, got ${JSON.stringify(v)}`);
}

const pkOf = (item: unknown) => text((item as Record<string, unknown>)[KEY.partitionKey]);

/** The hash-key value a KeyConditionExpression (or legacy KeyConditions) binds. */
function boundHashKey(input: Input, hashKey: string): string {
  const names = (input.ExpressionAttributeNames ?? {}) as Record<string, string>;
  const values = (input.ExpressionAttributeValues ?? {}) as Record<string, unknown>;
  const expr = input.KeyConditionExpression as string | undefined;
  if (expr) {
    const name = (n: string) => names[n] ?? n;
    for (const m of expr.matchAll(/([#\w.]+)\s*=\s*(:\w+)|(:\w+)\s*=\s*([#\w.]+)/g)) {
      const [attr, value] = m[1] ? [m[1], m[2]!] : [m[4]!, m[3]!];
      if (name(attr) === hashKey) return text(values[value]);
    }
    throw new Error(`no equality on the hash key ${hashKey} in the key condition ${JSON.stringify(expr)}`);
  }
  const legacy = (input.KeyConditions ?? {}) as Record<string, { AttributeValueList?: unknown[] }>;
  if (legacy[hashKey]?.AttributeValueList?.[0] !== undefined) return text(legacy[hashKey]!.AttributeValueList![0]);
  throw new Error('a query without a key condition');
}

/** The authorization requests one DynamoDB command makes. */
export function requestsOf(command: string, input: Input): IamRequest[] {
  const name = command.replace(/Command$/, '');
  const table = (t: unknown) => tableArn(String(t));
  switch (name) {
    case 'GetItem':
    case 'DeleteItem':
    case 'UpdateItem':
      return [{ action: `dynamodb:${name}`, resource: table(input.TableName), leadingKeys: [pkOf(input.Key)] }];
    case 'PutItem':
      return [{ action: 'dynamodb:PutItem', resource: table(input.TableName), leadingKeys: [pkOf(input.Item)] }];
    case 'Query': {
      const index = input.IndexName as string | undefined;
      const hashKey = index ? INDEX_HASH_KEYS[index] : KEY.partitionKey;
      if (!hashKey) throw new Error(`unknown index ${index}`);
      return [{ action: 'dynamodb:Query', resource: index ? `${table(input.TableName)}/index/${index}` : table(input.TableName), leadingKeys: [boundHashKey(input, hashKey)] }];
    }
    case 'Scan': {
      const index = input.IndexName as string | undefined;
      return [{ action: 'dynamodb:Scan', resource: index ? `${table(input.TableName)}/index/${index}` : table(input.TableName), leadingKeys: [] }];
    }
    case 'BatchGetItem':
      return Object.entries(input.RequestItems as Record<string, { Keys: unknown[] }>).map(([t, r]) => ({ action: 'dynamodb:BatchGetItem', resource: table(t), leadingKeys: r.Keys.map(pkOf) }));
    case 'BatchWriteItem':
      return Object.entries(input.RequestItems as Record<string, { PutRequest?: { Item: unknown }; DeleteRequest?: { Key: unknown } }[]>).map(([t, rs]) => ({
        action: 'dynamodb:BatchWriteItem',
        resource: table(t),
        leadingKeys: rs.map((r) => pkOf(r.PutRequest ? r.PutRequest.Item : r.DeleteRequest!.Key)),
      }));
    case 'TransactWriteItems':
      return (input.TransactItems as Record<string, Input>[]).map((it) => {
        const [kind, body] = Object.entries(it).find(([, v]) => v !== undefined)!;
        const action = { Put: 'PutItem', Update: 'UpdateItem', Delete: 'DeleteItem', ConditionCheck: 'ConditionCheckItem' }[kind];
        if (!action) throw new Error(`unknown transaction item ${kind}`);
        return { action: `dynamodb:${action}`, resource: table(body.TableName), leadingKeys: [pkOf(kind === 'Put' ? body.Item : body.Key)] };
      });
    case 'TransactGetItems':
      return (input.TransactItems as { Get: Input }[]).map(({ Get }) => ({ action: 'dynamodb:GetItem', resource: table(Get.TableName), leadingKeys: [pkOf(Get.Key)] }));
    default:
      return [{ action: `dynamodb:${name}`, resource: table(input.TableName ?? '*'), leadingKeys: [] }];
  }
}

/** IAM's wildcard match: `*` any run of characters, `?` one; `caseless` for actions. */
function like(pattern: string, value: string, caseless = false): boolean {
  const re = new RegExp(`^${pattern.replace(/[.+^${}()|[\]\\]/g, '\\$&').replace(/\*/g, '.*').replace(/\?/g, '.')}$`, caseless ? 'is' : 's');
  return re.test(value);
}

const list = (x: string | readonly string[]) => (typeof x === 'string' ? [x] : [...x]);

function conditionHolds(condition: SimStatement['Condition'], r: IamRequest): boolean {
  for (const [operator, keys] of Object.entries(condition ?? {})) {
    for (const [key, expected] of Object.entries(keys)) {
      if (key !== 'dynamodb:LeadingKeys') throw new Error(`the simulation does not evaluate the condition key ${key}`);
      const patterns = list(expected);
      if (operator === 'ForAllValues:StringLike') {
        if (!r.leadingKeys.every((v) => patterns.some((p) => like(p, v)))) return false;
      } else if (operator === 'ForAllValues:StringEquals') {
        if (!r.leadingKeys.every((v) => patterns.includes(v))) return false;
      } else throw new Error(`the simulation does not evaluate the condition operator ${operator}`);
    }
  }
  return true;
}

function matches(s: SimStatement, r: IamRequest): boolean {
  return list(s.Action).some((a) => like(a, r.action, true)) && list(s.Resource).some((p) => like(p, r.resource)) && conditionHolds(s.Condition, r);
}

/** IAM's decision for one request: an explicit Deny wins, else any Allow, else the implicit deny. */
export function isAllowed(statements: readonly SimStatement[], r: IamRequest): boolean {
  if (statements.some((s) => s.Effect === 'Deny' && matches(s, r))) return false;
  return statements.some((s) => s.Effect === 'Allow' && matches(s, r));
}

/**
 * CloudFormation statements with their resources resolved: `Fn::GetAtt [<table>, Arn]` becomes
 * the simulated table's ARN, `Fn::Join` is joined, `AWS::NoValue` dropped; anything else becomes
 * an ARN that matches nothing (the role has no rights on the simulated table through it).
 */
export function resolveStatements(statements: readonly unknown[], tables: Readonly<Record<string, string>>): SimStatement[] {
  const resolve = (x: unknown): string | null => {
    if (typeof x === 'string') return x;
    const o = x as Record<string, unknown>;
    if (o['Fn::GetAtt']) {
      const [id, attr] = o['Fn::GetAtt'] as [string, string];
      return attr === 'Arn' && tables[id] ? tableArn(tables[id]) : `arn:unresolved:${id}.${attr}`;
    }
    if (o['Fn::Join']) {
      const [sep, parts] = o['Fn::Join'] as [string, unknown[]];
      return parts.map(resolve).join(sep);
    }
    if (o.Ref === 'AWS::NoValue') return null;
    if (typeof o.Ref === 'string') return `arn:unresolved:${o.Ref}`;
    return `arn:unresolved:${JSON.stringify(x)}`;
  };
  return statements.map((raw) => {
    const s = raw as { Sid?: string; Effect: 'Allow' | 'Deny'; Action: string | string[]; Resource: unknown; Condition?: SimStatement['Condition'] };
    const resources = (Array.isArray(s.Resource) ? s.Resource : [s.Resource]).map(resolve).filter((r): r is string => r !== null);
    return { ...(s.Sid ? { Sid: s.Sid } : {}), Effect: s.Effect, Action: s.Action, Resource: resources, ...(s.Condition ? { Condition: s.Condition } : {}) };
  });
}

/** The error DynamoDB answers a request IAM refuses with (same name, fault and status as the service's). */
export function accessDenied(role: string, r: IamRequest): DynamoDBServiceException {
  return new DynamoDBServiceException({
    name: 'AccessDeniedException',
    $fault: 'client',
    $metadata: { httpStatusCode: 400 },
    message:
      `User: arn:aws:sts::${SIM_ACCOUNT}:assumed-role/${role}/${role} is not authorized to perform: ${r.action} on resource: ${r.resource} ` +
      `because no identity-based policy allows the ${r.action} action (leading keys: ${r.leadingKeys.join(', ') || 'none'})`,
  });
}

/**
 * Puts the simulation in front of every request `client` sends (and every document client built
 * on it, which shares its middleware): a refused request never reaches DynamoDB Local and
 * fails with AccessDeniedException; each decision is logged in `log`.
 */
export function guardClient(client: DynamoDBClient, role: string, statements: readonly SimStatement[], log: SimLog): DynamoDBClient {
  client.middlewareStack.add(
    (next, context) => async (args) => {
      const command = String((context as { commandName?: string }).commandName ?? 'Unknown');
      for (const request of requestsOf(command, args.input as Input)) {
        if (!isAllowed(statements, request)) {
          log.denied.push({ request, command });
          throw accessDenied(role, request);
        }
        log.allowed.push({ request, command });
      }
      return next(args);
    },
    // After the document client's marshalling (serialize step): the input holds attribute values.
    { step: 'build', name: 'iamSimulation', priority: 'high' },
  );
  return client;
}
