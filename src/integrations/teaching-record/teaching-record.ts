// The Teaching Record System (TRS): where QTS and EYTS are awarded, and where early-career
// teachers are found and their induction status kept. The local default awards every request at
// once, as the real service does once it accepts one, and keeps teachers in Rollbook's own table
// (local-induction.ts); http.ts is a client for the TRS API's induction side
// (src/domain/ports/teaching-record.ts is the interface).
import type { Kysely } from 'kysely';
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
  };
}
