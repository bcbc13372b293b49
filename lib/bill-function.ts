/**
 * One Lambda function of the product: `lambdas/<name>/handler.ts`, bundled by the local esbuild
 * (no Docker) exactly as `scripts/bundle-report.ts` measures it, on Node.js 22 and arm64, with
 * active tracing, its own log group with a retention, and its own role that starts with nothing
 * but writing to that log group (and X-Ray, which tracing adds).
 */
import { join } from 'node:path';
import { Duration, RemovalPolicy } from 'aws-cdk-lib';
import * as iam from 'aws-cdk-lib/aws-iam';
import { Architecture, Runtime, Tracing } from 'aws-cdk-lib/aws-lambda';
import { NodejsFunction, type NodejsFunctionProps } from 'aws-cdk-lib/aws-lambda-nodejs';
import { LogGroup, RetentionDays } from 'aws-cdk-lib/aws-logs';
import type { Construct } from 'constructs';
import { METRICS_NAMESPACE, SERVICE_NAME } from '../lambdas/shared/powertools.ts';
import { besideBundle, BUNDLING, entryOf, onDemandCommands, PROJECT_ROOT, type BillFunctionName } from './bundle.ts';
import { acknowledge, iam5, REASONS } from './nag.ts';

export interface BillFunctionProps
  extends Omit<
    NodejsFunctionProps,
    'entry' | 'handler' | 'runtime' | 'architecture' | 'tracing' | 'bundling' | 'role' | 'logGroup' | 'logRetention' | 'projectRoot' | 'depsLockFilePath' | 'code'
  > {
  /** Which function: its folder under `lambdas/`. */
  readonly name: BillFunctionName;
  /** How long its logs are kept. @default RetentionDays.ONE_MONTH */
  readonly logRetention?: RetentionDays;
  /** Memory in MB; CPU scales with it. @default 256 */
  readonly memorySize?: number;
  /** @default Duration.seconds(30) */
  readonly timeout?: Duration;
}

export class BillFunction extends NodejsFunction {
  /** The function's own role (one per function). */
  readonly functionRole: iam.Role;
  /** Its log group, with the retention. */
  readonly logs: LogGroup;

  constructor(scope: Construct, id: string, props: BillFunctionProps) {
    const { name, logRetention, environment, ...rest } = props;
    const beside = besideBundle(name);
    const role = new iam.Role(scope, `${id}Role`, {
      assumedBy: new iam.ServicePrincipal('lambda.amazonaws.com'),
      description: `bill matcher ${name}: only what this function uses`,
    });
    const logs = new LogGroup(scope, `${id}Logs`, {
      retention: logRetention ?? RetentionDays.ONE_MONTH,
      removalPolicy: RemovalPolicy.DESTROY,
    });
    super(scope, id, {
      memorySize: 256,
      timeout: Duration.seconds(30),
      description: `bill matcher: ${name}`,
      ...rest,
      entry: entryOf(name),
      handler: 'handler',
      runtime: Runtime.NODEJS_22_X,
      architecture: Architecture.ARM_64,
      tracing: Tracing.ACTIVE,
      role,
      logGroup: logs,
      projectRoot: PROJECT_ROOT,
      depsLockFilePath: join(PROJECT_ROOT, 'package-lock.json'),
      bundling: {
        minify: BUNDLING.minify,
        sourceMap: BUNDLING.sourceMap,
        sourcesContent: BUNDLING.sourcesContent,
        target: BUNDLING.target,
        format: BUNDLING.format,
        banner: BUNDLING.banner,
        mainFields: [...BUNDLING.mainFields],
        externalModules: [...BUNDLING.externalModules, ...beside.externals],
        esbuildArgs: Object.fromEntries(Object.entries(BUNDLING.alias).map(([k, v]) => [`--alias:${k}`, v])),
        ...(beside.files.length > 0
          ? {
              commandHooks: {
                beforeBundling: () => [],
                beforeInstall: () => [],
                afterBundling: (inputDir: string, outputDir: string) => onDemandCommands(inputDir, outputDir, beside.files),
              },
            }
          : {}),
      },
      environment: {
        NODE_OPTIONS: '--enable-source-maps',
        POWERTOOLS_SERVICE_NAME: SERVICE_NAME,
        POWERTOOLS_METRICS_NAMESPACE: METRICS_NAMESPACE,
        POWERTOOLS_LOG_LEVEL: 'INFO',
        // Never attach a response to a trace: it may hold bill details.
        POWERTOOLS_TRACER_CAPTURE_RESPONSE: 'false',
        ...environment,
      },
    });
    this.functionRole = role;
    this.logs = logs;
    logs.grantWrite(role);
    acknowledge(this, 'AwsSolutions-L1', REASONS.nodeRuntime);
    acknowledge(role, iam5.resource('*'), REASONS.xray);
  }

  /** Acknowledges cdk-nag findings on this function's role, each with its reason. */
  acknowledgeOnRole(findings: Readonly<Record<string, string>>): void {
    for (const [id, reason] of Object.entries(findings)) acknowledge(this.functionRole, id, reason);
  }
}
