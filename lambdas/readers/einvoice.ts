/**
 * One entry for every structured XML invoice: parse safely, let the root element decide the
 * syntax (UBL or CII), read, and turn every refusal into an UNREADABLE result.
 */
import { CII_FORMAT, isCiiRoot, readCii } from './cii.ts';
import { toCanonical, unreadable, type DraftBill } from './canonical.ts';
import { sha256Hex } from './hash.ts';
import type { ReadResult } from './types.ts';
import { isUblRoot, readUbl, UBL_FORMAT } from './ubl.ts';
import { parseXml, qualifiedName, type XmlElement } from './xml.ts';

export type InvoiceSyntax = typeof UBL_FORMAT | typeof CII_FORMAT;

/** The invoice syntax of a root element, or null when it is not an invoice this product reads. */
export function invoiceSyntaxOf(root: XmlElement): InvoiceSyntax | null {
  if (isUblRoot(root)) return UBL_FORMAT;
  if (isCiiRoot(root)) return CII_FORMAT;
  return null;
}

export type InvoiceXmlRead = { readonly ok: true; readonly syntax: InvoiceSyntax; readonly bill: DraftBill } | { readonly ok: false; readonly reason: string };

/** Parses and reads invoice XML bytes; `reason` says why they are refused. */
export function readInvoiceXmlBytes(bytes: Uint8Array): InvoiceXmlRead {
  const parsed = parseXml(bytes);
  if (!parsed.ok) return parsed;
  const syntax = invoiceSyntaxOf(parsed.root);
  if (syntax === null) return { ok: false, reason: `root element ${qualifiedName(parsed.root)} is not an invoice this product reads` };
  return { ok: true, syntax, bill: syntax === UBL_FORMAT ? readUbl(parsed.root) : readCii(parsed.root) };
}

/**
 * Reads an XML document (UBL or CII) into one result. `format` overrides the reported
 * format (the Factur-X reader reports `facturx`); `origin` says where the XML came from.
 */
export function readInvoiceXml(
  bytes: Uint8Array,
  filename: string,
  options: { format?: string; origin?: string; hashOf?: Uint8Array } = {},
): ReadResult {
  const read = readInvoiceXmlBytes(bytes);
  const hashed = options.hashOf ?? bytes;
  if (!read.ok) return unreadable(options.format ?? 'xml', filename, read.reason, hashed);
  return {
    part: 0,
    format: options.format ?? read.syntax,
    bill: toCanonical(read.bill),
    exceptions: [],
    documentHash: sha256Hex(hashed),
    ...(options.origin ? { origin: options.origin } : {}),
  };
}
