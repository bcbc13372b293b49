/** cdk-nag's AWS Solutions checks: no finding may be left unacknowledged. */
import { existsSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { Queue } from 'aws-cdk-lib/aws-sqs';
import { describe, expect, it } from 'vitest';
import { exampleConfig, synthApp, SYNTH_TIMEOUT } from './support.ts';

interface Report {
  pluginReports: { pluginName: string; violations: { ruleName: string; severity?: string; violatingConstructs: { constructPath: string }[] }[] }[];
}

/** Synthesizes and returns the findings cdk-nag reports as `rule @ path` (empty when clean). */
function findings(s = synthApp()): string[] {
  try {
    s.app.synth();
  } catch (err) {
    // cdk-nag makes synth throw; the report is written before.
    if (!existsSync(join(s.outdir, 'validation-report.json'))) throw err;
  }
  const file = join(s.outdir, 'validation-report.json');
  if (!existsSync(file)) return [];
  const report = JSON.parse(readFileSync(file, 'utf8')) as Report;
  return report.pluginReports.flatMap((p) =>
    p.violations.filter((v) => v.severity !== 'warning').flatMap((v) => v.violatingConstructs.map((c) => `${v.ruleName} @ ${c.constructPath}`)),
  );
}

describe('cdk-nag AwsSolutions', () => {
  it('reports no unacknowledged finding on the example configuration', () => {
    expect(findings()).toEqual([]);
  }, SYNTH_TIMEOUT);

  it('reports no unacknowledged finding with a hosted zone, another sender domain and extraction off', () => {
    const config = exampleConfig((c) => {
      c.hostedZone = { id: 'Z0123456789ABCDEFGHIJ', name: 'example.com' };
      c.sender = 'ap@example.org';
      c.extraction = { enabled: false };
    });
    expect(findings(synthApp(config))).toEqual([]);
  }, SYNTH_TIMEOUT);

  it('does catch a finding (the check is live)', () => {
    const s = synthApp();
    // An unencrypted, unlogged queue without a DLQ: AwsSolutions-SQS2/SQS3/SQS4.
    new Queue(s.main, 'Unacknowledged');
    expect(findings(s).some((f) => f.includes('Unacknowledged'))).toBe(true);
  }, SYNTH_TIMEOUT);
});

