/**
 * The architecture as a build check: the domain (`lambdas/core`) and the readers import no
 * AWS SDK, no Lambda runtime, no adapter, and read no environment variables.
 */
import { readdirSync, readFileSync, statSync } from 'node:fs';
import { join, relative } from 'node:path';

const root = join(import.meta.dirname, '..');
const RULES: { dir: string; forbidden: { pattern: RegExp; why: string }[] }[] = [
  {
    dir: 'lambdas/core',
    forbidden: [
      { pattern: /from ['"]@aws-sdk\//, why: 'imports the AWS SDK' },
      { pattern: /from ['"]aws-lambda['"]/, why: 'imports the Lambda runtime types' },
      { pattern: /from ['"]@aws-lambda-powertools\//, why: 'imports Powertools' },
      { pattern: /from ['"][./]+\/adapters\//, why: 'imports an adapter' },
      { pattern: /process\.env/, why: 'reads the environment' },
    ],
  },
  {
    dir: 'lambdas/readers',
    forbidden: [
      { pattern: /from ['"]@aws-sdk\//, why: 'imports the AWS SDK' },
      { pattern: /from ['"][./]+\/adapters\//, why: 'imports an adapter' },
      { pattern: /process\.env/, why: 'reads the environment' },
    ],
  },
];

function files(dir: string): string[] {
  const out: string[] = [];
  for (const name of readdirSync(dir)) {
    const p = join(dir, name);
    if (statSync(p).isDirectory()) out.push(...files(p));
    else if (p.endsWith('.ts')) out.push(p);
  }
  return out;
}

const problems: string[] = [];
for (const rule of RULES) {
  for (const file of files(join(root, rule.dir))) {
    readFileSync(file, 'utf8')
      .split('\n')
      .forEach((line, i) => {
        for (const f of rule.forbidden) if (f.pattern.test(line)) problems.push(`${relative(root, file)}:${i + 1}: ${f.why}`);
      });
  }
}
if (problems.length > 0) {
  console.error(`architecture boundaries broken:\n${problems.join('\n')}`);
  process.exit(1);
}
console.log('architecture boundaries hold: core and readers import no SDK, no adapter, no environment');
