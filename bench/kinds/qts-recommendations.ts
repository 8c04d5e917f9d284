// Benchmark set-up for the qts-recommendations kind: a provider with N eligible trainees and
// their prefilled template with today's date in every row, so that every row is a change. And the
// floor's writes: what any submission of the file must write, done directly from the file's rows.
import { sql } from 'kysely';
import Papa from 'papaparse';
import type { Database } from '../../src/db/database.ts';
import type { Actor } from '../../src/domain/organisations/actor.ts';
import { TRAINING_ROUTES } from '../../src/domain/trainees/training-routes.ts';
import { seedProviderWithTrainees, templateRows } from '../bench-provider.ts';
import type { FloorContext, FloorWrite } from '../upload.ts';

export async function seedBench(
  database: Database,
  rows: number,
  today: string,
): Promise<{ actor: Actor; csv: string }> {
  const actor = await seedProviderWithTrainees(database, rows, today);
  const { headers, rows: data } = await templateRows(database, actor, 'qts-recommendations', today);
  const [y, m, d] = today.split('-');
  // The standards date is the last column.
  for (const row of data) row[headers.length - 1] = `${d}/${m}/${y}`;
  return { actor, csv: Papa.unparse([headers, ...data]) };
}

/**
 * The records a recommendation must write, from the file's rows (`f`, with `cells`): each
 * trainee's update, their award request and their audit event, as the submission writes them. Each
 * statement finds the trainees by the file's TRN; no checks.
 */
export function floorWrites({ rows, cell, actor, via }: FloorContext): FloorWrite[] {
  const provider = actor.organisation.id;
  const trainees = sql`${rows} join trainees t on t.provider_id = ${provider} and t.trn = ${cell('TRN')}`;
  const eyts = TRAINING_ROUTES.filter((route) => route.award === 'EYTS').map((route) => route.code);
  return [
    {
      name: 'trainees',
      table: 'trainees',
      statement: sql`
        update trainees t set state = 'recommended',
          standards_met_date = to_date(${cell('Date QTS or EYTS standards met')}, 'DD/MM/YYYY'),
          recommended_at = now(), version = t.version + 1, updated_at = now()
        from ${rows}
        where t.provider_id = ${provider} and t.trn = ${cell('TRN')}`,
    },
    {
      name: 'award requests',
      table: 'award_requests',
      statement: sql`
        insert into award_requests (trainee_id, provider_id, award, standards_met_date)
        select t.id, t.provider_id, case when t.route = any(${eyts}::text[]) then 'EYTS' else 'QTS' end,
          t.standards_met_date
        from ${trainees}`,
    },
    {
      name: 'audit events',
      table: 'events',
      statement: sql`
        insert into events (actor_user_id, actor_organisation_id, organisation_id, subject_type, subject_id, action, changes, via)
        select ${actor.userId}::uuid, ${provider}::uuid, t.provider_id, 'trainee', t.id::text, 'recommended for award',
          jsonb_build_object(
            'state', jsonb_build_object('from', 'trn_received', 'to', 'recommended'),
            'standards_met_date', jsonb_build_object('to', t.standards_met_date)),
          ${via}
        from ${trainees}`,
    },
  ];
}
