import { type Kysely, sql } from 'kysely';

// Overlapping induction periods are refused once per statement rather than once per row: a bulk
// claim of 100,000 ECTs took 19 s in the row trigger (a lock and a lookup each). The teachers of
// the statement's rows are locked together (in id order, so two statements cannot deadlock), then
// one query looks for any overlap among their periods, the new ones included.
export async function up(db: Kysely<unknown>): Promise<void> {
  const statements = [
    sql`drop trigger induction_periods_no_overlap on induction_periods`,
    sql`drop function induction_periods_no_overlap`,
    sql`
      create function induction_periods_no_overlap() returns trigger language plpgsql as $$
      begin
        perform 1 from teachers where id in (select teacher_id from changed) order by id for update;
        if exists (
          select 1 from changed c
          join induction_periods p on p.teacher_id = c.teacher_id and p.id <> c.id
          where daterange(p.started_on, p.finished_on, '[]') && daterange(c.started_on, c.finished_on, '[]')
        ) then
          raise exception 'Induction periods of a teacher cannot overlap' using errcode = '23P01',
            constraint = 'induction_periods_no_overlap';
        end if;
        return null;
      end;
      $$
    `,
    sql`
      create trigger induction_periods_no_overlap_insert after insert on induction_periods
      referencing new table as changed for each statement execute function induction_periods_no_overlap()
    `,
    sql`
      create trigger induction_periods_no_overlap_update after update on induction_periods
      referencing new table as changed for each statement execute function induction_periods_no_overlap()
    `,
  ];
  for (const statement of statements) await statement.execute(db);
}

export async function down(db: Kysely<unknown>): Promise<void> {
  const statements = [
    sql`drop trigger induction_periods_no_overlap_insert on induction_periods`,
    sql`drop trigger induction_periods_no_overlap_update on induction_periods`,
    sql`drop function induction_periods_no_overlap`,
    sql`
      create function induction_periods_no_overlap() returns trigger language plpgsql as $$
      begin
        perform 1 from teachers where id = new.teacher_id for update;
        if exists (
          select 1 from induction_periods p
          where p.teacher_id = new.teacher_id and p.id <> new.id
            and daterange(p.started_on, p.finished_on, '[]') && daterange(new.started_on, new.finished_on, '[]')
        ) then
          raise exception 'Induction periods of a teacher cannot overlap' using errcode = '23P01',
            constraint = 'induction_periods_no_overlap';
        end if;
        return new;
      end;
      $$
    `,
    sql`
      create constraint trigger induction_periods_no_overlap after insert or update on induction_periods
      for each row execute function induction_periods_no_overlap()
    `,
  ];
  for (const statement of statements) await statement.execute(db);
}
