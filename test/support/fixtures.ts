// Named upload files for fixed cases, one folder per kind: test/fixtures/uploads/<kind>/<case>.csv.
// The same case is the same file in a kind's tests, the route and API tests and the browser journeys.
import { readFileSync } from 'node:fs';

const FIXTURES = new URL('../fixtures/uploads/', import.meta.url);

export interface UploadFixture {
  /** The file's name, `<case>.csv`, as it is uploaded. */
  name: string;
  bytes: Buffer;
}

/** The fixture file of a kind's case (the file name without `.csv`). */
export function uploadFixture(kind: string, name: string): UploadFixture {
  const fileName = `${name}.csv`;
  return { name: fileName, bytes: readFileSync(new URL(`${kind}/${fileName}`, FIXTURES)) };
}

/** The same file as a browser journey chooses it (test/e2e/support/upload.ts). */
export function uploadFixtureFile(kind: string, name: string): { name: string; mimeType: string; buffer: Buffer } {
  const { name: fileName, bytes } = uploadFixture(kind, name);
  return { name: fileName, mimeType: 'text/csv', buffer: bytes };
}
