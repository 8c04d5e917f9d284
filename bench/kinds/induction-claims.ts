// Benchmark set-up for the induction-claims kind: an appropriate body and its admin, N teachers
// with QTS in the local teaching record, each registered by a school with the body (so the
// prefilled template lists all N, every row a claim). The teaching record is the local adapter.
// And the floor's writes: what any submission of the file must write, directly from its rows.
import { sql } from 'kysely';
import Papa from 'papaparse';
import type { Database } from '../../src/db/database.ts';
import { type Actor, SYSTEM } from '../../src/domain/organisations/actor.ts';
import { createOrganisation } from '../../src/domain/organisations/organisations.ts';
import { addUserToOrganisation } from '../../src/domain/organisations/users.ts';
import { upsertSchools } from '../../src/domain/schools/schools.ts';
import { templateRows } from '../bench-provider.ts';
import type { FloorContext, FloorWrite } from '../upload.ts';

const FIRST_TRN = 6_000_000;

export async function seedBench(
  database: Database,
  rows: number,
  today: string,
): Promise<{ actor: Actor; csv: string }> {
  const db = database.db;
  const body = await createOrganisation(db, SYSTEM, {
    type: 'appropriate_body',
    appropriateBodyType: 'teaching_school_hub',
    name: 'Benchmark Teaching School Hub',
  });
  const { user } = await addUserToOrganisation(db, SYSTEM, body.id, {
    email: 'bench@example.com',
    firstName: 'Bench',
    lastName: 'Mark',
    role: 'admin',
    password: 'benchmark-password',
  });
  await upsertSchools(db, [
    {
      urn: '700001',
      name: 'Benchmark School',
      postcode: 'LS1 4AB',
      phase: 'Secondary',
      establishmentType: 'Community school',
      status: 'Open',
      localAuthority: 'Northshire',
      ukprn: null,
    },
  ]);
  const school = await createOrganisation(db, SYSTEM, { type: 'school', urn: '700001' });
  const year = Number(today.slice(0, 4)) - (Number(today.slice(5, 7)) >= 9 ? 0 : 1);
  const start = `${year}-09-01`;
  // The local teaching record's teachers, Rollbook's copy of them and the school's reports, in SQL.
  await sql`
    insert into teaching_record_teachers (trn, date_of_birth, first_name, last_name, qts_date, induction_status)
    select lpad((${FIRST_TRN} + i)::text, 7, '0'), date '1985-01-01' + (i % 5000), 'Bench', 'Teacher ' || i,
      ${`${year}-07-20`}::date, 'RequiredToComplete'
    from generate_series(1, ${rows}::int) as i
  `.execute(db);
  await sql`
    insert into teachers (trn, date_of_birth, first_name, last_name, qts_date, record_status)
    select trn, date_of_birth, first_name, last_name, qts_date, induction_status from teaching_record_teachers
  `.execute(db);
  await sql`
    insert into ect_registrations (school_id, teacher_id, appropriate_body_id, started_on, training_programme)
    select ${school.id}::uuid, t.id, ${body.id}::uuid, ${start}::date,
      case when t.trn::int % 3 = 0 then 'school_led' else 'provider_led' end
    from teachers t
  `.execute(db);
  await sql`analyze teaching_record_teachers, teachers, ect_registrations`.execute(db);
  const actor: Actor = {
    userId: user.id,
    email: user.email,
    firstName: user.first_name,
    lastName: user.last_name,
    organisation: { id: body.id, type: body.type, name: body.name },
    role: 'admin',
  };
  const { headers, rows: data } = await templateRows(database, actor, 'induction-claims', today);
  return { actor, csv: Papa.unparse([headers, ...data]) };
}

/**
 * The records claiming the file's ECTs must write, from its rows: each teacher refreshed from the
 * teaching record, an induction period each, the status change for the teaching record, and one
 * audit event each. Each statement finds the teachers by the file's TRN; no checks.
 */
export function floorWrites({ rows, cell, actor, via }: FloorContext): FloorWrite[] {
  const body = actor.organisation.id;
  const teachers = sql`${rows} join teachers t on t.trn = ${cell('TRN')}`;
  const start = sql`to_date(${cell('Induction period start date')}, 'DD/MM/YYYY')`;
  return [
    {
      name: 'teachers',
      table: 'teachers',
      statement: sql`
        update teachers t set first_name = r.first_name, last_name = r.last_name, qts_date = r.qts_date,
          record_status = r.induction_status
        from ${rows} join teaching_record_teachers r on r.trn = ${cell('TRN')}
        where t.trn = r.trn`,
    },
    {
      name: 'induction periods',
      table: 'induction_periods',
      statement: sql`
        insert into induction_periods (teacher_id, appropriate_body_id, started_on, training_programme, claimed_by_upload)
        select t.id, ${body}::uuid, ${start}, replace(${cell('Induction programme')}, '-', '_'), gen_random_uuid()
        from ${teachers}`,
    },
    {
      name: 'status changes',
      table: 'induction_status_updates',
      statement: sql`
        insert into induction_status_updates (teacher_id, trn, status, start_date)
        select t.id, t.trn, 'InProgress', ${start} from ${teachers} order by t.trn`,
    },
    {
      name: 'audit events',
      table: 'events',
      statement: sql`
        insert into events (actor_user_id, actor_organisation_id, organisation_id, subject_type, subject_id, action, changes, via)
        select ${actor.userId}::uuid, ${body}::uuid, ${body}::uuid, 'teacher', t.id::text, 'induction claimed',
          jsonb_build_object('teacher', jsonb_build_object('to', t.first_name || ' ' || t.last_name),
            'started_on', jsonb_build_object('to', ${start})),
          ${via}
        from ${teachers}`,
    },
  ];
}
