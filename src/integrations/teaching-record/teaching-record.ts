// The Teaching Record System (TRS): where QTS and EYTS are awarded, where TRNs are issued, and
// where early-career teachers are found and their induction status kept. The local default awards
// every request at once, as the real service does once it accepts one, issues TRNs at once from a
// sequence in Rollbook's own database (unique, 7 digits, from 9000000), and keeps teachers in
// Rollbook's own table (local-induction.ts); http.ts is a client for the TRS API's induction side
// (src/domain/ports/teaching-record.ts is the interface).
import { type Kysely, sql } from 'kysely';
import type { DB } from '../../db/schema.ts';
import type { TeachingRecord } from '../../domain/ports/teaching-record.ts';
import { localTeachingRecordInduction } from './local-induction.ts';

export function localTeachingRecord(today: () => string, db: Kysely<DB>): TeachingRecord {
  return {
    async requestAwards(requests) {
      const awardedDate = today();
      return requests.map(() => ({ outcome: 'awarded', awardedDate }));
    },
    ...localTeachingRecordInduction(db),
    async requestTrns(requests) {
      if (requests.length === 0) return [];
      const { rows } = await sql<{ trn: string }>`
        select lpad(nextval('local_trns')::text, 7, '0') as trn from generate_series(1, ${requests.length}::int)
      `.execute(db);
      return rows.map((row) => ({ outcome: 'issued', trn: row.trn }));
    },
  };
}
