// The schools register (from GIAS). A school that signs up is also an organisation with its URN.

import { type Kysely, sql } from 'kysely';
import type { DB } from '../../db/schema.ts';
import { REFRESH_STATISTICS_FROM_ROWS, refreshStatistics } from '../../db/statistics.ts';
import { inTransaction } from '../../db/transaction.ts';

export interface SchoolRecord {
  urn: string;
  name: string;
  postcode: string | null;
  phase: string | null;
  establishmentType: string | null;
  status: string | null;
  localAuthority: string | null;
  ukprn: string | null;
}

const BATCH = 10_000;

/**
 * Inserts or updates schools by URN, set-based: each batch is one statement over arrays
 * (unnest), the same on PostgreSQL and PGlite. Returns how many were new and updated.
 */
export async function upsertSchools(
  db: Kysely<DB>,
  schools: SchoolRecord[],
): Promise<{ inserted: number; updated: number }> {
  let inserted = 0;
  let updated = 0;
  await inTransaction(db, async (tx) => {
    for (let start = 0; start < schools.length; start += BATCH) {
      const batch = schools.slice(start, start + BATCH);
      const column = (key: keyof SchoolRecord) => batch.map((school) => school[key]);
      const result = await sql<{ inserted: boolean }>`
        insert into schools (urn, name, postcode, phase, establishment_type, status, local_authority, ukprn, updated_at)
        select u.*, now() from unnest(
          ${column('urn')}::text[], ${column('name')}::text[], ${column('postcode')}::text[], ${column('phase')}::text[],
          ${column('establishmentType')}::text[], ${column('status')}::text[], ${column('localAuthority')}::text[],
          ${column('ukprn')}::text[]
        ) as u
        on conflict (urn) do update set
          name = excluded.name, postcode = excluded.postcode, phase = excluded.phase,
          establishment_type = excluded.establishment_type, status = excluded.status,
          local_authority = excluded.local_authority, ukprn = excluded.ukprn, updated_at = now()
        returning (xmax = 0) as inserted
      `.execute(tx);
      for (const row of result.rows) row.inserted ? inserted++ : updated++;
    }
  });
  if (schools.length >= REFRESH_STATISTICS_FROM_ROWS) await refreshStatistics(db, ['schools']);
  return { inserted, updated };
}

export async function countSchools(db: Kysely<DB>): Promise<number> {
  const { n } = await db
    .selectFrom('schools')
    .select((eb) => eb.fn.countAll<string>().as('n'))
    .executeTakeFirstOrThrow();
  return Number(n);
}
