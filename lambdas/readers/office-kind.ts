/**
 * Which Office package a zip is, by the part its central directory names: detection only, so that
 * what detects a document's kind (the intake, the workspace, the signed-link pages) does not load
 * the Word and Excel reader and the layout logic behind it (`office.ts`).
 */
export type OfficeKind = 'docx' | 'xlsx';

export const OFFICE_PARTS: Record<OfficeKind, string> = { docx: 'word/document.xml', xlsx: 'xl/workbook.xml' };

/** An OOXML package by the part its central directory names (`word/document.xml`, `xl/workbook.xml`). */
export function officeKind(bytes: Uint8Array): OfficeKind | null {
  // Central-directory file names are stored as plain bytes near the end of the archive.
  const tail = new TextDecoder('latin1').decode(bytes.subarray(Math.max(0, bytes.length - 256 * 1024)));
  if (tail.includes(OFFICE_PARTS.docx)) return 'docx';
  if (tail.includes(OFFICE_PARTS.xlsx)) return 'xlsx';
  return null;
}
