/**
 * What reading a PDF or an image bill needs from the outside world, as two ports:
 *
 * - `DocumentTextSource`: the text of a document with its layout. In AWS, Textract for scans
 *   and photos; for a PDF that already has a text layer, the text layer itself (no OCR).
 * - `InvoiceModel`: one turn of a language model that must answer by calling the
 *   `extract_invoice` tool (Bedrock Converse with a forced tool choice).
 *
 * The model only reads. `lambdas/core/extraction.ts` checks what it read with the same
 * deterministic code every other reader's output goes through, and decides nothing with it.
 */

/** A line (or cell) of text on a page; coordinates are fractions of the page (0..1, origin top left). */
export interface LayoutLine {
  readonly text: string;
  readonly left: number;
  readonly top: number;
  readonly width: number;
  readonly height: number;
  /** OCR confidence 0..1, where the source gives one (Textract); absent for a PDF text layer. */
  readonly confidence?: number;
}

export interface LayoutPage {
  /** 1-based page number. */
  readonly page: number;
  readonly lines: readonly LayoutLine[];
}

/** A key/value the OCR service itself recognised (Textract AnalyzeExpense summary fields): hints, not facts. */
export interface FieldHint {
  /** The service's field type, e.g. `INVOICE_RECEIPT_ID`, `TOTAL`, `VENDOR_NAME`. */
  readonly type: string;
  readonly label: string | null;
  readonly value: string;
  readonly confidence: number | null;
  readonly page: number | null;
}

export interface DocumentText {
  readonly source: 'pdf-text-layer' | 'textract';
  /** Pages of the document (what OCR is billed by). */
  readonly pageCount: number;
  readonly pages: readonly LayoutPage[];
  readonly hints: readonly FieldHint[];
}

/** A document to read: its bytes, where it is stored (Textract reads from S3), and what it is. */
export interface DocumentRef {
  /** The key of the document's own bytes in the document store (an attachment is stored on its own). */
  readonly key: string;
  readonly bytes: Uint8Array;
  readonly mediaType: 'application/pdf' | 'image/png' | 'image/jpeg' | 'image/tiff';
  /** A stable id for idempotent OCR jobs (the SHA-256 of the bytes). */
  readonly hash: string;
}

/** OCR: the text of a scanned document with its layout. */
export interface DocumentTextSource {
  /** Throws `OcrFailedError` when the document cannot be read (not retried); other errors are faults. */
  textOf(doc: DocumentRef): Promise<DocumentText>;
}

/** OCR ran and could not read this document (corrupt, unsupported, too large): final, not transient. */
export class OcrFailedError extends Error {
  override readonly name = 'OcrFailedError';
}

// ---- The model turn, in the shape of the Converse API (without depending on the SDK) ----

export interface ToolUse {
  readonly toolUseId: string;
  readonly name: string;
  readonly input: unknown;
}

export interface ToolResult {
  readonly toolUseId: string;
  readonly status: 'success' | 'error';
  readonly content: readonly { readonly text: string }[];
}

export type ModelContent =
  | { readonly text: string }
  | { readonly toolUse: ToolUse }
  | { readonly toolResult: ToolResult }
  /** Marks the end of a prompt prefix to cache (only sent when the prefix is long enough). */
  | { readonly cachePoint: true };

export interface ModelMessage {
  readonly role: 'user' | 'assistant';
  readonly content: readonly ModelContent[];
}

export interface ToolDefinition {
  readonly name: string;
  readonly description: string;
  readonly inputSchema: Record<string, unknown>;
}

export interface ModelRequest {
  readonly modelId: string;
  readonly system: string;
  readonly tool: ToolDefinition;
  readonly messages: readonly ModelMessage[];
  /** Put a cache point after the tool and the system prompt (their stable prefix). */
  readonly cacheStablePrefix: boolean;
  readonly maxTokens: number;
}

export interface TokenUsage {
  readonly inputTokens: number;
  readonly outputTokens: number;
  readonly cacheReadInputTokens: number;
  readonly cacheWriteInputTokens: number;
}

export interface ModelReply {
  readonly content: readonly ModelContent[];
  /** `tool_use` when the model called the tool; `max_tokens` when it was cut off. */
  readonly stopReason: string;
  readonly usage: TokenUsage;
}

/**
 * What reading one bill by OCR and a model cost, recorded with the bill (its source) for the
 * cost report, and published as metrics.
 */
export interface ExtractionUsage {
  readonly text_source: DocumentText['source'];
  /** Pages of the document (what Textract bills). */
  readonly pages: number;
  readonly model_id: string;
  /** Model calls made (1 to 3). */
  readonly attempts: number;
  readonly input_tokens: number;
  readonly output_tokens: number;
  readonly cache_read_input_tokens: number;
  readonly cache_write_input_tokens: number;
}

/** One turn of the model; the conversation is kept by the caller. */
export interface InvoiceModel {
  converse(request: ModelRequest): Promise<ModelReply>;
}
