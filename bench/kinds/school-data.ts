// Benchmark set-up for the school-data kind: a school and its admin, half of the file's learners
// already known (with data of their own, so their rows replace it) and half new, and a plain sheet
// (the heading row only, no header block) with the compulsory fields and `fields` fields of the
// school's own in every row. And the floor's writes: what any submission of the file must write,
// done directly from the file's rows.
import { sql } from 'kysely';
import Papa from 'papaparse';
import type { Database } from '../../src/db/database.ts';
import { inTransaction } from '../../src/db/transaction.ts';
import { type Actor, SYSTEM } from '../../src/domain/organisations/actor.ts';
import { createOrganisation } from '../../src/domain/organisations/organisations.ts';
import { addUserToOrganisation } from '../../src/domain/organisations/users.ts';
import { type StagedLearnerData, submitSchoolData } from '../../src/domain/school-data/school-data.ts';
import { upsertSchools } from '../../src/domain/schools/schools.ts';
import type { FloorContext, FloorWrite } from '../upload.ts';

const UPN_LETTERS = 'ABCDEFGHJKLMNPQRTUVWXYZ';

/** A valid UPN for each number (local authority 801, establishment 2000, serials from 0). */
function upn(n: number): string {
  const last12 = `80120${String(n).padStart(7, '0')}`;
  let sum = 0;
  for (let i = 0; i < 12; i++) sum += Number(last12[i]) * (i + 2);
  return `${UPN_LETTERS[sum % 23]}${last12}`;
}

const GRADES = ['9', '8', '7', '6', '5', '4', '3', '2', '1', 'U', 'A*', '3+', '007', ''];

export async function seedBench(
  database: Database,
  rows: number,
  today: string,
  { fields = 20 }: { fields?: number } = {},
): Promise<{ actor: Actor; csv: string }> {
  const db = database.db;
  await upsertSchools(db, [
    {
      urn: '799999',
      name: 'Benchmark Academy',
      postcode: 'LS1 4AB',
      phase: 'Secondary',
      establishmentType: 'Academy converter',
      status: 'Open',
      localAuthority: 'Northshire',
      ukprn: null,
    },
  ]);
  const school = await createOrganisation(db, SYSTEM, { type: 'school', urn: '799999', postcode: 'LS1 4AB' });
  const { user } = await addUserToOrganisation(db, SYSTEM, school.id, {
    email: 'bench@example.com',
    firstName: 'Bench',
    lastName: 'Mark',
    role: 'admin',
    password: 'benchmark-password',
  });
  const actor: Actor = {
    userId: user.id,
    email: user.email,
    firstName: user.first_name,
    lastName: user.last_name,
    organisation: { id: school.id, type: school.type, name: school.name },
    role: 'admin',
  };
  const year = Number(today.slice(0, 4));
  const learner = (n: number): StagedLearnerData => ({
    upn: upn(n),
    admissionNumber: `ADM${n}`,
    firstName: `First${n}`,
    surname: `Surname${n % 5000}`,
    dateOfBirth: `${year - 11 - (n % 7)}-0${1 + (n % 9)}-1${n % 9}`,
    yearGroup: `Year ${6 + (n % 7)}`,
    fields: [['Earlier field', String(n % 9)]],
  });
  // Half the file's learners are known already, with data of their own (in batches, through the domain).
  const known = Math.floor(rows / 2);
  for (let from = 0; from < known; from += 20_000) {
    const items = Array.from({ length: Math.min(20_000, known - from) }, (_, i) => learner(from + i));
    await inTransaction(db, (tx) =>
      submitSchoolData(
        tx,
        actor,
        { items },
        { introduction: ['Earlier data.'], publishAt: new Date(), submittedByName: 'Bench', dateSubmitted: null },
        { via: 'bench set-up' },
      ),
    );
  }
  await sql`analyze learners`.execute(db);
  await sql`analyze learner_school_data`.execute(db);
  const own = Array.from({ length: fields }, (_, i) => `Subject ${i + 1} predicted grade`);
  const headers = ['First name', 'Surname', 'UPN', 'Admission number', 'Date of birth', 'Year group', ...own];
  const data = Array.from({ length: rows }, (_, n) => {
    const l = learner(n);
    const [y, m, d] = l.dateOfBirth.split('-');
    return [
      l.firstName,
      l.surname,
      l.upn,
      l.admissionNumber,
      `${d}/${m}/${y}`,
      l.yearGroup,
      ...own.map((_, i) => GRADES[(n + i) % GRADES.length]),
    ];
  });
  return { actor, csv: Papa.unparse([headers, ...data]) };
}

/**
 * The records submitting the file must write, from the file's rows (`f`, with `cells`): the new
 * learners, every learner's data row (their own fields in column order, blanks left out), and one
 * audit event per learner. No checks.
 */
export function floorWrites({ rows, cell, actor, via }: FloorContext): FloorWrite[] {
  const school = actor.organisation.id;
  const dataSet = crypto.randomUUID();
  return [
    {
      name: 'new learners',
      table: 'learners',
      statement: sql`
        insert into learners (school_id, upn, admission_number, first_name, surname, date_of_birth, year_group)
        select ${school}::uuid, ${cell('UPN')}, ${cell('Admission number')}, ${cell('First name')}, ${cell('Surname')},
          to_date(${cell('Date of birth')}, 'DD/MM/YYYY'), ${cell('Year group')}
        from ${rows}
        where f.row_number > 1
          and not exists (select from learners l where l.school_id = ${school} and l.upn = ${cell('UPN')})`,
    },
    {
      name: 'learner data',
      table: 'learner_school_data',
      statement: sql`
        insert into learner_school_data (data_set_id, learner_id, school_id, fields, created_learner)
        select ${dataSet}::uuid, l.id, ${school}::uuid,
          (select coalesce(jsonb_agg(jsonb_build_array(h.cells[6 + c.position], c.value) order by c.position), '[]'::jsonb)
            from unnest(f.cells[7:]) with ordinality as c(value, position)
            where c.value <> ''),
          false
        from ${rows}
        cross join (select cells from bench_floor where row_number = 1) h
        join learners l on l.school_id = ${school} and l.upn = ${cell('UPN')}
        where f.row_number > 1`,
    },
    {
      name: 'audit events',
      table: 'events',
      statement: sql`
        insert into events (actor_user_id, actor_organisation_id, organisation_id, subject_type, subject_id, action, changes, via)
        select ${actor.userId}::uuid, ${school}::uuid, ${school}::uuid, 'learner', l.id::text, 'school data submitted',
          jsonb_build_object('fields', jsonb_build_object('to', 20)), ${via}
        from ${rows}
        join learners l on l.school_id = ${school} and l.upn = ${cell('UPN')}
        where f.row_number > 1`,
    },
  ];
}
