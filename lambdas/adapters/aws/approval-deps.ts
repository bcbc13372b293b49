/** The real dependencies of the approval functions (desk, ack), built once per container. */
import { GetSecretValueCommand, SecretsManagerClient } from '@aws-sdk/client-secrets-manager';
import { S3Client } from '@aws-sdk/client-s3';
import { SendTaskSuccessCommand, SFNClient, TaskDoesNotExist, TaskTimedOut } from '@aws-sdk/client-sfn';
import { SendMessageCommand, SQSClient } from '@aws-sdk/client-sqs';
import type { PeoplePageDeps } from '../../ack/people-pages.ts';
import { emailApprovers } from '../../core/approval-desk.ts';
import type { WaitDeps } from '../../core/supplier-wait.ts';
import { S3DocumentStore } from './s3-documents.ts';
import { SESv2Client } from '@aws-sdk/client-sesv2';
import { config } from '../../config.ts';
import type { ApprovalDeps } from '../../core/approvals.ts';
import type { DeskDeps } from '../../core/approval-desk.ts';
import { traced } from '../../shared/powertools.ts';
import { awsDeps } from './deps.ts';
import { SesMailer } from './ses-mailer.ts';

let secret: Promise<Uint8Array> | undefined;

/** The ack function's own address, learnt from the first request (a function cannot be given its own URL). */
export let ackBaseUrl: string | null = null;
export function learnAckBaseUrl(domainName: string | undefined): void {
  if (domainName && /^[a-z0-9.-]+$/i.test(domainName)) ackBaseUrl = `https://${domainName}`;
}

/** The link-signing secret from Secrets Manager, fetched once per container. */
export function signingSecret(client = traced(new SecretsManagerClient({}))): Promise<Uint8Array> {
  secret ??= client.send(new GetSecretValueCommand({ SecretId: config.signingSecretArn })).then((r) => {
    if (!r.SecretString || r.SecretString.length < 32) throw new Error('the link-signing secret is missing or shorter than 32 characters');
    return new TextEncoder().encode(r.SecretString);
  });
  return secret;
}

export async function deskDeps(): Promise<DeskDeps & { apInbox: string | null }> {
  const { store, now } = awsDeps();
  return { store, now, mailer: new SesMailer(config.sender, config.configurationSet, traced(new SESv2Client({}))), secret: await signingSecret(), baseUrl: config.ackBaseUrl, apInbox: config.apInbox };
}

export async function ackDeps(sfn = traced(new SFNClient({}))): Promise<ApprovalDeps & Omit<PeoplePageDeps, 'baseUrl'> & Pick<WaitDeps, 'afterResume'>> {
  const { store, now } = awsDeps();
  const mailer = new SesMailer(config.sender, config.configurationSet, traced(new SESv2Client({})));
  const secret = await signingSecret();
  const sqs = traced(new SQSClient({}));
  return {
    store,
    now,
    secret,
    documents: new S3DocumentStore(config.documentBucket, traced(new S3Client({}))),
    // A corrected bill from the review link: queued as a submission, one execution named by the review.
    startReview: async (submission) => void (await sqs.send(new SendMessageCommand({ QueueUrl: config.queueUrl, MessageBody: JSON.stringify({ submission }) }))),
    afterResume: async (bill) => void (await emailApprovers(bill, { mailer, secret, baseUrl: ackBaseUrl ?? '', now })),
    notifySupplier: async (m) => void (await mailer.send({ to: [m.to], subject: m.subject, text: m.text, tag: 'supplier', billId: m.billId })),
    onSettled: async (bill) => {
      if (!bill.task_token) return;
      try {
        await sfn.send(new SendTaskSuccessCommand({ taskToken: bill.task_token, output: JSON.stringify({ bill_id: bill.bill_id, state: bill.state }) }));
      } catch (err) {
        // The execution let go already (timed out after three weeks): the decision stands on the bill.
        if (!(err instanceof TaskDoesNotExist || err instanceof TaskTimedOut)) throw err;
      }
    },
  };
}
