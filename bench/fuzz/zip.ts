// ZIP by hand for the fuzzer: a writer whose every field can be set wrong on purpose (CRC, sizes,
// method, offsets, entry counts), and a plain reader for the real templates it mutates. Written
// here rather than borrowed from src/uploads/sheets/zip.ts, so the fuzzer does not share the
// reader's own idea of what a ZIP is.
import { crc32, deflateRawSync, inflateRawSync } from 'node:zlib';

export interface ZipPart {
  name: string | Buffer;
  /** The content; may be left out when `compressed`, `crc` and `size` are given. */
  data?: Buffer;
  /** 0 stored, 8 deflated (the default); any other number is written as it is. */
  method?: number;
  flags?: number;
  /** Bytes written as the entry's data instead of compressing `data` (a precomputed bomb). */
  compressed?: Buffer;
  crc?: number;
  /** The uncompressed size declared in the headers (true or not). */
  size?: number;
  /** The compressed size declared in the headers (true or not). */
  compressedSize?: number;
}

export interface ZipOptions {
  /** The entry count written in the end record (true or not). */
  entryCount?: number;
  /** Added to the central directory's offset in the end record. */
  directoryOffsetShift?: number;
  comment?: Buffer;
}

const DOS_TIME = 0x6000; // 12:00:00
const DOS_DATE = 0x5a21; // 1 January 2025

export interface WrittenEntry {
  name: Buffer;
  method: number;
  flags: number;
  crc: number;
  size: number;
  compressedSize: number;
  offset: number;
}

export function localHeader(entry: Omit<WrittenEntry, 'offset'>): Buffer {
  const header = Buffer.alloc(30);
  header.writeUInt32LE(0x04034b50, 0);
  header.writeUInt16LE(20, 4);
  header.writeUInt16LE(entry.flags & 0xffff, 6);
  header.writeUInt16LE(entry.method & 0xffff, 8);
  header.writeUInt16LE(DOS_TIME, 10);
  header.writeUInt16LE(DOS_DATE, 12);
  header.writeUInt32LE(entry.crc >>> 0, 14);
  header.writeUInt32LE(entry.compressedSize >>> 0, 18);
  header.writeUInt32LE(entry.size >>> 0, 22);
  header.writeUInt16LE(entry.name.length, 26);
  header.writeUInt16LE(0, 28);
  return Buffer.concat([header, entry.name]);
}

export function centralHeader(entry: WrittenEntry): Buffer {
  const header = Buffer.alloc(46);
  header.writeUInt32LE(0x02014b50, 0);
  header.writeUInt16LE(20, 4);
  header.writeUInt16LE(20, 6);
  header.writeUInt16LE(entry.flags & 0xffff, 8);
  header.writeUInt16LE(entry.method & 0xffff, 10);
  header.writeUInt16LE(DOS_TIME, 12);
  header.writeUInt16LE(DOS_DATE, 14);
  header.writeUInt32LE(entry.crc >>> 0, 16);
  header.writeUInt32LE(entry.compressedSize >>> 0, 20);
  header.writeUInt32LE(entry.size >>> 0, 24);
  header.writeUInt16LE(entry.name.length, 28);
  header.writeUInt32LE(entry.offset >>> 0, 42);
  return Buffer.concat([header, entry.name]);
}

export function endRecord(
  entryCount: number,
  directorySize: number,
  directoryOffset: number,
  comment: Buffer = Buffer.alloc(0),
): Buffer {
  const end = Buffer.alloc(22);
  end.writeUInt32LE(0x06054b50, 0);
  end.writeUInt16LE(entryCount & 0xffff, 8);
  end.writeUInt16LE(entryCount & 0xffff, 10);
  end.writeUInt32LE(directorySize >>> 0, 12);
  end.writeUInt32LE(directoryOffset >>> 0, 16);
  end.writeUInt16LE(comment.length, 20);
  return Buffer.concat([end, comment]);
}

/** A ZIP of the parts, each header field as given (or as it should be). */
export function zip(parts: ZipPart[], options: ZipOptions = {}): Buffer {
  const chunks: Buffer[] = [];
  const entries: WrittenEntry[] = [];
  let offset = 0;
  for (const part of parts) {
    const name = typeof part.name === 'string' ? Buffer.from(part.name, 'utf8') : part.name;
    const method = part.method ?? 8;
    const data = part.data ?? Buffer.alloc(0);
    const compressed = part.compressed ?? (method === 8 ? deflateRawSync(data) : data);
    const entry: WrittenEntry = {
      name,
      method,
      flags: part.flags ?? 0x0800, // names in UTF-8
      crc: part.crc ?? crc32(data),
      size: part.size ?? data.length,
      compressedSize: part.compressedSize ?? compressed.length,
      offset,
    };
    const header = localHeader(entry);
    chunks.push(header, compressed);
    offset += header.length + compressed.length;
    entries.push(entry);
  }
  const directory = Buffer.concat(entries.map(centralHeader));
  chunks.push(
    directory,
    endRecord(
      options.entryCount ?? entries.length,
      directory.length,
      offset + (options.directoryOffsetShift ?? 0),
      options.comment,
    ),
  );
  return Buffer.concat(chunks);
}

export interface ReadPart {
  name: string;
  data: Buffer;
}

/** The parts of a well-formed ZIP (the templates Rollbook serves), by its central directory. */
export function unzip(bytes: Buffer): ReadPart[] {
  let end = -1;
  for (let i = bytes.length - 22; i >= Math.max(0, bytes.length - 22 - 0xffff); i--) {
    if (bytes.readUInt32LE(i) === 0x06054b50) {
      end = i;
      break;
    }
  }
  if (end < 0) throw new Error('Not a ZIP: no end record');
  const count = bytes.readUInt16LE(end + 10);
  let at = bytes.readUInt32LE(end + 16);
  const parts: ReadPart[] = [];
  for (let i = 0; i < count; i++) {
    if (bytes.readUInt32LE(at) !== 0x02014b50) throw new Error('Not a ZIP: bad central directory');
    const method = bytes.readUInt16LE(at + 10);
    const compressedSize = bytes.readUInt32LE(at + 20);
    const nameLength = bytes.readUInt16LE(at + 28);
    const extraLength = bytes.readUInt16LE(at + 30);
    const commentLength = bytes.readUInt16LE(at + 32);
    const local = bytes.readUInt32LE(at + 42);
    const name = bytes.subarray(at + 46, at + 46 + nameLength).toString('utf8');
    const dataStart = local + 30 + bytes.readUInt16LE(local + 26) + bytes.readUInt16LE(local + 28);
    const raw = bytes.subarray(dataStart, dataStart + compressedSize);
    parts.push({ name, data: method === 8 ? inflateRawSync(raw) : Buffer.from(raw) });
    at += 46 + nameLength + extraLength + commentLength;
  }
  return parts;
}
