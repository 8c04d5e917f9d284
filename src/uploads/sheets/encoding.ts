// Turns the bytes of a text file into a string, the way a UK spreadsheet user saved it:
// a BOM says UTF-8 or UTF-16; otherwise strict UTF-8; otherwise Windows-1252 (Excel's "CSV").
import iconv from 'iconv-lite';

export type TextEncoding = 'utf-8' | 'utf-8-bom' | 'utf-16le' | 'utf-16be' | 'windows-1252';

export function detectEncoding(bytes: Uint8Array): TextEncoding {
  if (bytes[0] === 0xef && bytes[1] === 0xbb && bytes[2] === 0xbf) return 'utf-8-bom';
  if (bytes[0] === 0xff && bytes[1] === 0xfe) return 'utf-16le';
  if (bytes[0] === 0xfe && bytes[1] === 0xff) return 'utf-16be';
  try {
    new TextDecoder('utf-8', { fatal: true }).decode(bytes);
    return 'utf-8';
  } catch {
    return 'windows-1252';
  }
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
