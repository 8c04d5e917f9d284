// Upload kind: adding trainees' school placements in bulk. The sheet lists the provider's
// trainees (those with fewer than 2 placements, or all of an academic year) with the placements
// already recorded, and room for up to 5 new ones each: by URN, or by name and postcode for a
// school without one, with optional start and end dates. Rows find trainees within the provider only.
import { sql } from 'kysely';
import {
  academicYearName,
  formatIsoDate,
  traineeAcademicYear,
  traineeAcademicYearDates,
} from '../../../domain/dates.ts';
import { normaliseUrn } from '../../../domain/identifiers.ts';
import type { Actor } from '../../../domain/organisations/actor.ts';
import { type StagedPlacement, stagePlacement } from '../../../domain/placements/placement-changes.ts';
import {
  findPlacementSchool,
  lookUpRecordedPlacements,
  lookUpSchools,
  type PlacementDetails,
  placementKey,
  placementLabel,
  placementLabelSql,
  type RegisterSchool,
  SCHOOL_NAME_MAX_LENGTH,
  tidySchoolName,
} from '../../../domain/placements/placement-rules.ts';
import { needsPlacementsSql, PLACEMENTS_NEEDED } from '../../../domain/trainees/trainees.ts';
import { parsePostcode } from '../../cells/cells.ts';
import type { ColumnSpec } from '../../headers.ts';
import { defineKind, type ParsedRow, type RowError, type TemplateOptions } from '../kind.ts';
import {
  addStagedPlacements,
  describePlacements,
  type PlacementsChange,
  placementsChange,
  previewRemovedPlacements,
  recheckStagedPlacements,
  removeStagedPlacements,
} from '../staged-placements.ts';
import {
  addTraineeKeys,
  checkIdentity,
  findRowTrainee,
  type IdentityTrainee,
  lookUpTrainees,
  newTraineeKeys,
  TRAINEE_COLUMNS,
  type TraineeLookup,
  traineeSheetValues,
} from '../trainee-identity.ts';

const plural = (n: number, one: string, many: string) => `${n.toLocaleString('en-GB')} ${n === 1 ? one : many}`;

/** New placements a row can add. */
export const NEW_PLACEMENTS_PER_ROW = 5;

interface Lookup {
  trainees: TraineeLookup<IdentityTrainee>;
  schools: Map<string, RegisterSchool>;
  /** Keys of the placements each trainee already has (placementKey). */
  recorded: Map<string, Set<string>>;
}

const numbers = Array.from({ length: NEW_PLACEMENTS_PER_ROW }, (_, i) => i + 1);

const urnKey = (n: number) => `placement${n}Urn`;
const nameKey = (n: number) => `placement${n}Name`;
const postcodeKey = (n: number) => `placement${n}Postcode`;
const startKey = (n: number) => `placement${n}StartDate`;
const endKey = (n: number) => `placement${n}EndDate`;
/** Each new placement's column keys, made once rather than for each of 100,000 rows. */
const slots = numbers.map((n) => ({
  n,
  urn: urnKey(n),
  name: nameKey(n),
  postcode: postcodeKey(n),
  start: startKey(n),
  end: endKey(n),
}));

const COLUMNS: ColumnSpec[] = [
  ...TRAINEE_COLUMNS,
  {
    key: 'placementsRecorded',
    header: 'Placements recorded',
    aliases: ['Placements already recorded', 'Current placements'],
    hint: 'The placements already recorded for the trainee, for reference. Rollbook ignores this column.',
  },
  ...numbers.flatMap((n): ColumnSpec[] => [
    {
      key: urnKey(n),
      header: `Placement ${n} URN`,
      aliases: [`Placement ${n} school URN`],
      // The first placement's columns show the file is a placements sheet.
      required: n === 1,
      hint: `The URN of the school of a new placement: 6 digits, like 100001. Find it in Get information about schools. Leave it empty for a school without a URN, and give its name and postcode instead.${n === 1 ? ' The column must be in the file.' : ''}`,
    },
    {
      key: nameKey(n),
      header: `Placement ${n} school name`,
      aliases: [`Placement ${n} name`],
      hint: 'Only for a school without a URN: its name. Give its postcode too. Leave it empty when you give a URN.',
    },
    {
      key: postcodeKey(n),
      header: `Placement ${n} postcode`,
      aliases: [`Placement ${n} school postcode`],
      hint: 'Only for a school without a URN: its postcode, like LS1 4AB. Give its name too. Leave it empty when you give a URN.',
    },
    {
      key: startKey(n),
      header: `Placement ${n} start date`,
      aliases: [`Placement ${n} start`],
      type: { type: 'date' },
      hint: 'Optional: the day the placement starts, like 8/9/2025.',
    },
    {
      key: endKey(n),
      header: `Placement ${n} end date`,
      aliases: [`Placement ${n} end`],
      type: { type: 'date' },
      hint: 'Optional: the day the placement ends, like 19/12/2025. Not before its start date.',
    },
  ]),
];

/** What the template lists: a choice on the start page and in the API (?trainees=…&year=…). */
const FEWER = 'fewer-than-2';
const YEAR = 'year';

/** The trainees of an academic year: training at some time in it. */
function inYear(year: number) {
  const { from, to } = traineeAcademicYearDates(year);
  return sql<boolean>`(t.itt_start_date <= ${to}::date and t.expected_end_date >= ${from}::date)`;
}

/** The provider's trainees the template lists, with their placements as one line. */
function templateTrainees(actor: Actor, options: TemplateOptions) {
  const filter =
    options.trainees === YEAR
      ? inYear(Number(options.year))
      : // The one rule of who needs placements (not withdrawn, not assessment only).
        needsPlacementsSql('t');
  const fewer = options.trainees === YEAR ? sql`` : sql`having count(p.id) < ${PLACEMENTS_NEEDED}`;
  return sql`
    select t.id, t.version, t.trn, t.hesa_id, t.provider_trainee_id, t.first_names, t.last_name, t.route, t.subject,
      to_char(t.itt_start_date, 'YYYY-MM-DD') as itt_start_date,
      to_char(t.expected_end_date, 'YYYY-MM-DD') as expected_end_date,
      string_agg(${placementLabelSql('p', 's')}, '; ' order by p.created_at, p.id) as recorded
    from trainees t
    left join placements p on p.trainee_id = t.id
    left join schools s on s.urn = p.school_urn
    where t.provider_id = ${actor.organisation.id} and ${filter}
    group by t.id
    ${fewer}
  `;
}

/** A new placement a row gives, with how the review page names it. */
type GivenPlacement = PlacementDetails & { label: string };

/** A placement a row gives: a school, and its dates when given. */
const givenPlacement = (
  urn: string | null,
  schoolName: string | null,
  postcode: string | null,
  label: string,
  { startDate, endDate }: { startDate: string | null; endDate: string | null },
) => ({ urn, schoolName, postcode, startDate, endDate, label });

/** A date column's value, parsed by the pipeline (a cell that is not a date is its error, not ours). */
const dateOf = (row: ParsedRow, key: string) => {
  const value = row.values[key];
  return typeof value === 'string' ? value : null;
};

/** The new placements a row gives, in its numbered columns, or the errors in them. */
function rowPlacements(
  row: ParsedRow,
  schools: Map<string, RegisterSchool>,
): { placements: GivenPlacement[]; errors: RowError[] } {
  const { cells } = row;
  const placements: GivenPlacement[] = [];
  const errors: RowError[] = [];
  for (const { n, urn: urnColumn, name: nameColumn, postcode: postcodeColumn, start, end } of slots) {
    const urnText = cells[urnColumn] ?? '';
    const nameText = cells[nameColumn] ?? '';
    const postcodeText = cells[postcodeColumn] ?? '';
    const hasDates = Boolean(cells[start] || cells[end]);
    // Most of a sheet's placement columns are empty.
    if (!urnText && !nameText && !postcodeText && !hasDates) continue;
    const label = `Placement ${n}`;
    if (!urnText && !nameText && !postcodeText) {
      errors.push({
        column: urnColumn,
        message: `${label} URN: empty. Enter the URN of the school for the dates you gave (or, for a school without one, its name and postcode), or delete the dates`,
      });
      continue;
    }
    const dates = { startDate: dateOf(row, start), endDate: dateOf(row, end) };
    let datesOk = true;
    if (dates.startDate && dates.endDate && dates.endDate < dates.startDate) {
      datesOk = false;
      errors.push({
        column: end,
        message: `${label} end date: ${formatIsoDate(dates.endDate)} is before the start date, ${formatIsoDate(dates.startDate)}. Enter an end date on or after the start date`,
      });
    }
    if (urnText) {
      const found = findPlacementSchool(
        urnText,
        schools,
        'Check the URN, or for a school without one leave it empty and give the school’s name and postcode',
      );
      if ('problem' in found) {
        errors.push({ column: urnColumn, message: `${label} URN: ${found.problem}` });
        // Not a URN at all: the name and postcode cells are not worth a word yet.
        if (!normaliseUrn(urnText)) continue;
      }
      for (const [key, what] of [
        [nameColumn, 'school name'],
        [postcodeColumn, 'postcode'],
      ] as const) {
        if (cells[key]) {
          errors.push({
            column: key,
            message: `${label} ${what}: leave it empty when you give a URN. Rollbook takes the school’s name and postcode from the register`,
          });
        }
      }
      if ('school' in found && !nameText && !postcodeText && datesOk) {
        const { urn, school } = found;
        placements.push(givenPlacement(urn, null, null, placementLabel({ urn, ...school }), dates));
      }
      continue;
    }
    const name = tidySchoolName(nameText);
    let ok = true;
    if (!name) {
      ok = false;
      errors.push({
        column: nameColumn,
        message: `${label} school name: empty. Enter the name of the school as well as its postcode, or its URN instead`,
      });
    } else if (name.length > SCHOOL_NAME_MAX_LENGTH) {
      ok = false;
      errors.push({
        column: nameColumn,
        message: `${label} school name: longer than ${SCHOOL_NAME_MAX_LENGTH} characters. Shorten it`,
      });
    }
    let postcode = '';
    if (!postcodeText) {
      ok = false;
      errors.push({
        column: postcodeColumn,
        message: `${label} postcode: empty. Enter the school’s postcode as well as its name, or its URN instead`,
      });
    } else {
      const parsed = parsePostcode(postcodeText);
      if (parsed.ok) postcode = parsed.value;
      else {
        ok = false;
        errors.push({ column: postcodeColumn, message: `${label} postcode: ${parsed.message}` });
      }
    }
    if (ok && datesOk) {
      placements.push(givenPlacement(null, name, postcode, placementLabel({ urn: null, name, postcode }), dates));
    }
  }
  return { placements, errors };
}

export const placements = defineKind<PlacementsChange, Lookup>({
  id: 'placements',
  title: 'Add placements for your trainees',
  apiDescription: `The template lists, by default (\`trainees=${FEWER}\`), your trainees with fewer than ${PLACEMENTS_NEEDED} placements, not counting those who have withdrawn or are on an assessment-only route; or, with \`trainees=${YEAR}&year=2025\`, every trainee training in the academic year ${academicYearName(2025)} (by default the latest year with trainees). A row adds up to ${NEW_PLACEMENTS_PER_ROW} new placements to its trainee (a change), each at a school given by its URN, or by its name and postcode for a school without one; a row with none is skipped.`,
  allowedFor: ['provider'],
  columns: COLUMNS,
  maxRows: 100_000,
  requiredOneOf: ['trn', 'providerTraineeId'],
  oneRowPerRecord: true,
  sheetName: 'Placements',
  countLabels: {
    change: (n) => `${n} ${n === 1 ? 'trainee' : 'trainees'} will get new placements`,
    skip: (n) => `${n} ${n === 1 ? 'row has' : 'rows have'} nothing to add`,
    error: (n) => `${n} ${n === 1 ? 'row' : 'rows'} cannot be added because of errors`,
  },

  templateFileName: (actor, options) =>
    `${actor.organisation.name.toLowerCase().replace(/[^a-z0-9]+/g, '-')}-placements-${
      options.trainees === YEAR ? academicYearName(Number(options.year)).replace(/ /g, '-') : FEWER
    }`,

  async templateChoices({ db, actor, today }) {
    // One query: how many trainees each choice would list.
    const { rows } = await sql<{ fewer: string; first: number | null; last: number | null }>`
      select count(*) filter (where ${needsPlacementsSql('t')} and coalesce(p.n, 0) < ${PLACEMENTS_NEEDED}) as fewer,
        min(extract(year from t.itt_start_date - interval '7 months'))::int as first,
        max(extract(year from t.expected_end_date - interval '7 months'))::int as last
      from trainees t
      left join (select trainee_id, count(*) as n from placements where provider_id = ${actor.organisation.id}
        group by trainee_id) p on p.trainee_id = t.id
      where t.provider_id = ${actor.organisation.id}
    `.execute(db);
    const { fewer, first, last } = rows[0] ?? { fewer: '0', first: null, last: null };
    const current = traineeAcademicYear(today);
    const years: number[] = [];
    if (first !== null && last !== null) {
      for (let year = Math.min(last, current + 1); year >= first && years.length < 8; year--) years.push(year);
    }
    const fewerCount = Number(fewer);
    return [
      {
        name: 'trainees',
        label: 'Which trainees should the sheet list?',
        options: [
          {
            value: FEWER,
            text: `Trainees with fewer than ${PLACEMENTS_NEEDED} placements`,
            hint: `${fewerCount.toLocaleString('en-GB')} ${fewerCount === 1 ? 'trainee' : 'trainees'}, not counting those who have withdrawn or are on an assessment-only route.`,
          },
          {
            value: YEAR,
            text: 'All trainees of an academic year',
            hint: 'Then choose the academic year below. Use this to add placements for trainees who already have 2 or more.',
          },
        ],
      },
      {
        name: 'year',
        label: 'Academic year',
        when: { name: 'trainees', value: YEAR },
        options: years.map((year) => ({ value: String(year), text: academicYearName(year) })),
      },
    ];
  },

  async template({ db, actor }, options) {
    const { rows } = await sql<IdentityTrainee & { recorded: string | null }>`
      ${templateTrainees(actor, options)} order by lower(t.last_name), lower(t.first_names), t.trn
    `.execute(db);
    return rows.map((trainee) => {
      const values: Record<string, string> = {
        ...traineeSheetValues(trainee),
        placementsRecorded: trainee.recorded ?? '',
      };
      return COLUMNS.map((column) => values[column.key] ?? '');
    });
  },

  async templateRowCount({ db, actor }, options) {
    const { rows } = await sql<{
      n: string;
    }>`select count(*) as n from (${templateTrainees(actor, options)}) x`.execute(db);
    return Number(rows[0]?.n ?? 0);
  },

  async prepare({ db, actor }, rows) {
    // One pass over the file for every identifier, then one query each.
    const keys = newTraineeKeys();
    const urns = new Set<string>();
    for await (const row of rows) {
      addTraineeKeys(keys, row);
      for (const slot of slots) {
        const text = row.cells[slot.urn];
        if (!text) continue;
        const urn = normaliseUrn(text);
        if (urn) urns.add(urn);
      }
    }
    const [trainees, schools] = await Promise.all([
      lookUpTrainees(db, actor, keys, [] as const),
      lookUpSchools(db, urns),
    ]);
    const recorded = await lookUpRecordedPlacements(db, actor, [...trainees.ids]);
    return { trainees, schools, recorded };
  },

  check(row, lookup) {
    const found = findRowTrainee(row, lookup.trainees);
    if ('errors' in found) return { outcome: 'error', errors: found.errors };
    const { trainee } = found;
    const given = rowPlacements(row, lookup.schools);
    const identity = checkIdentity(row, trainee);
    const { warnings } = identity;
    const errors = [...identity.errors, ...given.errors];
    if (errors.length) return { outcome: 'error', errors, recordKey: trainee.id, warnings };
    // Identical to one recorded, or repeated in the row: left out, not an error.
    const recorded = lookup.recorded.get(trainee.id);
    const seen = new Set<string>();
    const added: StagedPlacement[] = [];
    for (const placement of given.placements) {
      const key = placementKey(placement);
      if (recorded?.has(key) || seen.has(key)) continue;
      seen.add(key);
      added.push(stagePlacement(placement, placement.label));
    }
    if (added.length === 0) {
      return {
        outcome: 'skip',
        reason: given.placements.length
          ? 'Nothing to add: the placements are already recorded'
          : 'Nothing to add: no new placements given',
        recordKey: trainee.id,
        warnings,
      };
    }
    return {
      outcome: 'change',
      recordKey: trainee.id,
      warnings,
      change: placementsChange(trainee, added),
    };
  },

  recheck: recheckStagedPlacements,

  writes: ['placements', 'events'],
  apply: addStagedPlacements,

  undo: removeStagedPlacements,
  undoPreview: previewRemovedPlacements,

  describe: describePlacements,
  pages: {
    templateCount: (n) =>
      n === 0
        ? 'None of your trainees has fewer than 2 placements.'
        : `${plural(n, 'trainee has', 'trainees have')} fewer than 2 placements.`,
    reviewTitle: 'Check the placements you’ll add',
    submitButton: (n) => `Add placements for ${plural(n, 'trainee', 'trainees')}`,
    doneTitle: (n) => `Placements added for ${plural(n, 'trainee', 'trainees')}`,
    countHeadings: {
      change: 'Trainees to update',
      changed: 'Trainees updated',
      skip: 'Nothing to add',
      error: 'Errors',
    },
    recordsLink: { href: '/trainees', text: 'See your trainees' },
    partials: 'kinds/placements/views',
  },
  card: {
    title: 'Add placements in bulk',
    description: 'Add school placements to many trainees at once from a spreadsheet.',
    order: 20,
  },
});
