/** The real dependencies of the summary function, built once per container. */
import { randomUUID } from 'node:crypto';
import { BedrockRuntimeClient } from '@aws-sdk/client-bedrock-runtime';
import { SESv2Client } from '@aws-sdk/client-sesv2';
import { config } from '../../config.ts';
import type { SendSummaryDeps } from '../../core/summary/send.ts';
import { logWarning, traced } from '../../shared/powertools.ts';
import { WasmChartRenderer } from '../render/chart.ts';
import { BedrockInvoiceModel } from './bedrock.ts';
import { awsDeps } from './deps.ts';
import { SesMailer } from './ses-mailer.ts';

export function summaryDeps(): SendSummaryDeps {
  const { store, now } = awsDeps();
  const modelId = config.summaryModelId;
  return {
    store,
    now,
    mailer: new SesMailer(config.sender, config.configurationSet, traced(new SESv2Client({}))),
    chart: new WasmChartRenderer(),
    model: modelId ? new BedrockInvoiceModel({ client: traced(new BedrockRuntimeClient({})) }) : null,
    modelId,
    recipients: config.summaryRecipients,
    runId: randomUUID,
    onChartError: (err) => logWarning('the chart could not be drawn; the email goes without it', { error: (err as Error).message }),
  };
}
