// Demo data for performance-profile sign-off: whatever today's date, some of the SCITT's awarded
// and withdrawn trainees finished in the previous academic year, and some of those awarded have
// fewer than 2 placements, so the sign-off page has something to check. Existing demo trainees
// are moved into that year (rather than new ones added), so the README's counts still hold.
import { type Kysely, sql } from 'kysely';
import type { DB } from '../db/schema.ts';
import { addMonths, traineeAcademicYearDates } from '../domain/dates.ts';
import { signOffYear } from '../domain/placements/sign-off.ts';
import type { DemoContext } from './area.ts';

/** Placements (demo school URNs) of each trainee moved into the year, in provider trainee ID order. */
const AWARDED_PLACEMENTS = [
  ['100002', '100014'],
  // Two sites of one school share a URN: a split site, told apart by the start date.
  ['100003', '100003'],
  ['100021', '100022', '100030'],
  ['100004'],
  [],
  ['100005'],
  [],
  ['100006', '100007'],
  [],
  ['100008', '100009'],
];
const WITHDRAWN_PLACEMENTS = [['100010'], [], []];

const plusDays = (date: string, days: number) =>
  new Date(Date.parse(date) + days * 86_400_000).toISOString().slice(0, 10);

export async function loadSignOffDemo(db: Kysely<DB>, { organisations, today }: DemoContext): Promise<void> {
  const providerId = organisations.scitt;
  const { from } = traineeAcademicYearDates(signOffYear(today));
  const pick = (state: 'awarded' | 'withdrawn', n: number) =>
    db
      .selectFrom('trainees')
      .select('id')
      .where('provider_id', '=', providerId)
      .where('state', '=', state)
      .orderBy('provider_trainee_id')
      .limit(n)
      .execute();
  const [awarded, withdrawn] = await Promise.all([
    pick('awarded', AWARDED_PLACEMENTS.length),
    pick('withdrawn', WITHDRAWN_PLACEMENTS.length),
  ]);

  // A September start and a June or July end, inside the year (1 August to 31 July).
  const start = addMonths(from, 1);
  const changes = [
    ...awarded.map(({ id }, i) => {
      const standardsMet = plusDays(addMonths(from, 10), -i * 3);
      return {
        id,
        end: plusDays(standardsMet, 14),
        standardsMet,
        awardedDate: plusDays(standardsMet, 7),
        withdrawal: null,
      };
    }),
    ...withdrawn.map(({ id }, i) => ({
      id,
      end: plusDays(addMonths(from, 11), 14),
      standardsMet: null,
      awardedDate: null,
      withdrawal: addMonths(from, 3 + i * 2),
    })),
  ];
  if (changes.length === 0) return;
  const column = <K extends keyof (typeof changes)[number]>(key: K) => changes.map((c) => c[key]);
  await sql`
    update trainees set itt_start_date = ${start}::date, expected_end_date = c.end_date,
      standards_met_date = c.standards_met, awarded_date = c.awarded_date,
      recommended_at = c.standards_met + time '12:00', withdrawal_date = c.withdrawal_date
    from unnest(${column('id')}::uuid[], ${column('end')}::date[], ${column('standardsMet')}::date[],
      ${column('awardedDate')}::date[], ${column('withdrawal')}::date[])
      as c(id, end_date, standards_met, awarded_date, withdrawal_date)
    where trainees.id = c.id
  `.execute(db);

  const placements = [
    ...awarded.flatMap(({ id }, i) => AWARDED_PLACEMENTS[i].map((urn, n) => ({ id, urn, n }))),
    ...withdrawn.flatMap(({ id }, i) => WITHDRAWN_PLACEMENTS[i].map((urn, n) => ({ id, urn, n }))),
  ];
  // These trainees get exactly the placements above, whatever other demo data gave them.
  await db
    .deleteFrom('placements')
    .where(
      'trainee_id',
      'in',
      changes.map((c) => c.id),
    )
    .execute();
  await sql`
    insert into placements (trainee_id, provider_id, school_urn, start_date)
    select p.trainee_id, ${providerId}, p.urn, case when p.n > 0 then ${addMonths(start, 4)}::date end
    from unnest(${placements.map((p) => p.id)}::uuid[], ${placements.map((p) => p.urn)}::text[],
      ${placements.map((p) => p.n)}::int[]) as p(trainee_id, urn, n)
  `.execute(db);
}
