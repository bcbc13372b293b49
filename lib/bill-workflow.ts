/**
 * The way a document goes: S3 ObjectCreated (raw mail under `raw/`, uploads under `uploads/`)
 * → intake → the submissions queue (encrypted, TLS only, dead-letter queue after five receives)
 * → the starter (one execution per submission, named after it: idempotent) → the Step Functions
 * state machine deployed from `state-machines/process-document.asl.json`, its `${Placeholders}`
 * bound to the task functions' ARNs.
 *
 * Standard type. The document's execution decides its bills and ends; each bill that needs a
 * person gets its own execution of `state-machines/approve-bill.asl.json` (started with the
 * `states:startExecution` integration, not awaited), which waits out quiet hours and then for
 * its approvers for up to three weeks. A child execution per bill rather than a Distributed Map:
 * the approvals of one file have nothing to aggregate, a child costs three transitions, and an
 * inline Map would let at most 40 bills wait at once (see docs/reliability.md).
 */
import { readFileSync } from 'node:fs';
import { Aws, Duration, RemovalPolicy, Stack, Validations } from 'aws-cdk-lib';
import * as iam from 'aws-cdk-lib/aws-iam';
import { Rule } from 'aws-cdk-lib/aws-events';
import { LambdaFunction } from 'aws-cdk-lib/aws-events-targets';
import { SqsEventSource } from 'aws-cdk-lib/aws-lambda-event-sources';
import { LogGroup, RetentionDays } from 'aws-cdk-lib/aws-logs';
import { EventType } from 'aws-cdk-lib/aws-s3';
import { LambdaDestination } from 'aws-cdk-lib/aws-s3-notifications';
import { Queue, QueueEncryption } from 'aws-cdk-lib/aws-sqs';
import { DefinitionBody, LogLevel, StateMachine, StateMachineType } from 'aws-cdk-lib/aws-stepfunctions';
import { Construct } from 'constructs';
import { ENV } from '../lambdas/config.ts';
import {
  APPROVAL_DEFINITION,
  APPROVAL_MACHINE_PLACEHOLDER,
  WORKFLOW_DEFINITION,
  WORKFLOW_FUNCTIONS,
  type WorkflowFunction,
} from '../lambdas/adapters/local/local-workflow.ts';
import { PREFIXES } from '../lambdas/shared/intake.ts';
import type { Approvals } from './approvals.ts';
import { BillFunction } from './bill-function.ts';
import { arnRef, iam5, REASONS } from './nag.ts';
import type { Storage } from './storage.ts';
import { grantTableAccess, TABLE_ACCESS } from './table-access.ts';

/** The extraction path's model configuration (Textract + Bedrock). */
export interface ExtractionSettings {
  /** Bedrock model or cross-region inference-profile id. */
  readonly modelId: string;
  /** Supplier → model id overrides. @default {} */
  readonly supplierModels?: Readonly<Record<string, string>>;
}

export interface BillWorkflowProps {
  readonly storage: Pick<Storage, 'rawMail' | 'documents' | 'table'>;
  readonly approvals: Approvals;
  /** The extraction path; without it scans go to review. @default undefined (off) */
  readonly extraction?: ExtractionSettings;
  /** How often a message is received before it goes to the dead-letter queue. @default 5 */
  readonly maxReceiveCount?: number;
  /** @default RetentionDays.ONE_MONTH */
  readonly logRetention?: RetentionDays;
}

export class BillWorkflow extends Construct {
  readonly intake: BillFunction;
  readonly starter: BillFunction;
  /** The task functions, by name (`WORKFLOW_FUNCTIONS`). */
  readonly tasks: Record<WorkflowFunction, BillFunction>;
  readonly queue: Queue;
  readonly deadLetterQueue: Queue;
  /** Events intake could not take after Lambda's own retries (asynchronous invocation). */
  readonly intakeDeadLetterQueue: Queue;
  readonly stateMachine: StateMachine;
  /** One execution per bill that needs a person (started by `stateMachine`): waits for quiet hours and the approvers. */
  readonly approvalMachine: StateMachine;

  constructor(scope: Construct, id: string, props: BillWorkflowProps) {
    super(scope, id);
    const { rawMail, documents, table } = props.storage;
    const logRetention = props.logRetention;

    // 1. The queue in front of the workflow.
    const queueDefaults = { encryption: QueueEncryption.SQS_MANAGED, enforceSSL: true } as const;
    this.deadLetterQueue = new Queue(this, 'SubmissionsDlq', { ...queueDefaults, retentionPeriod: Duration.days(14) });
    this.intakeDeadLetterQueue = new Queue(this, 'IntakeDlq', { ...queueDefaults, retentionPeriod: Duration.days(14) });
    const starterTimeout = Duration.seconds(30);
    this.queue = new Queue(this, 'Submissions', {
      ...queueDefaults,
      // Six times the consumer's timeout, as Lambda's SQS integration recommends.
      visibilityTimeout: Duration.seconds(starterTimeout.toSeconds() * 6),
      retentionPeriod: Duration.days(4),
      deadLetterQueue: { queue: this.deadLetterQueue, maxReceiveCount: props.maxReceiveCount ?? 5 },
    });

    // 2. Intake: S3 events → submissions on the queue.
    this.intake = new BillFunction(this, 'Intake', {
      name: 'intake',
      description: 'bill matcher: S3 arrivals (raw mail, uploads) to the submissions queue',
      logRetention,
      deadLetterQueue: this.intakeDeadLetterQueue,
      retryAttempts: 2,
      environment: { [ENV.DOCUMENT_BUCKET]: documents.bucketName, [ENV.QUEUE_URL]: this.queue.queueUrl },
    });
    this.queue.grantSendMessages(this.intake);
    rawMail.grantRead(this.intake, `${PREFIXES.rawMail}*`);
    documents.grantPut(this.intake, `${PREFIXES.mail}*`);
    rawMail.addEventNotification(EventType.OBJECT_CREATED, new LambdaDestination(this.intake), { prefix: PREFIXES.rawMail });
    documents.addEventNotification(EventType.OBJECT_CREATED, new LambdaDestination(this.intake), { prefix: PREFIXES.uploads });
    this.intake.acknowledgeOnRole({
      ...s3Read,
      [iam5.action('s3:Abort*')]: REASONS.s3PutGrant,
      [iam5.resource(`${arnRef(rawMail)}/${PREFIXES.rawMail}*`)]: `${REASONS.objectsOfPrefix} Intake reads the header block of each raw email and copies it.`,
      [iam5.resource(`${arnRef(documents)}/${PREFIXES.mail}*`)]: `${REASONS.objectsOfPrefix} Intake writes each email, unchanged, under mail/ for the workflow.`,
    });

    // 3. The task functions the definition's placeholders name.
    const task = (name: WorkflowFunction, id: string, extra: Partial<ConstructorParameters<typeof BillFunction>[2]> = {}) =>
      new BillFunction(this, id, { name, logRetention, ...extra });
    const readDocument = task('read-document', 'ReadDocument', {
      // PDF text layers are parsed here: CPU scales with memory.
      memorySize: 1024,
      timeout: Duration.seconds(60),
      environment: { [ENV.DOCUMENT_BUCKET]: documents.bucketName },
    });
    documents.grantRead(readDocument);
    grantTableAccess(readDocument, table, TABLE_ACCESS['read-document']);
    // Payloads by reference: the parts read are stored under parts/, the state machine carries their prefix.
    documents.grantPut(readDocument, `${PARTS_PREFIX}*`);
    readDocument.acknowledgeOnRole({
      ...s3Read,
      [iam5.action('s3:Abort*')]: REASONS.s3PutGrant,
      [iam5.resource(`${arnRef(documents)}/*`)]: 'ReadDocument reads any submitted document of the documents bucket (uploads/, mail/); it writes only under parts/.',
      [iam5.resource(`${arnRef(documents)}/${PARTS_PREFIX}*`)]: `${REASONS.objectsOfPrefix} ReadDocument stores each part it read under parts/ (payloads by reference).`,
    });
    // Textract polling gives up after 4 minutes, then up to three model calls; pdf.js wants CPU (memory).
    const extract = task('extract', 'Extract', { memorySize: 1024, timeout: Duration.minutes(6), environment: { [ENV.DOCUMENT_BUCKET]: documents.bucketName } });
    documents.grantRead(extract, `${PARTS_PREFIX}*`);
    documents.grantPut(extract, `${PARTS_PREFIX}*`);
    extract.acknowledgeOnRole({
      ...s3Read,
      [iam5.action('s3:Abort*')]: REASONS.s3PutGrant,
      [iam5.resource(`${arnRef(documents)}/${PARTS_PREFIX}*`)]: `${REASONS.objectsOfPrefix} ExtractScannedParts loads the parts read and stores the parts it extracted under parts/ (payloads by reference).`,
    });
    if (props.extraction) this.enableExtraction(extract, props.extraction, props.storage);
    const decideBill = task('decide-bill', 'DecideBill', { environment: { [ENV.DOCUMENT_BUCKET]: documents.bucketName } });
    documents.grantRead(decideBill, `${PARTS_PREFIX}*`);
    grantTableAccess(decideBill, table, TABLE_ACCESS['decide-bill']);
    decideBill.acknowledgeOnRole({ ...partsRead(documents) });
    const recordFailure = task('record-failure', 'RecordFailure', { environment: { [ENV.DOCUMENT_BUCKET]: documents.bucketName } });
    documents.grantRead(recordFailure, `${PARTS_PREFIX}*`);
    grantTableAccess(recordFailure, table, TABLE_ACCESS['record-failure']);
    recordFailure.acknowledgeOnRole({ ...partsRead(documents) });
    const approvalDesk = task('approval-desk', 'ApprovalDesk', {});
    props.approvals.configureSender(approvalDesk, TABLE_ACCESS['approval-desk']);
    this.tasks = {
      'read-document': readDocument,
      extract,
      'decide-bill': decideBill,
      'record-failure': recordFailure,
      'approval-desk': approvalDesk,
    };

    // 4. The state machines, from the one definition file each, every placeholder bound.
    const functionArns = Object.fromEntries(
      Object.entries(WORKFLOW_FUNCTIONS).map(([placeholder, fn]) => [placeholder, this.tasks[fn].functionArn]),
    );
    const machineLogs = (id: string) => ({
      destination: new LogGroup(this, id, { retention: logRetention ?? RetentionDays.ONE_MONTH, removalPolicy: RemovalPolicy.DESTROY }),
      level: LogLevel.ALL,
      // State transitions only: the payloads hold keys and email facts.
      includeExecutionData: false,
    });
    const approvalDefinition = readFileSync(APPROVAL_DEFINITION, 'utf8');
    this.approvalMachine = new StateMachine(this, 'ApproveBill', {
      stateMachineType: StateMachineType.STANDARD,
      definitionBody: DefinitionBody.fromString(approvalDefinition),
      definitionSubstitutions: pick(functionArns, approvalDefinition),
      tracingEnabled: true,
      logs: machineLogs('ApproveBillLogs'),
    });
    const definition = readFileSync(WORKFLOW_DEFINITION, 'utf8');
    this.stateMachine = new StateMachine(this, 'ProcessDocument', {
      stateMachineType: StateMachineType.STANDARD,
      definitionBody: DefinitionBody.fromString(definition),
      definitionSubstitutions: pick({ ...functionArns, [APPROVAL_MACHINE_PLACEHOLDER]: this.approvalMachine.stateMachineArn }, definition),
      tracingEnabled: true,
      logs: machineLogs('ProcessDocumentLogs'),
    });
    // StartApproval: the document's execution starts the bills' approval executions.
    this.approvalMachine.grantStartExecution(this.stateMachine);
    this.tasks['approval-desk'].grantInvokeLatestVersion(this.approvalMachine);
    for (const [name, fn] of Object.entries(this.tasks)) if (name !== 'approval-desk') fn.grantInvokeLatestVersion(this.stateMachine);
    for (const sm of [this.stateMachine, this.approvalMachine]) {
      Validations.of(sm.role).acknowledge({
        id: iam5.resource('*'),
        reason:
          'The state machine role: CloudWatch Logs delivery (logs:CreateLogDelivery, PutResourcePolicy, DescribeLogGroups, …) and X-Ray (PutTraceSegments, GetSamplingRules, …) have no resource-level permissions; CDK grants them on *.',
      });
    }
    // The approver's decision resumes the bill's approval execution (its task token).
    props.approvals.allowResume(this.approvalMachine);

    // 4b. A document execution that ends FAILED, TIMED_OUT or ABORTED has its failure recorded
    // (a needs_review bill with the reason) from the execution's input, even when the failure
    // states themselves could not write; `bm redrive --stack` runs it again.
    new Rule(this, 'DocumentExecutionFailed', {
      description: 'bill matcher: a failed document execution is recorded as a needs_review bill with its reason',
      eventPattern: {
        source: ['aws.states'],
        detailType: ['Step Functions Execution Status Change'],
        detail: { status: ['FAILED', 'TIMED_OUT', 'ABORTED'], stateMachineArn: [this.stateMachine.stateMachineArn] },
      },
      targets: [new LambdaFunction(recordFailure, { retryAttempts: 8, maxEventAge: Duration.hours(24) })],
    });
    // The ack handler also serves the review form (a corrected bill is queued as a submission,
    // stored under reviews/) and a bill's original document (read from the bucket).
    const ack = props.approvals.ackFunction;
    ack.addEnvironment(ENV.DOCUMENT_BUCKET, documents.bucketName);
    ack.addEnvironment(ENV.QUEUE_URL, this.queue.queueUrl);
    documents.grantRead(ack);
    documents.grantPut(ack, 'reviews/*');
    this.queue.grantSendMessages(ack);
    ack.acknowledgeOnRole({
      ...s3Read,
      [iam5.action('s3:Abort*')]: REASONS.s3PutGrant,
      [iam5.resource(`${arnRef(documents)}/*`)]: 'The ack handler shows a bill its original document, which may be any submitted document (uploads/, mail/).',
      [iam5.resource(`${arnRef(documents)}/reviews/*`)]: 'The ack handler stores a bill corrected from a review link under reviews/, for the workflow.',
    });

    // 5. The starter: queue → one execution per submission.
    this.starter = new BillFunction(this, 'StartExecution', {
      name: 'start-execution',
      description: 'bill matcher: submissions queue to one workflow execution each',
      logRetention,
      timeout: starterTimeout,
      environment: { [ENV.STATE_MACHINE_ARN]: this.stateMachine.stateMachineArn },
    });
    this.stateMachine.grantStartExecution(this.starter);
    this.starter.addEventSource(
      new SqsEventSource(this.queue, { batchSize: 10, maxBatchingWindow: Duration.seconds(1), reportBatchItemFailures: true }),
    );
  }

  /** Every function of the workflow. */
  get functions(): BillFunction[] {
    return [this.intake, this.starter, ...Object.values(this.tasks)];
  }

  /** Textract and Bedrock for scans and PDFs the text layer does not settle. */
  private enableExtraction(fn: BillFunction, settings: ExtractionSettings, storage: BillWorkflowProps['storage']): void {
    const supplierModels = settings.supplierModels ?? {};
    fn.addEnvironment(ENV.DOCUMENT_BUCKET, storage.documents.bucketName);
    fn.addEnvironment(ENV.EXTRACTION_MODEL_ID, settings.modelId);
    if (Object.keys(supplierModels).length > 0) fn.addEnvironment(ENV.EXTRACTION_SUPPLIER_MODELS, JSON.stringify(supplierModels));
    // Textract reads the document from S3 with the caller's permissions.
    storage.documents.grantRead(fn);
    storage.documents.grantPut(fn, 'extraction/*');
    // The policy's confidence threshold.
    grantTableAccess(fn, storage.table, TABLE_ACCESS.extract);
    // Textract's asynchronous expense analysis has no resource-level permissions.
    fn.addToRolePolicy(new iam.PolicyStatement({ actions: ['textract:StartExpenseAnalysis', 'textract:GetExpenseAnalysis'], resources: ['*'] }));
    const models = [...new Set([settings.modelId, ...Object.values(supplierModels)])];
    const modelArns = models.flatMap((m) => bedrockModelArns(Stack.of(this), m));
    fn.addToRolePolicy(new iam.PolicyStatement({ actions: ['bedrock:InvokeModel'], resources: modelArns }));
    const documents = arnRef(storage.documents);
    fn.acknowledgeOnRole({
      ...s3Read,
      [iam5.action('s3:Abort*')]: REASONS.s3PutGrant,
      [iam5.resource('*')]: `${REASONS.xray} Textract StartExpenseAnalysis / GetExpenseAnalysis have no resource-level permissions either.`,
      [iam5.resource(`${documents}/*`)]: 'Textract reads the document to OCR from S3 with the caller\'s permissions: any submitted document.',
      [iam5.resource(`${documents}/extraction/*`)]: `${REASONS.objectsOfPrefix} An attachment to OCR is stored under extraction/ for Textract.`,
      ...Object.fromEntries(
        modelArns
          .filter((a) => a.includes(':bedrock:*:'))
          .map((a) => [
            iam5.resource(a.replace(Aws.PARTITION, '<AWS::Partition>')),
            'A cross-region inference profile routes each request to the model in any region of its geography; Bedrock authorises the model in the region that serves it.',
          ]),
      ),
    });
  }
}

/** The substitutions a definition uses (CloudFormation refuses unused ones). */
function pick(all: Record<string, string>, definition: string): Record<string, string> {
  const used = new Set([...definition.matchAll(/\$\{(\w+)\}/g)].map((m) => m[1]!));
  return Object.fromEntries(Object.entries(all).filter(([k]) => used.has(k)));
}

/** Where the workflow keeps the parts it read (`core/parts.ts`). */
const PARTS_PREFIX = 'parts/';

/** cdk-nag findings of a read grant on the parts. */
function partsRead(documents: Storage['documents']): Record<string, string> {
  return {
    ...s3Read,
    [iam5.resource(`${arnRef(documents)}/${PARTS_PREFIX}*`)]: `${REASONS.objectsOfPrefix} The task loads the part it is given by key from parts/ (payloads by reference).`,
  };
}

/** cdk-nag findings of CDK's bucket read grant. */
const s3Read = {
  [iam5.action('s3:GetObject*')]: REASONS.s3ReadGrant,
  [iam5.action('s3:GetBucket*')]: REASONS.s3ReadGrant,
  [iam5.action('s3:List*')]: REASONS.s3ReadGrant,
};

/** Geography prefixes of Bedrock cross-region inference profiles. */
const PROFILE_PREFIX = /^(us|eu|apac|jp|au|ca|us-gov|global)\.(.+)$/;

/**
 * What `bedrock:InvokeModel` (Converse) needs for a model id: the foundation model in this
 * region, or for an inference profile the profile and the model in every region it routes to.
 */
export function bedrockModelArns(stack: Stack, modelId: string): string[] {
  const m = PROFILE_PREFIX.exec(modelId);
  if (!m) return [stack.formatArn({ service: 'bedrock', account: '', resource: 'foundation-model', resourceName: modelId })];
  const model = m[2];
  return [
    stack.formatArn({ service: 'bedrock', resource: 'inference-profile', resourceName: modelId }),
    `arn:${Aws.PARTITION}:bedrock:*::foundation-model/${model}`,
    ...(m[1] === 'global' ? [`arn:${Aws.PARTITION}:bedrock:::foundation-model/${model}`] : []),
  ];
}
