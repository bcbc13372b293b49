/** `multipart/form-data` (RFC 7578) for the upload form: fields and files, from a whole body. */
import { HttpError } from './http.ts';

export interface UploadedFile {
  readonly field: string;
  readonly filename: string;
  readonly contentType: string;
  readonly bytes: Uint8Array;
}

export interface MultipartForm {
  readonly fields: Record<string, string>;
  readonly files: UploadedFile[];
}

export function boundaryOf(contentType: string | undefined): string | null {
  if (!contentType || !/^multipart\/form-data\s*;/i.test(contentType)) return null;
  const m = /;\s*boundary=(?:"([^"]+)"|([^;\s]+))/i.exec(contentType);
  return m ? (m[1] ?? m[2] ?? null) : null;
}

export function parseMultipart(body: Buffer, contentType: string | undefined): MultipartForm {
  const boundary = boundaryOf(contentType);
  if (!boundary || boundary.length > 200) throw new HttpError(400, 'The form was not sent as multipart/form-data.');
  const delimiter = Buffer.from(`--${boundary}`);
  const fields: Record<string, string> = {};
  const files: UploadedFile[] = [];
  let pos = body.indexOf(delimiter);
  if (pos === -1) throw new HttpError(400, 'The form has no parts.');
  for (;;) {
    pos += delimiter.length;
    // `--` after a delimiter closes the body.
    if (body[pos] === 0x2d && body[pos + 1] === 0x2d) break;
    if (body[pos] === 0x0d && body[pos + 1] === 0x0a) pos += 2;
    const next = body.indexOf(Buffer.concat([Buffer.from('\r\n'), delimiter]), pos);
    if (next === -1) throw new HttpError(400, 'The form is cut off.');
    const part = body.subarray(pos, next);
    const headEnd = part.indexOf('\r\n\r\n');
    if (headEnd === -1) throw new HttpError(400, 'A form part has no headers.');
    const headers = parseHeaders(part.subarray(0, headEnd).toString('utf8'));
    const content = part.subarray(headEnd + 4);
    const disposition = headers['content-disposition'] ?? '';
    const name = param(disposition, 'name');
    if (name !== null) {
      const filename = param(disposition, 'filename*') ?? param(disposition, 'filename');
      if (filename !== null) {
        files.push({
          field: name,
          filename: baseName(filename),
          contentType: headers['content-type'] ?? 'application/octet-stream',
          bytes: new Uint8Array(content),
        });
      } else fields[name] = content.toString('utf8');
    }
    pos = next + 2;
  }
  return { fields, files };
}

function parseHeaders(text: string): Record<string, string> {
  const out: Record<string, string> = {};
  for (const line of text.split('\r\n')) {
    const i = line.indexOf(':');
    if (i > 0) out[line.slice(0, i).trim().toLowerCase()] = line.slice(i + 1).trim();
  }
  return out;
}

function param(header: string, name: string): string | null {
  const re = new RegExp(`(?:^|;)\\s*${name.replace('*', '\\*')}=(?:"((?:[^"\\\\]|\\\\.)*)"|([^;]*))`, 'i');
  const m = re.exec(header);
  if (!m) return null;
  const raw = m[1] !== undefined ? m[1].replace(/\\(.)/g, '$1') : (m[2] ?? '').trim();
  if (name.endsWith('*')) {
    // RFC 5987: charset'lang'percent-encoded
    const ext = /^([^']*)'[^']*'(.*)$/.exec(raw);
    if (!ext) return raw;
    try {
      return decodeURIComponent(ext[2]!);
    } catch {
      return ext[2]!;
    }
  }
  return raw;
}

/** Browsers send the bare name; old ones sent a whole path. */
function baseName(filename: string): string {
  const b = filename.split(/[\\/]/).pop() ?? '';
  return b.replace(/[\u0000-\u001f]/g, '').slice(0, 200) || 'upload';
}
