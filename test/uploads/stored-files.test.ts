// Uploaded files are kept byte for byte: on PGlite in 1 MB parts (so no one write or read holds
// the embedded database for long), on PostgreSQL in 8 MB parts (so no write copies a large file whole).
import assert from 'node:assert/strict';
import { randomBytes } from 'node:crypto';
import { after, before, describe, it } from 'node:test';
import type { Database } from '../../src/db/database.ts';
import { loadDemoData } from '../../src/demo/index.ts';
import { readUploadFileBytes, storeUploadFile } from '../../src/uploads/stored-files.ts';
import { testDatabase } from '../support/database.ts';

describe('stored upload files', () => {
  let database: Database;
  let uploadId: string;

  before(async () => {
    database = await testDatabase();
    await loadDemoData(database.db);
    const organisation = await database.db.selectFrom('organisations').select('id').executeTakeFirstOrThrow();
    const newUpload = () =>
      database.db
        .insertInto('uploads')
        .values({
          organisation_id: organisation.id,
          kind: 'qts-recommendations',
          state: 'received',
          file_name: 'a.csv',
          file_format: 'csv',
          file_size: 0,
          headers: '[]',
          unknown_columns: '[]',
          row_count: 0,
        })
        .returning('id')
        .executeTakeFirstOrThrow();
    uploadId = (await newUpload()).id;
  });
  after(() => database.close());

  it('gives back exactly the bytes stored, however large', async () => {
    const bytes = randomBytes(17 * 1024 * 1024 + 17);
    await storeUploadFile(database, uploadId, bytes);
    const parts = await database.db
      .selectFrom('upload_files')
      .select('part')
      .where('upload_id', '=', uploadId)
      .execute();
    assert.equal(parts.length, database.kind === 'pglite' ? 18 : 3);
    assert.ok((await readUploadFileBytes(database, uploadId))?.equals(bytes));
  });

  it('has nothing for an upload without a file, or an id that is not one', async () => {
    assert.equal(await readUploadFileBytes(database, '00000000-0000-4000-8000-000000000000'), undefined);
    assert.equal(await readUploadFileBytes(database, "x'; drop table uploads; --"), undefined);
  });
});
