/**
 * InvoiceModel on Amazon Bedrock: one Converse call per turn, with the `extract_invoice` tool
 * and a forced tool choice (`toolChoice: { tool: { name } }`), so that the answer is always a
 * tool call whose input fits the schema. Extended thinking stays off: it cannot be combined
 * with a forced tool choice. Temperature 0: reading is not a creative task.
 *
 * Prompt caching: when the caller asks for it (the tool and system prompt reach the model's
 * minimum cacheable prefix, see `cacheStablePrefix`), a `cachePoint` follows the system prompt,
 * which caches the tool definition and the system prompt together (Converse caches in the
 * order tools → system → messages).
 */
import {
  BedrockRuntimeClient,
  ConverseCommand,
  type ContentBlock,
  type ConverseCommandInput,
  type ConverseCommandOutput,
  type Message,
  type SystemContentBlock,
} from '@aws-sdk/client-bedrock-runtime';
import type { InvoiceModel, ModelContent, ModelReply, ModelRequest } from '../../core/ports/extractor.ts';

/** The part of the Bedrock runtime client this adapter uses: tests pass a fake that replays recorded responses. */
export interface ConverseClient {
  send(command: ConverseCommand): Promise<ConverseCommandOutput>;
}

export class BedrockInvoiceModel implements InvoiceModel {
  private readonly client: ConverseClient;

  constructor(options: { client?: ConverseClient } = {}) {
    this.client = options.client ?? new BedrockRuntimeClient({});
  }

  async converse(request: ModelRequest): Promise<ModelReply> {
    const output = await this.client.send(new ConverseCommand(converseInput(request)));
    return replyOf(output);
  }
}

/** The Converse request for one turn. */
export function converseInput(request: ModelRequest): ConverseCommandInput {
  const system: SystemContentBlock[] = [{ text: request.system }];
  if (request.cacheStablePrefix) system.push({ cachePoint: { type: 'default' } });
  return {
    modelId: request.modelId,
    system,
    messages: request.messages.map((m): Message => ({ role: m.role, content: m.content.map(toBlock) })),
    toolConfig: {
      tools: [{ toolSpec: { name: request.tool.name, description: request.tool.description, inputSchema: { json: request.tool.inputSchema as never } } }],
      toolChoice: { tool: { name: request.tool.name } },
    },
    inferenceConfig: { maxTokens: request.maxTokens, temperature: 0 },
  };
}

function toBlock(c: ModelContent): ContentBlock {
  if ('text' in c) return { text: c.text };
  if ('toolUse' in c) return { toolUse: { toolUseId: c.toolUse.toolUseId, name: c.toolUse.name, input: c.toolUse.input as never } };
  if ('toolResult' in c) {
    return { toolResult: { toolUseId: c.toolResult.toolUseId, status: c.toolResult.status, content: c.toolResult.content.map((t) => ({ text: t.text })) } };
  }
  return { cachePoint: { type: 'default' } };
}

/** The model's turn in the port's terms: its content blocks, why it stopped, and the tokens it cost. */
export function replyOf(output: ConverseCommandOutput): ModelReply {
  const content: ModelContent[] = [];
  for (const block of output.output?.message?.content ?? []) {
    if (block.toolUse) content.push({ toolUse: { toolUseId: block.toolUse.toolUseId ?? '', name: block.toolUse.name ?? '', input: block.toolUse.input } });
    else if (block.text !== undefined) content.push({ text: block.text });
  }
  const u = output.usage;
  return {
    content,
    stopReason: output.stopReason ?? 'unknown',
    usage: {
      inputTokens: u?.inputTokens ?? 0,
      outputTokens: u?.outputTokens ?? 0,
      cacheReadInputTokens: u?.cacheReadInputTokens ?? 0,
      cacheWriteInputTokens: u?.cacheWriteInputTokens ?? 0,
    },
  };
}

/**
 * The model for a supplier: an override keyed by the sender's address, the sender's domain
 * (`@acme.example`) or the supplier's VAT id, else the default model.
 */
export function modelChooser(defaultModel: string, overrides: Readonly<Record<string, string>>) {
  const table = new Map(Object.entries(overrides).map(([k, v]) => [k.trim().toLowerCase().replace(/\s+/g, ''), v]));
  return (hints: { sender: string | null; taxId: string | null }): string => {
    const address = /<([^>]+)>/.exec(hints.sender ?? '')?.[1] ?? hints.sender ?? '';
    const sender = address.trim().toLowerCase();
    const domain = sender.includes('@') ? `@${sender.split('@').pop()}` : '';
    const taxId = (hints.taxId ?? '').replace(/\s+/g, '').toLowerCase();
    for (const key of [sender, domain, domain.slice(1), taxId]) {
      if (key && table.has(key)) return table.get(key)!;
    }
    return defaultModel;
  };
}
