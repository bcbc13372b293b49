/**
 * `npm run eval:extraction -- --stack NAME [--region R] [--limit N] [--usd-per-mtok-in X]
 * [--usd-per-mtok-out Y] [--usd-per-page Z]`: sends the shared corpus's PDFs and images through a
 * deployed stack's extraction task (the `extract` function: Textract for images, the text layer
 * for PDFs, then the configured Bedrock model) and scores the bills like `npm run conformance`,
 * by family and by confidence band, with the pages and tokens each bill cost. For ops, after a
 * model change (docs/pdf-extraction.md, "Evaluating the AWS path").
 *
 * 1. Find the stack's documents bucket (output DocumentsBucketName) and its extract function
 *    (the stack's Lambda function whose logical id contains `Extract`).
 * 2. For each corpus document: store it under `eval/<sha256>.<ext>` (never under `uploads/`,
 *    which would start the workflow), invoke the function with one part marked for extraction,
 *    one document at a time, each invocation bounded by the function's own timeout.
 * 3. Score every field (right and confident, right but doubtful, wrong but doubtful, confidently
 *    wrong, not read), per family and per confidence band; sum pages and tokens; exit 1 when a
 *    value is confidently wrong.
 *
 * Nothing is decided or stored in the bills table: the extract task only reads.
 */
import { createHash } from 'node:crypto';
import { existsSync, readFileSync, readdirSync } from 'node:fs';
import { basename, join, relative } from 'node:path';
import { CloudFormationClient, ListStackResourcesCommand } from '@aws-sdk/client-cloudformation';
import { InvokeCommand, LambdaClient } from '@aws-sdk/client-lambda';
import { DeleteObjectCommand, PutObjectCommand, S3Client } from '@aws-sdk/client-s3';
import { stackOutputs } from '../lambdas/adapters/aws/stack-outputs.ts';
import type { CanonicalBill } from '../lambdas/core/bill.ts';
import { normalizeSign } from '../lambdas/readers/normalize.ts';
import { invoice2dataExpectations, truthExpectations, verdict, type Expectation, type Json, type Verdict } from './conformance/pdf.ts';

const args = process.argv.slice(2);
const flag = (name: string) => {
  const i = args.indexOf(`--${name}`);
  return i >= 0 ? args[i + 1] : undefined;
};
const stack = flag('stack');
if (!stack) {
  console.error('usage: npm run eval:extraction -- --stack NAME [--region R] [--limit N] [--usd-per-mtok-in X] [--usd-per-mtok-out Y] [--usd-per-page Z]');
  process.exit(2);
}
const region = flag('region');
const limit = Number(flag('limit') ?? Infinity);
const price = { in: Number(flag('usd-per-mtok-in') ?? NaN), out: Number(flag('usd-per-mtok-out') ?? NaN), page: Number(flag('usd-per-page') ?? NaN) };
const corpus = join(import.meta.dirname, '..', '..', 'shared', 'corpus');
if (!existsSync(corpus)) {
  console.error(`eval:extraction: no shared corpus at ${corpus}`);
  process.exit(2);
}

interface Doc {
  readonly family: string;
  readonly path: string;
  readonly expectations: (bill: CanonicalBill | null) => Expectation[];
}

function documents(): Doc[] {
  const out: Doc[] = [];
  const i2d = join(corpus, 'pdf-invoices', 'invoice2data');
  for (const f of readdirSync(i2d).sort()) {
    const json = join(i2d, f.replace(/\.(pdf|png)$/i, '.json'));
    if (!/\.(pdf|png)$/i.test(f) || !existsSync(json) || f === 'AzureInterior.pdf') continue;
    const expected = (JSON.parse(readFileSync(json, 'utf8')) as Json[])[0] ?? {};
    const rel = relative(corpus, join(i2d, f));
    out.push({ family: f.endsWith('.png') ? 'pdf-invoices (PNG, Textract)' : 'pdf-invoices (PDF)', path: join(i2d, f), expectations: (b) => invoice2dataExpectations(rel.replace(/\.png$/i, '.pdf'), expected, b) });
  }
  const index = JSON.parse(readFileSync(join(corpus, 'einvoice/truth/INDEX.json'), 'utf8')) as { documents: { corpus_path: string; truth_path: string }[] };
  for (const d of index.documents.filter((x) => /\.pdf$/i.test(x.corpus_path))) {
    const truth = JSON.parse(readFileSync(join(corpus, d.truth_path), 'utf8')) as Json;
    out.push({ family: 'Factur-X (text layer + model)', path: join(corpus, d.corpus_path), expectations: (b) => truthExpectations(truth, b) });
  }
  return out.slice(0, limit);
}

const BANDS = [0.9, 0.8, 0.5, 0] as const;
const band = (c: number | undefined) => `≥ ${BANDS.find((b) => (c ?? 1) >= b)}`;

async function main(): Promise<number> {
  const options = region ? { region } : {};
  const cfn = new CloudFormationClient(options);
  const outputs = await stackOutputs(stack!, cfn);
  const bucket = outputs['DocumentsBucketName'];
  if (!bucket) throw new Error(`stack ${stack} has no DocumentsBucketName output`);
  const resources = await cfn.send(new ListStackResourcesCommand({ StackName: stack }));
  const fn = resources.StackResourceSummaries?.find((r) => r.ResourceType === 'AWS::Lambda::Function' && /Extract/.test(r.LogicalResourceId ?? ''))?.PhysicalResourceId;
  if (!fn) throw new Error(`stack ${stack} has no extract function`);
  const s3 = new S3Client(options);
  const lambda = new LambdaClient(options);

  const counts = new Map<string, Record<Verdict, number>>();
  const add = (key: string, v: Verdict) => {
    const row = counts.get(key) ?? { 'right-high': 0, 'right-low': 0, honest: 0, missing: 0, 'wrong-high': 0 };
    row[v]++;
    counts.set(key, row);
  };
  const failures: string[] = [];
  const usage = { bills: 0, pages: 0, in: 0, out: 0 };
  for (const doc of documents()) {
    const bytes = readFileSync(doc.path);
    const hash = createHash('sha256').update(bytes).digest('hex');
    const ext = doc.path.split('.').pop()!.toLowerCase();
    const key = `eval/${hash}.${ext}`;
    await s3.send(new PutObjectCommand({ Bucket: bucket, Key: key, Body: bytes }));
    const event = {
      submission: { id: `eval-${hash}`, document_key: key, name: basename(doc.path), submitter: null, received_at: new Date().toISOString() },
      read: { parts: [{ part: 0, format: ext === 'png' ? 'image' : 'pdf-text', bill: null, exceptions: [], document_hash: hash, needs_extraction: true }], needs_extraction: true },
    };
    const reply = await lambda.send(new InvokeCommand({ FunctionName: fn, Payload: new TextEncoder().encode(JSON.stringify(event)) }));
    await s3.send(new DeleteObjectCommand({ Bucket: bucket, Key: key }));
    const payload = JSON.parse(new TextDecoder().decode(reply.Payload ?? new Uint8Array())) as { parts?: { bill: CanonicalBill | null; extraction: { pages: number; input_tokens: number; output_tokens: number } | null }[] };
    const part = payload.parts?.[0];
    const bill = part?.bill ? normalizeSign(part.bill) : null;
    usage.bills++;
    usage.pages += part?.extraction?.pages ?? 0;
    usage.in += part?.extraction?.input_tokens ?? 0;
    usage.out += part?.extraction?.output_tokens ?? 0;
    for (const e of doc.expectations(bill)) {
      const v = verdict(bill ? e : { ...e, got: null });
      add(`family | ${doc.family}`, v);
      if (v !== 'missing') add(`band | confidence ${band(e.confidence)}`, v);
      if (v === 'wrong-high') failures.push(`${relative(corpus, doc.path)}: ${e.path} expected ${JSON.stringify(e.want)}, got ${JSON.stringify(e.got)} (${e.confidence})`);
    }
    process.stderr.write('.');
  }
  process.stderr.write('\n');
  const pct = (c: Record<Verdict, number>, k: Verdict) => {
    const n = Object.values(c).reduce((a, b) => a + b, 0);
    return `${c[k]} (${((100 * c[k]) / Math.max(1, n)).toFixed(1)} %)`;
  };
  console.log(`Extraction evaluation of stack ${stack} (function ${fn}), ${usage.bills} bills\n`);
  console.log('| stratum | right and confident | right but doubtful | wrong but doubtful | CONFIDENTLY WRONG | not read |');
  console.log('|---|---:|---:|---:|---:|---:|');
  for (const [k, c] of [...counts.entries()].sort()) console.log(`| ${k} | ${pct(c, 'right-high')} | ${pct(c, 'right-low')} | ${pct(c, 'honest')} | ${pct(c, 'wrong-high')} | ${pct(c, 'missing')} |`);
  const per = (n: number) => (n / Math.max(1, usage.bills)).toFixed(1);
  console.log(`\nPer bill: ${per(usage.pages)} pages, ${per(usage.in)} input tokens, ${per(usage.out)} output tokens.`);
  if ([price.in, price.out, price.page].every(Number.isFinite)) {
    const usd = (usage.in * price.in + usage.out * price.out) / 1e6 + usage.pages * price.page;
    console.log(`Cost: ${(usd / Math.max(1, usage.bills)).toFixed(4)} USD per bill at the prices given.`);
  }
  if (failures.length) console.log(`\nConfidently wrong (${failures.length}):\n${failures.map((f) => `  - ${f}`).join('\n')}`);
  return failures.length > 0 ? 1 : 0;
}

process.exitCode = await main();
