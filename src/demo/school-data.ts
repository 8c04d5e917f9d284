// Demo school data: 60 learners of the demo primary school (Reception to Year 6) with a few
// fields each (some blank), published, so that "Find a learner", the learner's page, sign-in
// letters and the next upload's template have something to show.
import type { Kysely } from 'kysely';
import type { DB } from '../db/schema.ts';
import { inTransaction } from '../db/transaction.ts';
import type { Actor } from '../domain/organisations/actor.ts';
import { type StagedLearnerData, submitSchoolData } from '../domain/school-data/school-data.ts';
import type { DemoContext } from './area.ts';
import { DEMO } from './organisations.ts';

const FIRST_NAMES = [
  'Amelia',
  'Oliver',
  'Isla',
  'George',
  'Ava',
  'Noah',
  'Mia',
  'Arthur',
  'Ivy',
  'Leo',
  'Freya',
  'Oscar',
];
const SURNAMES = ['Smith', 'Jones', 'Taylor', 'Brown', 'Williams', 'Wilson', 'Evans', 'Khan', 'Patel', 'Nowak'];
const YEARS = ['Reception', 'Year 1', 'Year 2', 'Year 3', 'Year 4', 'Year 5', 'Year 6'];
const LEVELS = ['Working towards', 'Expected', 'Greater depth'];
const UPN_LETTERS = 'ABCDEFGHJKLMNPQRTUVWXYZ';

/** A valid UPN for the demo school (local authority 801, establishment 1001). */
function upn(n: number): string {
  const last12 = `80110012${String(n).padStart(3, '0')}0`;
  let sum = 0;
  for (let i = 0; i < 12; i++) sum += Number(last12[i]) * (i + 2);
  return `${UPN_LETTERS[sum % 23]}${last12}`;
}

export async function loadDemoSchoolData(db: Kysely<DB>, { organisations, today, via }: DemoContext): Promise<void> {
  const actor: Actor = {
    userId: null,
    email: '',
    firstName: 'Demo',
    lastName: 'data',
    organisation: { id: organisations.school, type: 'school', name: DEMO.school.name },
    role: 'admin',
  };
  const year = Number(today.slice(0, 4));
  const items: StagedLearnerData[] = Array.from({ length: 60 }, (_, i) => {
    const group = i % YEARS.length;
    return {
      upn: upn(i + 1),
      admissionNumber: String(2000 + i),
      firstName: FIRST_NAMES[i % FIRST_NAMES.length],
      surname: SURNAMES[(i * 7) % SURNAMES.length],
      dateOfBirth: `${year - 5 - group}-${String(1 + (i % 12)).padStart(2, '0')}-${String(1 + (i % 28)).padStart(2, '0')}`,
      yearGroup: YEARS[group],
      fields: [
        ['Reading', LEVELS[i % 3]],
        ['Writing', LEVELS[(i + 1) % 3]],
        ['Maths', LEVELS[(i + 2) % 3]],
        ['Attendance this term', `${90 + (i % 10)}%`],
        ['Clubs', i % 4 === 0 ? 'Choir, Football' : ''],
      ].filter(([, value]) => value !== '') as [string, string][],
    };
  });
  await inTransaction(db, (tx) =>
    submitSchoolData(
      tx,
      actor,
      { items },
      {
        introduction: [
          'This is how you are getting on this term. Your teacher will talk it through with you.',
          '“Expected” means you are where we hope you will be at this point in the year.',
        ],
        publishAt: new Date(),
        submittedByName: 'Demo data',
        dateSubmitted: today,
      },
      { via },
    ),
  );
}
