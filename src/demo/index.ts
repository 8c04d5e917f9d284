// Demo data: the entry point that seeds everything into an empty database. Schools and
// organisations come first, then each area in `AREAS` in turn, then the users (so the audit log
// reads in that order). A new area of the service adds its own module in this folder, exporting a
// `DemoArea`, and one line to `AREAS`.
import { readFile } from 'node:fs/promises';
import type { Kysely } from 'kysely';
import type { DB } from '../db/schema.ts';
import { today as todayInEngland } from '../domain/dates.ts';
import { upsertSchools } from '../domain/schools/schools.ts';
import { parseGiasCsv } from '../integrations/schools-register/gias-csv.ts';
import type { DemoArea } from './area.ts';
import { loadDemoInduction } from './induction.ts';
import { loadDemoOrganisations, loadDemoUsers } from './organisations.ts';
import { loadDemoPlacements } from './placements.ts';
import { loadDemoSchoolData } from './school-data.ts';
import { loadSignOffDemo } from './sign-off.ts';
import { loadDemoTrainees } from './trainees.ts';

export type { DemoArea, DemoContext } from './area.ts';
export { DEMO_INDUCTION, demoInductionTeacher } from './induction.ts';
export { DEMO, DEMO_PASSWORD, type DemoUser, demoUsersToSignInAs } from './organisations.ts';

/** The areas' demo data, in the order it is loaded (later areas may build on earlier ones). */
const AREAS: DemoArea[] = [
  loadDemoTrainees,
  loadDemoPlacements,
  loadSignOffDemo,
  loadDemoInduction,
  loadDemoSchoolData,
];

const DEMO_SCHOOLS_FILE = new URL('../../data/demo-schools.csv', import.meta.url);
const VIA = 'demo data';

export async function isDatabaseEmpty(db: Kysely<DB>): Promise<boolean> {
  const row = await db.selectFrom('organisations').select('id').limit(1).executeTakeFirst();
  return !row;
}

/** Loads the demo schools, organisations, each area's records and the users. Refuses to run twice. */
export async function loadDemoData(db: Kysely<DB>): Promise<void> {
  if (!(await isDatabaseEmpty(db))) {
    throw new Error('Demo data can only be loaded into a database with no organisations');
  }
  const { schools } = parseGiasCsv(await readFile(DEMO_SCHOOLS_FILE));
  await upsertSchools(db, schools);
  const organisations = await loadDemoOrganisations(db, VIA);
  const context = { organisations, via: VIA, today: todayInEngland() };
  for (const area of AREAS) await area(db, context);
  await loadDemoUsers(db, organisations, VIA);
}
