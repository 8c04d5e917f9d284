// Turns the bytes of a text file into a string, the way a UK spreadsheet user saved it:
// a BOM says UTF-8 or UTF-16; otherwise strict UTF-8; otherwise Windows-1252 (Excel's "CSV").
import { isUtf8 } from 'node:buffer';
import iconv from 'iconv-lite';

export type TextEncoding = 'utf-8' | 'utf-8-bom' | 'utf-16le' | 'utf-16be' | 'windows-1252';

export function detectEncoding(bytes: Uint8Array): TextEncoding {
  if (bytes[0] === 0xef && bytes[1] === 0xbb && bytes[2] === 0xbf) return 'utf-8-bom';
  if (bytes[0] === 0xff && bytes[1] === 0xfe) return 'utf-16le';
  if (bytes[0] === 0xfe && bytes[1] === 0xff) return 'utf-16be';
  return isUtf8(bytes) ? 'utf-8' : 'windows-1252';
}

/** Bytes after the byte order mark, if any. */
function bomLength(encoding: TextEncoding): number {
  return encoding === 'utf-8-bom' ? 3 : encoding === 'utf-16le' || encoding === 'utf-16be' ? 2 : 0;
}

const DECODERS: Record<TextEncoding, string> = {
  'utf-8': 'utf8',
  'utf-8-bom': 'utf8',
  'utf-16le': 'utf-16le',
  'utf-16be': 'utf-16be',
  'windows-1252': 'win1252',
};

/**
 * The text of the file a piece at a time (of about `pieceBytes` bytes each), so that a large file
 * never exists as one string; a character split between pieces is carried to the next.
 */
export function* decodePieces(bytes: Uint8Array, encoding: TextEncoding, pieceBytes: number): Generator<string> {
  const buffer = Buffer.from(bytes.buffer, bytes.byteOffset, bytes.byteLength);
  const decoder = iconv.getDecoder(DECODERS[encoding], { stripBOM: false });
  for (let at = bomLength(encoding); at < buffer.length; at += pieceBytes) {
    const piece = decoder.write(buffer.subarray(at, at + pieceBytes));
    if (piece) yield piece;
  }
  const rest = decoder.end();
  if (rest) yield rest;
}

export function decodeText(bytes: Uint8Array): { text: string; encoding: TextEncoding } {
  const encoding = detectEncoding(bytes);
  const buffer = Buffer.from(bytes.buffer, bytes.byteOffset, bytes.byteLength);
  switch (encoding) {
    case 'utf-8-bom':
      return { text: buffer.subarray(3).toString('utf8'), encoding };
    case 'utf-8':
      return { text: buffer.toString('utf8'), encoding };
    case 'utf-16le':
    case 'utf-16be':
      return { text: iconv.decode(buffer.subarray(2), encoding), encoding };
    default:
      return { text: iconv.decode(buffer, 'win1252'), encoding };
  }
}
