// The local teaching record's induction side: teachers held in Rollbook's own table
// (teaching_record_teachers, which demo data fills), looked up by TRN and date of birth in one
// query for a whole file, and the induction status changes Rollbook sends, kept there.
import { type Kysely, sql } from 'kysely';
import type { DB } from '../../db/schema.ts';
import type { RecordTeacher, TeachingRecordInduction } from '../../domain/ports/teaching-record.ts';

interface Row {
  trn: string;
  date_of_birth: string;
  first_name: string;
  last_name: string;
  qts_date: string | null;
  induction_status: RecordTeacher['inductionStatus'];
  induction_start_date: string | null;
  induction_completed_date: string | null;
  prohibited: boolean;
}

export function localTeachingRecordInduction(db: Kysely<DB>): TeachingRecordInduction {
  return {
    async findTeachers(lookups) {
      if (lookups.length === 0) return [];
      const { rows } = await sql<Row>`
        select t.trn, t.date_of_birth::text as date_of_birth, t.first_name, t.last_name,
          t.qts_date::text as qts_date, t.induction_status, t.induction_start_date::text as induction_start_date,
          t.induction_completed_date::text as induction_completed_date, t.prohibited
        from teaching_record_teachers t
        where t.trn = any(${[...new Set(lookups.map((l) => l.trn))]}::text[])
      `.execute(db);
      const byTrn = new Map(rows.map((row) => [row.trn, row]));
      return lookups.map(({ trn, dateOfBirth }) => {
        const row = byTrn.get(trn);
        if (!row || row.date_of_birth !== dateOfBirth) return undefined;
        return {
          trn: row.trn,
          dateOfBirth: row.date_of_birth,
          firstName: row.first_name,
          lastName: row.last_name,
          qtsDate: row.qts_date,
          inductionStatus: row.induction_status,
          inductionStartDate: row.induction_start_date,
          inductionCompletedDate: row.induction_completed_date,
          prohibited: row.prohibited,
        };
      });
    },
    async setInductionStatus({ trn, status, startDate, completedDate }) {
      await db
        .updateTable('teaching_record_teachers')
        .set({
          induction_status: status,
          induction_start_date: startDate,
          induction_completed_date: completedDate,
          updated_at: new Date(),
        })
        .where('trn', '=', trn)
        .execute();
    },
  };
}

/** Adds teachers to the local teaching record (demo data and tests), or replaces them. */
export async function addLocalRecordTeachers(db: Kysely<DB>, teachers: RecordTeacher[]): Promise<void> {
  const chunk = 5_000;
  for (let i = 0; i < teachers.length; i += chunk) {
    const part = teachers.slice(i, i + chunk);
    await sql`
      insert into teaching_record_teachers (trn, date_of_birth, first_name, last_name, qts_date, induction_status,
        induction_start_date, induction_completed_date, prohibited)
      select * from unnest(${part.map((t) => t.trn)}::text[], ${part.map((t) => t.dateOfBirth)}::date[],
        ${part.map((t) => t.firstName)}::text[], ${part.map((t) => t.lastName)}::text[],
        ${part.map((t) => t.qtsDate)}::date[], ${part.map((t) => t.inductionStatus)}::text[],
        ${part.map((t) => t.inductionStartDate)}::date[], ${part.map((t) => t.inductionCompletedDate)}::date[],
        ${part.map((t) => t.prohibited)}::boolean[])
      on conflict (trn) do update set date_of_birth = excluded.date_of_birth, first_name = excluded.first_name,
        last_name = excluded.last_name, qts_date = excluded.qts_date, induction_status = excluded.induction_status,
        induction_start_date = excluded.induction_start_date,
        induction_completed_date = excluded.induction_completed_date, prohibited = excluded.prohibited,
        updated_at = now()
    `.execute(db);
  }
}
