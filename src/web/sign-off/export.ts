// The sign-off export: the year's trainees with a course outcome, as CSV or XLSX, written by the
// upload pipeline's own sheet writers (so every cell is neutralised against formulas).
import type { Kysely } from 'kysely';
import type { DB } from '../../db/schema.ts';
import { academicYearName, formatIsoDate } from '../../domain/dates.ts';
import type { Actor } from '../../domain/organisations/actor.ts';
import { type ExportedTrainee, exportOutcomeTrainees } from '../../domain/placements/sign-off.ts';
import { stateName } from '../../domain/trainees/states.ts';
import { trainingRoute } from '../../domain/trainees/training-routes.ts';
import type { ReportFile } from '../../uploads/report.ts';
import { writeCsv } from '../../uploads/sheets/csv.ts';
import type { SheetFormat } from '../../uploads/sheets/sheet.ts';
import { writeXlsx } from '../../uploads/sheets/xlsx.ts';

const COLUMNS: [header: string, value: (t: ExportedTrainee) => string][] = [
  ['Provider trainee ID', (t) => t.provider_trainee_id ?? ''],
  ['TRN', (t) => t.trn ?? ''],
  ['HESA ID', (t) => t.hesa_id ?? ''],
  ['First names', (t) => t.first_names],
  ['Last name', (t) => t.last_name],
  ['Date of birth', (t) => formatIsoDate(t.date_of_birth)],
  ['Route', (t) => trainingRoute(t.route).name],
  ['QTS or EYTS', (t) => trainingRoute(t.route).award],
  ['Subject', (t) => t.subject],
  ['Age range', (t) => t.age_range],
  ['Study mode', (t) => (t.study_mode === 'full_time' ? 'Full time' : 'Part time')],
  ['ITT start date', (t) => formatIsoDate(t.itt_start_date)],
  ['Expected end date', (t) => formatIsoDate(t.expected_end_date)],
  ['Course outcome', (t) => stateName(t.state, trainingRoute(t.route).award)],
  ['Standards met date', (t) => formatIsoDate(t.standards_met_date)],
  ['Award date', (t) => formatIsoDate(t.awarded_date)],
  ['Withdrawal date', (t) => formatIsoDate(t.withdrawal_date)],
  ['Withdrawal reason', (t) => t.withdrawal_reason ?? ''],
  ['Number of placements', (t) => String(t.placement_count)],
  ['Placement schools', (t) => t.placement_schools ?? ''],
];

export async function exportFile(db: Kysely<DB>, actor: Actor, year: number, format: SheetFormat): Promise<ReportFile> {
  const trainees = await exportOutcomeTrainees(db, actor, year);
  const headers = COLUMNS.map(([header]) => header);
  const rows = trainees.map((t) => COLUMNS.map(([, value]) => value(t)));
  const organisation = actor.organisation.name.toLowerCase().replace(/[^a-z0-9]+/g, '-');
  const name = `${organisation}-performance-profile-${academicYearName(year).replace(/ /g, '-')}`;
  if (format === 'xlsx') {
    return {
      fileName: `${name}.xlsx`,
      contentType: 'application/vnd.openxmlformats-officedocument.spreadsheetml.sheet',
      body: await writeXlsx(
        `Trainees ${academicYearName(year)}`,
        headers,
        rows.map((cells) => ({ cells })),
      ),
    };
  }
  return { fileName: `${name}.csv`, contentType: 'text/csv; charset=utf-8', body: writeCsv(headers, rows) };
}
