/**
 * Builds zip archives byte by byte for the reader tests, including the hostile ones a normal
 * zip tool will not write: sizes that lie, encryption flags, wrong CRCs.
 */
import { crc32, deflateRawSync } from 'node:zlib';

export interface RawEntry {
  readonly name: string;
  readonly data: Uint8Array;
  /** 0 stored, 8 deflate (default), anything else to test refusal. */
  readonly method?: number;
  /** Uncompressed size written into the headers; defaults to the true size. */
  readonly declaredSize?: number;
  readonly flags?: number;
  readonly crc?: number;
}

export function buildZip(entries: readonly RawEntry[]): Uint8Array {
  const locals: Buffer[] = [];
  const centrals: Buffer[] = [];
  let offset = 0;
  for (const e of entries) {
    const method = e.method ?? 8;
    const body = method === 8 ? deflateRawSync(e.data) : Buffer.from(e.data);
    const name = Buffer.from(e.name, 'utf8');
    const fields = {
      flags: (e.flags ?? 0) | 0x800,
      method,
      crc: e.crc ?? crc32(e.data),
      compressed: body.length,
      size: e.declaredSize ?? e.data.length,
    };
    const local = Buffer.alloc(30);
    local.writeUInt32LE(0x04034b50, 0);
    local.writeUInt16LE(20, 4);
    writeCommon(local, 6, fields);
    local.writeUInt16LE(name.length, 26);
    locals.push(local, name, body);
    const central = Buffer.alloc(46);
    central.writeUInt32LE(0x02014b50, 0);
    central.writeUInt16LE(20, 4);
    central.writeUInt16LE(20, 6);
    writeCommon(central, 8, fields);
    central.writeUInt16LE(name.length, 28);
    central.writeUInt32LE(offset, 42);
    centrals.push(central, name);
    offset += local.length + name.length + body.length;
  }
  const cd = Buffer.concat(centrals);
  const end = Buffer.alloc(22);
  end.writeUInt32LE(0x06054b50, 0);
  end.writeUInt16LE(entries.length, 8);
  end.writeUInt16LE(entries.length, 10);
  end.writeUInt32LE(cd.length, 12);
  end.writeUInt32LE(offset, 16);
  return new Uint8Array(Buffer.concat([...locals, cd, end]));
}

function writeCommon(
  buf: Buffer,
  at: number,
  f: { flags: number; method: number; crc: number; compressed: number; size: number },
): void {
  buf.writeUInt16LE(f.flags, at);
  buf.writeUInt16LE(f.method, at + 2);
  buf.writeUInt32LE(f.crc >>> 0, at + 8);
  buf.writeUInt32LE(f.compressed, at + 12);
  buf.writeUInt32LE(f.size, at + 16);
}

let bomb: Uint8Array | undefined;

/** 200 MiB of zeros, deflated to about 200 KB (`zeros.xml`): the classic bomb. Built once. */
export function zeroBomb(): Uint8Array {
  bomb ??= buildZip([{ name: 'zeros.xml', data: new Uint8Array(200 * 1024 * 1024) }]);
  return bomb;
}
