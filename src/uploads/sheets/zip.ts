// The ZIP container of an XLSX, read by hand before any spreadsheet library sees it: the central
// directory is checked for size and proportion (a "zip bomb" is a small file that inflates to
// gigabytes), and the few parts a reader needs are inflated here, never beyond the size the
// directory declared. ZIP64 records are read (a few writers use them even for small files) and
// held to the same limits.
import { Readable } from 'node:stream';
import { crc32, createInflateRaw, inflateRawSync } from 'node:zlib';
import { FileRefusal } from './sheet.ts';

/**
 * A workbook is a few dozen parts (sheets, styles, strings, theme, a picture or two); even one
 * with hundreds of sheets and images stays in the hundreds. Ten thousand leaves room for any real
 * workbook while stopping a directory built to make us loop or allocate.
 */
export const MAX_ZIP_ENTRIES = 10_000;

/**
 * A 100,000-row sheet of a dozen columns is 50 to 65 MB of XML once inflated (measured, from a
 * 7 MB file); uploads are at most 50 MB, which at a usual 10:1 is 500 MB. Several times what the
 * largest upload of rows we accept needs, and still a bound on the work a file can ask for.
 */
export const MAX_ZIP_UNCOMPRESSED_BYTES = 500 * 1024 * 1024;

/**
 * Spreadsheet XML deflates well but not without limit: 7:1 to 12:1 for sheets of rows, and about
 * 20:1 at most for a sheet of 100,000 identical formatted empty rows (measured). Deflate itself
 * reaches about 1,030:1 on a run of zeros, which is what a zip bomb is made of. A part inflating
 * more than 200 times its size is not a spreadsheet. Small parts (under 1 MB inflated) are left
 * alone: they can't hurt, and tiny XML parts of repeated tags legitimately compress out of proportion.
 */
export const MAX_ZIP_RATIO = 200;
export const RATIO_CHECKED_FROM_BYTES = 1024 * 1024;

/** Parts read whole into memory (workbook.xml and its relationships) must be smaller than this. */
const MAX_SMALL_PART_BYTES = 16 * 1024 * 1024;

export interface ZipEntry {
  name: string;
  /** 0 stored, 8 deflated; anything else is refused when the part is read. */
  method: number;
  flags: number;
  /** CRC-32 of the inflated bytes, checked as they are read. */
  crc: number;
  compressedSize: number;
  uncompressedSize: number;
  localHeaderOffset: number;
}

const CORRUPT =
  'The file could not be opened as an Excel workbook: it is damaged or incomplete. Open it in your spreadsheet, save it again as Excel workbook (.xlsx) or CSV and upload it';

const EOCD_SIGNATURE = 0x06054b50;
const ZIP64_LOCATOR_SIGNATURE = 0x07064b50;
const ZIP64_EOCD_SIGNATURE = 0x06064b50;
const CENTRAL_SIGNATURE = 0x02014b50;
const LOCAL_SIGNATURE = 0x04034b50;
const EOCD_SIZE = 22;
const MAX_COMMENT = 0xffff;

function damaged(): FileRefusal {
  return new FileRefusal(CORRUPT);
}

function view(bytes: Uint8Array): DataView {
  return new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength);
}

/** A 64-bit size or offset as a number; anything beyond 2^53 is far past every limit anyway. */
function uint64(data: DataView, offset: number): number {
  const value = data.getBigUint64(offset, true);
  return value > BigInt(Number.MAX_SAFE_INTEGER) ? Number.MAX_SAFE_INTEGER : Number(value);
}

function findEndOfCentralDirectory(bytes: Uint8Array, data: DataView): number {
  const lowest = Math.max(0, bytes.length - EOCD_SIZE - MAX_COMMENT);
  for (let at = bytes.length - EOCD_SIZE; at >= lowest; at--) {
    // The record ends the file, after its comment.
    if (data.getUint32(at, true) === EOCD_SIGNATURE && at + EOCD_SIZE + data.getUint16(at + 20, true) <= bytes.length)
      return at;
  }
  throw damaged();
}

/**
 * Reads the central directory and refuses, with a message saying what to do, a file that is not a
 * well-formed single-disk zip, or whose entries are too many, too large or compressed out of proportion.
 */
export function readZipDirectory(bytes: Uint8Array): ZipEntry[] {
  if (bytes.length < EOCD_SIZE) throw damaged();
  const data = view(bytes);
  const eocd = findEndOfCentralDirectory(bytes, data);
  let disk = data.getUint16(eocd + 4, true);
  let directoryDisk = data.getUint16(eocd + 6, true);
  let entriesOnDisk: number = data.getUint16(eocd + 8, true);
  let entryCount: number = data.getUint16(eocd + 10, true);
  let directorySize: number = data.getUint32(eocd + 12, true);
  let directoryOffset: number = data.getUint32(eocd + 16, true);
  let directoryEnd = eocd;

  // ZIP64: a locator just before the record points at a 64-bit version of it.
  const locator = eocd - 20;
  if (locator >= 0 && data.getUint32(locator, true) === ZIP64_LOCATOR_SIGNATURE) {
    const record = uint64(data, locator + 8);
    if (record + 56 > locator || data.getUint32(record, true) !== ZIP64_EOCD_SIGNATURE) throw damaged();
    disk = data.getUint32(record + 16, true);
    directoryDisk = data.getUint32(record + 20, true);
    entriesOnDisk = uint64(data, record + 24);
    entryCount = uint64(data, record + 32);
    directorySize = uint64(data, record + 40);
    directoryOffset = uint64(data, record + 48);
    directoryEnd = record;
  }
  // Split (multi-disk) archives are not something a spreadsheet saves.
  if (disk !== 0 || directoryDisk !== 0 || entriesOnDisk !== entryCount) throw damaged();
  if (entryCount > MAX_ZIP_ENTRIES) throw tooManyEntries();
  if (entryCount === 0 || directoryOffset + directorySize > directoryEnd) throw damaged();

  const entries: ZipEntry[] = [];
  const names = new Set<string>();
  let total = 0;
  let at = directoryOffset;
  for (let i = 0; i < entryCount; i++) {
    if (at + 46 > directoryEnd || data.getUint32(at, true) !== CENTRAL_SIGNATURE) throw damaged();
    const flags = data.getUint16(at + 8, true);
    const method = data.getUint16(at + 10, true);
    const crc = data.getUint32(at + 16, true);
    let compressedSize: number = data.getUint32(at + 20, true);
    let uncompressedSize: number = data.getUint32(at + 24, true);
    const nameLength = data.getUint16(at + 28, true);
    const extraLength = data.getUint16(at + 30, true);
    const commentLength = data.getUint16(at + 32, true);
    let localHeaderOffset: number = data.getUint32(at + 42, true);
    const nameStart = at + 46;
    const extraStart = nameStart + nameLength;
    const next = extraStart + extraLength + commentLength;
    if (next > directoryEnd) throw damaged();
    const name = Buffer.from(bytes.buffer, bytes.byteOffset + nameStart, nameLength).toString(
      flags & 0x800 ? 'utf8' : 'latin1',
    );

    // ZIP64 extra field: the 64-bit values, in this order, of the fields that are 0xFFFFFFFF.
    if (uncompressedSize === 0xffffffff || compressedSize === 0xffffffff || localHeaderOffset === 0xffffffff) {
      let field = extraStart;
      let found = false;
      while (field + 4 <= extraStart + extraLength) {
        const id = data.getUint16(field, true);
        const size = data.getUint16(field + 2, true);
        if (field + 4 + size > extraStart + extraLength) throw damaged();
        if (id === 0x0001) {
          let value = field + 4;
          const read = () => {
            if (value + 8 > field + 4 + size) throw damaged();
            const result = uint64(data, value);
            value += 8;
            return result;
          };
          if (uncompressedSize === 0xffffffff) uncompressedSize = read();
          if (compressedSize === 0xffffffff) compressedSize = read();
          if (localHeaderOffset === 0xffffffff) localHeaderOffset = read();
          found = true;
          break;
        }
        field += 4 + size;
      }
      if (!found) throw damaged();
    }

    if (names.has(name)) throw damaged();
    names.add(name);
    if (localHeaderOffset + 30 > directoryOffset || localHeaderOffset + 30 + compressedSize > directoryOffset)
      throw damaged();
    total += uncompressedSize;
    if (total > MAX_ZIP_UNCOMPRESSED_BYTES) {
      throw new FileRefusal(
        `The file would be more than ${MAX_ZIP_UNCOMPRESSED_BYTES / 1024 / 1024} MB once uncompressed, far more than a sheet of rows needs, so it was not opened. Remove other sheets and pictures, or save the sheet as CSV, and upload it again`,
      );
    }
    if (uncompressedSize > RATIO_CHECKED_FROM_BYTES && uncompressedSize > compressedSize * MAX_ZIP_RATIO) {
      throw new FileRefusal(
        `Part of the file is compressed far more than a spreadsheet ever is (over ${MAX_ZIP_RATIO} to 1), as files made to overload a server are, so it was not opened. Copy your rows into a new workbook, save it as Excel workbook (.xlsx) or CSV and upload that`,
      );
    }
    entries.push({ name, method, flags, crc, compressedSize, uncompressedSize, localHeaderOffset });
    at = next;
  }
  return entries;
}

function tooManyEntries(): FileRefusal {
  return new FileRefusal(
    `The file is a compressed file of more than ${MAX_ZIP_ENTRIES.toLocaleString('en-GB')} parts, far more than any workbook has, so it was not opened. Copy your rows into a new workbook, save it as Excel workbook (.xlsx) or CSV and upload that`,
  );
}

/**
 * Reads the directory of an XLSX: a zip as above that is also an Excel workbook. Refuses other
 * zips (an OpenDocument or binary Excel workbook, a Word document, an archive of files).
 */
export function readWorkbookDirectory(bytes: Uint8Array): Map<string, ZipEntry> {
  const entries = new Map(readZipDirectory(bytes).map((entry) => [entry.name, entry]));
  if (entries.has('xl/workbook.xml')) return entries;
  if (entries.has('xl/workbook.bin'))
    throw new FileRefusal(
      'The file is an Excel binary workbook (.xlsb). Save it as Excel workbook (.xlsx) or CSV and upload it again',
    );
  if (entries.has('content.xml') && entries.has('mimetype'))
    throw new FileRefusal(
      'The file is an OpenDocument spreadsheet (.ods), not an Excel workbook. Save it as Excel workbook (.xlsx) or CSV and upload it again',
    );
  throw new FileRefusal(
    'The file is a zip but not an Excel workbook. Upload the sheet saved from your spreadsheet as Excel workbook (.xlsx) or CSV',
  );
}

/** Where an entry's compressed bytes are, checked against its local header. */
function compressedBytes(bytes: Uint8Array, entry: ZipEntry): Uint8Array {
  const data = view(bytes);
  const at = entry.localHeaderOffset;
  if (data.getUint32(at, true) !== LOCAL_SIGNATURE) throw damaged();
  // Encrypted entries (bit 0) are not how Excel protects a workbook: nothing we can read.
  if (entry.flags & 0x1) throw damaged();
  if (entry.method !== 0 && entry.method !== 8) throw damaged();
  if (entry.method === 0 && entry.compressedSize !== entry.uncompressedSize) throw damaged();
  const start = at + 30 + data.getUint16(at + 26, true) + data.getUint16(at + 28, true);
  const end = start + entry.compressedSize;
  if (end > bytes.length) throw damaged();
  return bytes.subarray(start, end);
}

/** A small part, whole, as text. */
export function readEntryText(bytes: Uint8Array, entry: ZipEntry): string {
  if (entry.uncompressedSize > MAX_SMALL_PART_BYTES) throw damaged();
  const compressed = compressedBytes(bytes, entry);
  let inflated: Buffer;
  try {
    inflated =
      entry.method === 0
        ? Buffer.from(compressed)
        : inflateRawSync(compressed, { maxOutputLength: Math.max(1, entry.uncompressedSize) });
  } catch {
    // Bad data, or more than the directory declared.
    throw damaged();
  }
  if (inflated.length !== entry.uncompressedSize || crc32(inflated) !== entry.crc) throw damaged();
  return inflated.toString('utf8');
}

/**
 * A part's inflated bytes, in chunks, exactly as many as the directory declared: a part that
 * inflates to more is cut off there (so a lying directory cannot make us inflate more than the
 * limits allowed), and one that fails or inflates to less is padded with spaces. Either way
 * `onFailure` is told, so the caller refuses the file instead of trusting what it read.
 * Throws at once, before anything is streamed, when the part cannot be read at all.
 */
export function entryChunks(
  bytes: Uint8Array,
  entry: ZipEntry,
  onFailure: (refusal: FileRefusal) => void,
): AsyncIterable<Uint8Array> | Iterable<Uint8Array> {
  const compressed = compressedBytes(bytes, entry);
  if (entry.method === 0) {
    if (crc32(compressed) !== entry.crc) throw damaged();
    return [compressed];
  }
  return inflated(compressed, entry, onFailure);
}

async function* inflated(
  compressed: Uint8Array,
  entry: ZipEntry,
  onFailure: (refusal: FileRefusal) => void,
): AsyncGenerator<Uint8Array> {
  let remaining = entry.uncompressedSize;
  let crc = 0;
  const inflater = createInflateRaw({ chunkSize: 64 * 1024 });
  Readable.from([compressed]).pipe(inflater);
  try {
    for await (const chunk of inflater as AsyncIterable<Buffer>) {
      if (chunk.length > remaining) {
        if (remaining > 0) yield chunk.subarray(0, remaining);
        remaining = 0;
        onFailure(
          new FileRefusal(
            'The file could not be opened as an Excel workbook: part of it inflates to more than the file declares, as damaged files and files made to overload a server do. Open it in your spreadsheet, save it again as Excel workbook (.xlsx) or CSV and upload it',
          ),
        );
        return;
      }
      remaining -= chunk.length;
      crc = crc32(chunk, crc);
      yield chunk;
    }
    // Damage that still inflates (a changed bit in a literal) shows in the checksum.
    if (remaining === 0 && crc !== entry.crc) onFailure(damaged());
  } catch {
    onFailure(damaged());
  } finally {
    inflater.destroy();
  }
  if (remaining > 0) {
    onFailure(damaged());
    const spaces = Buffer.alloc(Math.min(remaining, 64 * 1024), 0x20);
    for (; remaining > 0; remaining -= spaces.length)
      yield remaining >= spaces.length ? spaces : spaces.subarray(0, remaining);
  }
}

export interface StoredPart {
  name: string;
  size: number;
  chunks: AsyncIterable<Uint8Array> | Iterable<Uint8Array>;
}

/**
 * A new zip of the given parts, in the given order, stored (not compressed) with their sizes in
 * the local headers and no central directory: what a streaming zip reader needs and no more.
 * Each part must yield exactly `size` bytes.
 */
export async function* storedZip(parts: Iterable<StoredPart>): AsyncGenerator<Uint8Array> {
  for (const part of parts) {
    const name = Buffer.from(part.name, 'utf8');
    const header = Buffer.alloc(30);
    header.writeUInt32LE(LOCAL_SIGNATURE, 0);
    header.writeUInt16LE(20, 4); // version needed: 2.0
    header.writeUInt16LE(0x800, 6); // names in UTF-8
    header.writeUInt16LE(0, 8); // stored
    header.writeUInt16LE(0, 10); // time
    header.writeUInt16LE(0x21, 12); // date: 1 January 1980
    header.writeUInt32LE(0, 14); // CRC, not checked by the reader
    header.writeUInt32LE(part.size, 18);
    header.writeUInt32LE(part.size, 22);
    header.writeUInt16LE(name.length, 26);
    header.writeUInt16LE(0, 28);
    yield header;
    yield name;
    yield* part.chunks;
  }
  const end = Buffer.alloc(EOCD_SIZE);
  end.writeUInt32LE(EOCD_SIGNATURE, 0);
  yield end;
}
