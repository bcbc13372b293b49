/** The way in: S3 event → submission (stable ids), SQS → one execution per submission. */
import { StartExecutionCommand } from '@aws-sdk/client-sfn';
import { describe, expect, it } from 'vitest';
import { makeHandler as makeIntake, type IntakeDeps } from '../../lambdas/intake/handler.ts';
import { makeHandler as makeStarter } from '../../lambdas/start-execution/handler.ts';
import { arrivalsOf, executionName, s3EventSchema, subjectOf, submissionId, type QueueMessage } from '../../lambdas/shared/intake.ts';

const EVENT_TIME = '2026-03-02T09:15:00.000Z';

function s3Event(records: { bucket: string; key: string; eTag?: string; versionId?: string; size?: number; eventName?: string }[]) {
  return {
    Records: records.map((r) => ({
      eventVersion: '2.1',
      eventSource: 'aws:s3',
      eventName: r.eventName ?? 'ObjectCreated:Put',
      eventTime: EVENT_TIME,
      s3: { bucket: { name: r.bucket, arn: `arn:aws:s3:::${r.bucket}` }, object: { key: r.key, size: r.size ?? 2048, eTag: r.eTag ?? 'etag-1', versionId: r.versionId } },
    })),
  };
}

const RAW_MAIL = (subject: string) =>
  new TextEncoder().encode(`Return-Path: <billing@acme.example>\r\nFrom: Acme <billing@acme.example>\r\nSubject: ${subject}\r\nMIME-Version: 1.0\r\n\r\nbody with Subject: not this one\r\n`);

/** Fake S3 and SQS for intake. */
function fakeIntakeDeps(mail: Uint8Array = RAW_MAIL('Invoice INV-1')) {
  const sent: QueueMessage[] = [];
  const copies: { from: string; to: string }[] = [];
  const deps: IntakeDeps = {
    readHead: async () => mail,
    copyToDocuments: async (o, to) => void copies.push({ from: `${o.bucket}/${o.key}`, to }),
    enqueue: async (m) => void sent.push(m),
  };
  return { deps, sent, copies };
}

describe('S3 event → submission', () => {
  it('the same S3 event twice gives the same submission', async () => {
    const event = s3Event([{ bucket: 'docs', key: 'uploads/acme/INV-1.xml', versionId: 'v1' }]);
    const { deps, sent } = fakeIntakeDeps();
    const intake = makeIntake(deps);
    await intake(event);
    await intake(structuredClone(event));
    expect(sent).toHaveLength(2);
    expect(sent[0]).toEqual(sent[1]);
    expect(sent[0]!.submission).toEqual({
      id: submissionId('docs', 'uploads/acme/INV-1.xml', 'v1'),
      document_key: 'uploads/acme/INV-1.xml',
      name: 'INV-1.xml',
      submitter: null,
      received_at: EVENT_TIME,
    });
  });

  it.each([
    { case: 'another version of the same key', change: { versionId: 'v2' } },
    { case: 'another key', change: { key: 'uploads/acme/INV-2.xml' } },
    { case: 'another bucket', change: { bucket: 'other' } },
  ])('$case is another submission', ({ change }) => {
    const base = { bucket: 'docs', key: 'uploads/acme/INV-1.xml', versionId: 'v1' };
    const [a] = arrivalsOf(s3EventSchema.parse(s3Event([base]))).arrivals;
    const [b] = arrivalsOf(s3EventSchema.parse(s3Event([{ ...base, ...change }]))).arrivals;
    expect(a!.submission.id).not.toBe(b!.submission.id);
  });

  it('without versioning, the ETag identifies the object version', () => {
    const id = (eTag: string) => arrivalsOf(s3EventSchema.parse(s3Event([{ bucket: 'docs', key: 'uploads/a.pdf', eTag }]))).arrivals[0]!.submission.id;
    expect(id('e1')).toBe(id('e1'));
    expect(id('e1')).not.toBe(id('e2'));
  });

  it('decodes the key as S3 sends it (URL-encoded, + for a space)', () => {
    const [a] = arrivalsOf(s3Event([{ bucket: 'docs', key: 'uploads/M%C3%BCller+GmbH/Rechnung+42.pdf' }]) as never).arrivals;
    expect(a!.submission).toMatchObject({ document_key: 'uploads/Müller GmbH/Rechnung 42.pdf', name: 'Rechnung 42.pdf' });
  });

  it('raw mail is copied under mail/ and named by its Subject', async () => {
    const { deps, sent, copies } = fakeIntakeDeps(RAW_MAIL('=?UTF-8?B?UmVjaG51bmcgTcO8bGxlcg==?= Nr. 7'));
    await makeIntake(deps)(s3Event([{ bucket: 'raw-mail', key: 'raw/0000abcd1234', eTag: 'e' }]));
    expect(copies).toEqual([{ from: 'raw-mail/raw/0000abcd1234', to: 'mail/0000abcd1234.eml' }]);
    expect(sent[0]!.submission).toMatchObject({ document_key: 'mail/0000abcd1234.eml', name: 'Rechnung Müller Nr. 7', submitter: null });
  });

  it('raw mail without a Subject is named by its stored file name', async () => {
    const { deps, sent } = fakeIntakeDeps(new TextEncoder().encode('From: a@b.example\r\n\r\nno subject'));
    await makeIntake(deps)(s3Event([{ bucket: 'raw-mail', key: 'raw/m1' }]));
    expect(sent[0]!.submission.name).toBe('m1.eml');
  });

  it.each([
    { case: 'a key outside raw/ and uploads/', key: 'mail/x.eml', size: 10 },
    { case: 'a folder marker', key: 'uploads/acme/', size: 0 },
    { case: 'an empty object', key: 'uploads/empty.pdf', size: 0 },
  ])('ignores $case', async ({ key, size }) => {
    const { deps, sent } = fakeIntakeDeps();
    const r = await makeIntake(deps)(s3Event([{ bucket: 'docs', key, size }]));
    expect(sent).toEqual([]);
    expect(r.ignored).toHaveLength(1);
  });

  it('ignores the test event S3 sends when notifications are configured', async () => {
    const { deps, sent } = fakeIntakeDeps();
    await makeIntake(deps)({ Service: 'Amazon S3', Event: 's3:TestEvent', Bucket: 'docs' });
    expect(sent).toEqual([]);
  });
});

describe('subjectOf', () => {
  it.each([
    { case: 'plain', header: 'Subject: Invoice 42', subject: 'Invoice 42' },
    { case: 'folded', header: 'Subject: Invoice\r\n 42 for March', subject: 'Invoice 42 for March' },
    { case: 'Q-encoded, Latin-1', header: 'Subject: =?ISO-8859-1?Q?Facture_n=B0_12?=', subject: 'Facture n° 12' },
    { case: 'two encoded words', header: 'Subject: =?UTF-8?B?UmVjaG51bmc=?= =?UTF-8?B?IDQy?=', subject: 'Rechnung 42' },
    { case: 'empty', header: 'Subject:   ', subject: null },
    { case: 'missing', header: 'X-Other: 1', subject: null },
  ])('$case', ({ header, subject }) => {
    expect(subjectOf(new TextEncoder().encode(`From: a@b.example\r\n${header}\r\n\r\nSubject: body`))).toBe(subject);
  });

  it('caps the name at 200 characters', () => {
    expect(subjectOf(new TextEncoder().encode(`Subject: ${'x'.repeat(500)}\r\n\r\n`))).toHaveLength(200);
  });
});

describe('SQS → StartExecution', () => {
  /** A fake Step Functions: refuses a second execution of one name, as the service does. */
  function fakeSfn() {
    const started = new Map<string, string>();
    return {
      started,
      send: async (command: StartExecutionCommand) => {
        expect(command).toBeInstanceOf(StartExecutionCommand);
        const { name, input } = command.input;
        if (started.has(name!)) throw Object.assign(new Error(`Execution Already Exists: '${name}'`), { name: 'ExecutionAlreadyExists' });
        started.set(name!, input!);
        return { executionArn: `arn:aws:states:eu-west-1:123456789012:execution:sm:${name}` };
      },
    };
  }
  const submission = {
    id: submissionId('docs', 'uploads/INV-1.xml', 'v1'),
    document_key: 'uploads/INV-1.xml',
    name: 'INV-1.xml',
    submitter: null,
    received_at: EVENT_TIME,
  };
  const sqsEvent = (...records: { messageId: string; body: string }[]) => ({ Records: records.map((r) => ({ ...r, receiptHandle: 'h', eventSource: 'aws:sqs' })) });

  it('a redelivered message starts one execution, and both deliveries succeed', async () => {
    const sfn = fakeSfn();
    const start = makeStarter({ sfn, stateMachineArn: 'arn:aws:states:eu-west-1:123456789012:stateMachine:sm' });
    const body = JSON.stringify({ submission });
    expect(await start(sqsEvent({ messageId: 'm1', body }))).toEqual({ batchItemFailures: [] });
    expect(await start(sqsEvent({ messageId: 'm1', body }))).toEqual({ batchItemFailures: [] });
    expect([...sfn.started.keys()]).toEqual([executionName(submission.id)]);
    expect(JSON.parse(sfn.started.get(executionName(submission.id))!)).toEqual({ submission });
  });

  it('reports only the messages that failed', async () => {
    const sfn = fakeSfn();
    const failing = { send: async (c: StartExecutionCommand) => (c.input.name === 'boom' ? Promise.reject(Object.assign(new Error('x'), { name: 'ThrottlingException' })) : sfn.send(c)) };
    const start = makeStarter({ sfn: failing, stateMachineArn: 'arn' });
    const r = await start(
      sqsEvent(
        { messageId: 'ok', body: JSON.stringify({ submission }) },
        { messageId: 'throttled', body: JSON.stringify({ submission: { ...submission, id: 'boom' } }) },
        { messageId: 'malformed', body: '{"submission":{"id":""}}' },
        { messageId: 'not-json', body: 'hello' },
      ),
    );
    expect(r.batchItemFailures).toEqual([{ itemIdentifier: 'throttled' }, { itemIdentifier: 'malformed' }, { itemIdentifier: 'not-json' }]);
    expect(sfn.started.size).toBe(1);
  });
});

describe('executionName', () => {
  it.each([
    { case: 'an intake id', id: submissionId('b', 'k', 'v') },
    { case: 'a local upload id', id: 'upload:2026-03-02/INV 1.pdf' },
    { case: 'a long id', id: `mail-${'x'.repeat(120)}` },
  ])('is a valid Step Functions execution name for $case', ({ id }) => {
    expect(executionName(id)).toMatch(/^[A-Za-z0-9_-]{1,80}$/);
  });
});
