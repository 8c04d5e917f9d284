import { type Kysely, sql } from 'kysely';

// Readable keys for the placements an upload stages in upload_rows.change (the placement kinds'
// changes): { t, n, trn, r, p: [{ u, s, c, d, e, l }] } becomes { traineeId, traineeName, trn,
// route, placements: [{ urn, schoolName, postcode, startDate, endDate, label }] }. Staged rows are
// kept until an upload is purged, and undo counts a submitted upload's staged placements, so the
// rows already there are rewritten rather than left in the old shape. They are found by their
// shape (a "t" and a "p" key), which no other kind stages.

export async function up(db: Kysely<unknown>): Promise<void> {
  await sql`
    update upload_rows set change = jsonb_strip_nulls(jsonb_build_object(
      'traineeId', change->'t',
      'traineeName', change->'n',
      'trn', change->'trn',
      'route', change->'r',
      'placements', (
        select coalesce(jsonb_agg(jsonb_build_object(
          'urn', placement->'u', 'schoolName', placement->'s', 'postcode', placement->'c',
          'startDate', placement->'d', 'endDate', placement->'e', 'label', placement->'l'
        ) order by position), '[]'::jsonb)
        from jsonb_array_elements(change->'p') with ordinality as staged(placement, position)
      )
    ))
    where jsonb_typeof(change) = 'object' and change ? 't' and change ? 'p'
  `.execute(db);
}

export async function down(db: Kysely<unknown>): Promise<void> {
  await sql`
    update upload_rows set change = jsonb_strip_nulls(jsonb_build_object(
      't', change->'traineeId',
      'n', change->'traineeName',
      'trn', change->'trn',
      'r', change->'route',
      'p', (
        select coalesce(jsonb_agg(jsonb_build_object(
          'u', placement->'urn', 's', placement->'schoolName', 'c', placement->'postcode',
          'd', placement->'startDate', 'e', placement->'endDate', 'l', placement->'label'
        ) order by position), '[]'::jsonb)
        from jsonb_array_elements(change->'placements') with ordinality as staged(placement, position)
      )
    ))
    where jsonb_typeof(change) = 'object' and change ? 'traineeId' and change ? 'placements'
  `.execute(db);
}
