/** Fixtures for the reader tests: files under test/fixtures/readers and PDFs built on the fly. */
import { readFileSync } from 'node:fs';
import { AFRelationship, PDFDocument, StandardFonts } from 'pdf-lib';
import type { CanonicalBill } from '../../../lambdas/core/bill.ts';
import type { ReadInput, ReadResult } from '../../../lambdas/readers/types.ts';

export function fixtureBytes(name: string): Uint8Array {
  return readFileSync(new URL(`../../fixtures/readers/${name}`, import.meta.url));
}

/** A fixture as reader input, optionally under another file name (detection ignores names). */
export function fixture(name: string, filename = name): ReadInput {
  return { bytes: fixtureBytes(name), filename };
}

export function input(text: string | Uint8Array, filename: string): ReadInput {
  return { bytes: typeof text === 'string' ? new TextEncoder().encode(text) : text, filename };
}

/** The one bill of a single-bill result, failing loudly with the reader's reasons otherwise. */
export function onlyBill(results: readonly ReadResult[]): CanonicalBill {
  if (results.length !== 1 || !results[0]!.bill) {
    throw new Error(`expected one bill, got ${JSON.stringify(results.map((r) => r.exceptions))}`);
  }
  return results[0]!.bill;
}

/** The single UNREADABLE message of a refused document. */
export function refusal(results: readonly ReadResult[]): string {
  if (results.length !== 1 || results[0]!.bill !== null) throw new Error(`expected one refusal, got ${JSON.stringify(results)}`);
  const [e] = results[0]!.exceptions;
  if (!e || e.code !== 'UNREADABLE') throw new Error(`expected UNREADABLE, got ${JSON.stringify(results[0]!.exceptions)}`);
  return e.message;
}

/** A one-page PDF with the given files attached (Factur-X style: /EmbeddedFiles + /AF). */
export async function pdfWith(attachments: readonly { name: string; bytes: Uint8Array }[]): Promise<Uint8Array> {
  const doc = await PDFDocument.create();
  const page = doc.addPage([595, 842]);
  page.drawText('Invoice (human-readable copy)', { x: 50, y: 780, size: 14, font: await doc.embedFont(StandardFonts.Helvetica) });
  for (const a of attachments) {
    await doc.attach(a.bytes, a.name, { mimeType: 'text/xml', afRelationship: AFRelationship.Data, description: 'invoice data' });
  }
  return doc.save();
}
