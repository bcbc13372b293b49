/**
 * The CDK app: `npx cdk synth` / `npx cdk deploy --all` (cdk.json runs this with tsx).
 * Configuration: the `billMatcher` context in cdk.json (docs/deploy.md). A wrong value stops the
 * synth with every problem listed.
 */
import { App } from 'aws-cdk-lib';
import { ConfigError } from '../lib/config.ts';
import { buildApp } from '../lib/stacks.ts';

const app = new App();
try {
  buildApp(app);
} catch (err) {
  if (!(err instanceof ConfigError)) throw err;
  console.error(err.message);
  process.exit(1);
}
app.synth();
