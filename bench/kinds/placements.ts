// Benchmark set-up for the placements kind: a provider with N trainees and no placements, 2,000
// schools in the register, and the fewer-than-2 template with 2 placements by URN in every row,
// so that every row is a change (2N placements to add). And the floor's writes: what any submission
// of the file must write, done directly from the file's rows.
import { sql } from 'kysely';
import Papa from 'papaparse';
import type { Database } from '../../src/db/database.ts';
import type { Actor } from '../../src/domain/organisations/actor.ts';
import { upsertSchools } from '../../src/domain/schools/schools.ts';
import { seedProviderWithTrainees, templateRows } from '../bench-provider.ts';
import type { FloorContext, FloorWrite } from '../upload.ts';

const SCHOOLS = 2_000;
const FIRST_URN = 700_000;
/** The template's columns for new placements by URN. */
const URN_COLUMNS = [1, 2, 3, 4, 5].map((n) => `Placement ${n} URN`);

export async function seedBench(
  database: Database,
  rows: number,
  today: string,
): Promise<{ actor: Actor; csv: string }> {
  await upsertSchools(
    database.db,
    Array.from({ length: SCHOOLS }, (_, i) => ({
      urn: String(FIRST_URN + i),
      name: `Benchmark School ${i + 1}`,
      postcode: 'LS1 4AB',
      phase: i % 2 ? 'Secondary' : 'Primary',
      establishmentType: 'Community school',
      status: 'Open',
      localAuthority: 'Northshire',
      ukprn: null,
    })),
  );
  await sql`analyze schools`.execute(database.db);
  const actor = await seedProviderWithTrainees(database, rows, today);
  const { headers, rows: data } = await templateRows(database, actor, 'placements', today);
  const first = headers.indexOf('Placement 1 URN');
  const second = headers.indexOf('Placement 2 URN');
  data.forEach((row, i) => {
    row[first] = String(FIRST_URN + (i % SCHOOLS));
    row[second] = String(FIRST_URN + ((i + 1) % SCHOOLS));
  });
  return { actor, csv: Papa.unparse([headers, ...data]) };
}

/**
 * The records adding the file's placements must write, from the file's rows (`f`, with `cells`):
 * each placement (in trainee order, with ids counting up, as the submission writes them, so that the
 * indexes are written in order), and one audit event per trainee. Each statement finds the
 * trainees by the file's TRN; no checks.
 */
export function floorWrites({ rows, cell, actor, via }: FloorContext): FloorWrite[] {
  const provider = actor.organisation.id;
  const trainees = sql`${rows} join trainees t on t.provider_id = ${provider} and t.trn = ${cell('TRN')}`;
  const urns = sql`array[${sql.join(URN_COLUMNS.map(cell))}]`;
  return [
    {
      name: 'placements',
      table: 'placements',
      statement: sql`
        insert into placements (id, trainee_id, provider_id, school_urn, added_by_upload)
        select (run.prefix || lpad(to_hex(row_number() over (order by t.id, f.row_number, p.position)), 12, '0'))::uuid,
          t.id, t.provider_id, p.urn, run.upload
        from ${trainees}
        cross join lateral unnest(${urns}) with ordinality as p(urn, position)
        cross join (select substr(gen_random_uuid()::text, 1, 24) as prefix, gen_random_uuid() as upload) run
        where p.urn <> ''
        order by t.id, f.row_number, p.position`,
    },
    {
      name: 'audit events',
      table: 'events',
      statement: sql`
        insert into events (actor_user_id, actor_organisation_id, organisation_id, subject_type, subject_id, action, changes, via)
        select ${actor.userId}::uuid, ${provider}::uuid, t.provider_id, 'trainee', t.id::text, 'placements added',
          jsonb_build_object('placements', jsonb_build_object('to',
            (select string_agg('Benchmark School (URN ' || urn || ')', '; ') from unnest(${urns}) as urn where urn <> ''))),
          ${via}
        from ${trainees}
        order by t.id`,
    },
  ];
}
