// The planner chooses how to join by each table's statistics. After a bulk write they are stale
// until autovacuum gets round to them (and PGlite has no autovacuum at all): a submission joining
// 6,000 staged rows to freshly bulk-inserted trainees took 31 s with stale statistics and 31 ms
// with fresh ones. So whatever writes many rows at once refreshes them itself.
import { type Kysely, sql } from 'kysely';
import type { DB } from './schema.ts';

/** Writes of at least this many rows refresh the statistics of the tables they wrote. */
export const REFRESH_STATISTICS_FROM_ROWS = 1_000;

/** ANALYZE these tables: a sample of each, so a few tens of milliseconds even for large ones. */
export async function refreshStatistics(db: Kysely<DB>, tables: readonly (keyof DB & string)[]): Promise<void> {
  if (tables.length === 0) return;
  await sql`analyze ${sql.join(tables.map((table) => sql.table(table)))}`.execute(db);
}
