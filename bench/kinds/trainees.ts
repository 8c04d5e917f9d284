// Benchmark set-up for the trainees kind: a provider with N/2 trainees, and a file of N rows, half
// updating those trainees by provider trainee ID (their email, sex and degree, which demo records
// lack), half adding new trainees, so that every row is a change. And the floor's writes: what any
// submission of the file must write, done directly from the file's rows.
import { sql } from 'kysely';
import Papa from 'papaparse';
import type { Database } from '../../src/db/database.ts';
import type { Actor } from '../../src/domain/organisations/actor.ts';
import { seedProviderWithTrainees, templateRows } from '../bench-provider.ts';
import type { FloorContext, FloorWrite } from '../upload.ts';

export async function seedBench(
  database: Database,
  rows: number,
  today: string,
): Promise<{ actor: Actor; csv: string }> {
  const updates = Math.floor(rows / 2);
  const actor = await seedProviderWithTrainees(database, updates, today, ['provider_led_postgrad']);
  const { headers } = await templateRows(database, actor, 'trainees', today);
  const startYear = Number(today.slice(0, 4)) - (Number(today.slice(5, 7)) >= 8 ? 0 : 1);
  const line = (values: Record<string, string>) => headers.map((h) => values[h] ?? '');
  const degree = {
    'Degree type': 'uk',
    'Degree subject': 'Mathematics',
    'Degree grade': 'upper_second',
    'Degree graduation year': '2018',
    'Awarding institution': 'University of Leeds',
  };
  const data: string[][] = [];
  for (let i = 0; i < updates; i++) {
    data.push(
      line({
        'Provider trainee ID': `B-${String(i + 1).padStart(6, '0')}`,
        Sex: i % 2 ? '11' : '10',
        'Email address': `updated${i}@example.com`,
        ...degree,
      }),
    );
  }
  for (let i = 0; i < rows - updates; i++) {
    data.push(
      line({
        'Provider trainee ID': `N-${String(i + 1).padStart(6, '0')}`,
        'First names': `New${i}`,
        'Last name': `Trainee${i}`,
        'Date of birth': `${1980 + (i % 20)}-0${1 + (i % 9)}-1${i % 10}`,
        Sex: '10',
        'Email address': `new${i}@example.com`,
        'Training route': '12',
        'Course subject 1': '100403',
        'Age range': '11 to 16',
        'Study mode': '01',
        'ITT start date': `1/9/${startYear}`,
        'Expected end date': `${startYear + 1}-07-15`,
        ...degree,
      }),
    );
  }
  return { actor, csv: Papa.unparse([headers, ...data]) };
}

/**
 * What a submission must write, from the file's rows: the new trainees, the updates, a TRN request
 * for each new trainee and an audit event for each row. Each statement finds its rows by the
 * provider trainee ID; no checks.
 */
export function floorWrites({ rows, cell, actor, via }: FloorContext): FloorWrite[] {
  const provider = actor.organisation.id;
  const id = cell('Provider trainee ID');
  const added = sql`${rows} join trainees t on t.provider_id = ${provider} and t.provider_trainee_id = ${id}
    and ${id} like 'N-%'`;
  const degree = sql`jsonb_build_object('type', ${cell('Degree type')}, 'subject', ${cell('Degree subject')},
    'grade', ${cell('Degree grade')}, 'graduationYear', ${cell('Degree graduation year')}::int,
    'institution', ${cell('Awarding institution')}, 'country', null)`;
  return [
    {
      name: 'new trainees',
      table: 'trainees',
      statement: sql`
        insert into trainees (provider_id, first_names, last_name, date_of_birth, sex, email, provider_trainee_id,
          route, subject, age_range, study_mode, itt_start_date, expected_end_date, degree, state,
          submitted_for_trn_at, record_source)
        select ${provider}::uuid, ${cell('First names')}, ${cell('Last name')}, ${cell('Date of birth')}::date, 'female',
          ${cell('Email address')}, ${id}, 'provider_led_postgrad', 'Mathematics', ${cell('Age range')}, 'full_time',
          to_date(${cell('ITT start date')}, 'DD/MM/YYYY'), ${cell('Expected end date')}::date, ${degree},
          'submitted_for_trn', now(), 'csv'
        from ${rows} where ${id} like 'N-%'`,
    },
    {
      name: 'updated trainees',
      table: 'trainees',
      statement: sql`
        update trainees t set sex = case ${cell('Sex')} when '10' then 'female' else 'male' end,
          email = ${cell('Email address')}, degree = ${degree}, version = t.version + 1, updated_at = now()
        from ${rows}
        where t.provider_id = ${provider} and t.provider_trainee_id = ${id} and ${id} like 'B-%'`,
    },
    {
      name: 'TRN requests',
      table: 'trn_requests',
      statement: sql`insert into trn_requests (trainee_id, provider_id) select t.id, t.provider_id from ${added}`,
    },
    {
      name: 'audit events',
      table: 'events',
      statement: sql`
        insert into events (actor_user_id, actor_organisation_id, organisation_id, subject_type, subject_id, action, changes, via)
        select ${actor.userId}::uuid, ${provider}::uuid, t.provider_id, 'trainee', t.id::text,
          case when ${id} like 'N-%' then 'registered' else 'details changed' end,
          jsonb_build_object('email', jsonb_build_object('to', ${cell('Email address')})), ${via}
        from ${rows} join trainees t on t.provider_id = ${provider} and t.provider_trainee_id = ${id}`,
    },
  ];
}
