/**
 * `npx cdk synth` as an operator runs it: the real CLI, cdk.json's app command, every function
 * bundled by the local esbuild (no Docker, no AWS account, no network), cdk-nag applied.
 */
import { execFile } from 'node:child_process';
import { existsSync, mkdtempSync, readdirSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { promisify } from 'node:util';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { BILL_FUNCTIONS, MAIL_FUNCTIONS, OPTIONAL_FUNCTIONS, PROJECT_ROOT, READER_FUNCTIONS } from '../../lib/bundle.ts';

const run = promisify(execFile);

describe('npx cdk synth', () => {
  let out: string;
  let result: { stdout: string; stderr: string };

  beforeAll(async () => {
    out = mkdtempSync(join(tmpdir(), 'bm-cdk-cli-'));
    result = await run(join(PROJECT_ROOT, 'node_modules', '.bin', 'cdk'), ['synth', '--quiet', '--no-notices', '--output', out], {
      cwd: PROJECT_ROOT,
      env: { ...process.env, CDK_DISABLE_CLI_TELEMETRY: 'true', AWS_REGION: 'eu-west-1', AWS_EC2_METADATA_DISABLED: 'true' },
      maxBuffer: 64 * 1024 * 1024,
    });
  }, 240_000);

  afterAll(() => rmSync(out, { recursive: true, force: true }));

  it('writes both stacks', () => {
    // The CLI writes its messages to stderr, or to stdout when CI is set.
    expect(result.stderr + result.stdout).toContain('Successfully synthesized');
    expect(existsSync(join(out, 'BillMatcher.template.json'))).toBe(true);
    expect(existsSync(join(out, 'BillMatcher-InboundMail.template.json'))).toBe(true);
  });

  it('bundles every function, the readers with pdf.js and the charset tables beside them', () => {
    const template = JSON.parse(readFileSync(join(out, 'BillMatcher.template.json'), 'utf8')) as { Resources: Record<string, { Type: string; Metadata?: Record<string, string> }> };
    const functions = Object.values(template.Resources).filter((r) => r.Type === 'AWS::Lambda::Function' && r.Metadata?.['aws:asset:path']?.startsWith('asset.'));
    expect(functions.length).toBeGreaterThanOrEqual(BILL_FUNCTIONS.length - OPTIONAL_FUNCTIONS.size); // the optional lanes are off in cdk.json
    const assets = functions.map((f) => join(out, f.Metadata!['aws:asset:path']!));
    for (const a of assets) expect(existsSync(join(a, 'index.mjs')), a).toBe(true);
    // The charset tables ship beside the two readers and the ack function (which opens a stored
    // email to show a bill's original document); pdf.js only beside the readers.
    const withTables = assets.filter((a) => existsSync(join(a, 'tables')));
    expect(withTables).toHaveLength(READER_FUNCTIONS.size + MAIL_FUNCTIONS.size);
    for (const a of withTables) expect(readdirSync(join(a, 'tables'))).toContain('cp936.json');
    const readers = assets.filter((a) => existsSync(join(a, 'node_modules', 'pdfjs-dist')));
    expect(readers).toHaveLength(READER_FUNCTIONS.size);
    for (const a of readers) {
      expect(readdirSync(join(a, 'node_modules', 'pdfjs-dist', 'legacy', 'build')).sort()).toEqual(['pdf.mjs', 'pdf.worker.mjs']);
      expect(existsSync(join(a, 'tables'))).toBe(true);
    }
    // The summary: resvg's WebAssembly and the chart's font beside its bundle.
    expect(assets.filter((a) => existsSync(join(a, 'resvg.wasm')) && existsSync(join(a, 'LiberationSans-Regular.ttf')))).toHaveLength(1);
  });
});
