// What every demo area receives: one function per area of the service (trainees, placements,
// sign-off, …), listed in src/demo/index.ts and run in that order on an empty database.
import type { Kysely } from 'kysely';
import type { DB } from '../db/schema.ts';
import type { DemoOrganisationIds } from './organisations.ts';

export interface DemoContext {
  /** The demo organisations' ids, by their key in `DEMO`. */
  organisations: DemoOrganisationIds;
  /** How the audit log says the records were made ("demo data"). */
  via: string;
  /** Today in England (YYYY-MM-DD): dates in the demo data are placed around it. */
  today: string;
}

/** Adds one area's demo records. It runs after the schools and organisations exist, before the users. */
export type DemoArea = (db: Kysely<DB>, context: DemoContext) => Promise<void>;
