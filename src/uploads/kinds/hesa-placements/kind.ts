// Upload kind: placements from the HESA student collection. Providers that are higher education
// institutions already send HESA each trainee's placements; this takes that extract as it is (one
// row per placement: HUSID, school URN, maybe a start date) rather than asking for it again.
// Trainees are matched by HESA ID within the uploading provider only.
import { sql } from 'kysely';
import type { Trainee } from '../../../db/schema.ts';
import { normaliseUrn } from '../../../domain/identifiers.ts';
import { stagePlacement } from '../../../domain/placements/placement-changes.ts';
import {
  findPlacementSchool,
  lookUpRecordedPlacements,
  lookUpSchools,
  placementKey,
  placementLabel,
  type RegisterSchool,
} from '../../../domain/placements/placement-rules.ts';
import { parseDate } from '../../cells/cells.ts';
import type { ColumnSpec } from '../../headers.ts';
import { defineKind, type RowError } from '../kind.ts';
import {
  addStagedPlacements,
  describePlacements,
  type PlacementsChange,
  placementsChange,
  previewRemovedPlacements,
  recheckStagedPlacements,
  removeStagedPlacements,
} from '../staged-placements.ts';
import { hesaDigits, inScientificNotation, roundedBySpreadsheet } from '../trainee-identity.ts';

const plural = (n: number, one: string, many: string) => `${n.toLocaleString('en-GB')} ${n === 1 ? one : many}`;

type HesaTrainee = Pick<Trainee, 'id' | 'trn' | 'hesa_id' | 'first_names' | 'last_name' | 'route'>;

interface Lookup {
  byHesaId: Map<string, HesaTrainee>;
  /** HESA IDs held by more than one of the provider's trainees (a student on two courses), with their names. */
  sharedHesaIds: Map<string, string[]>;
  schools: Map<string, RegisterSchool>;
  recorded: Map<string, Set<string>>;
  /**
   * The row each placement was first given in. Rows are checked in file order, so a later
   * identical row is skipped rather than added twice.
   */
  firstRow: Map<string, number>;
}

/** A HUSID is 13 digits. */
const HUSID = /^\d{13}$/;

const COLUMNS: ColumnSpec[] = [
  {
    key: 'husid',
    header: 'HUSID',
    aliases: ['HESA ID', 'Student identifier', 'HESA student identifier', 'SID'],
    required: true,
    hint: 'The trainee’s HESA unique student identifier: 13 digits. Finds the trainee among yours by the HESA ID on their record.',
  },
  {
    key: 'urn',
    header: 'PLMNTSCH',
    aliases: ['Placement school URN', 'Placement school', 'School URN', 'URN'],
    required: true,
    hint: 'The URN of the placement school: 6 digits, like 100001. It must be a school in the register.',
  },
  {
    key: 'startDate',
    header: 'PLMNTSTDATE',
    aliases: ['Placement start date', 'Start date'],
    hint: 'When the placement started, if known, like 2/9/2025 or 2025-09-02. Optional.',
  },
];

const traineeName = (t: HesaTrainee) => `${t.first_names} ${t.last_name}`;

export const hesaPlacements = defineKind<PlacementsChange, Lookup>({
  id: 'hesa-placements',
  title: 'Import placements from your HESA return',
  apiDescription:
    'The template has the column headings only: fill it from your HESA student return. A row adds one placement (a change) to the trainee with its HESA ID, at the school with its URN; a placement already recorded, or repeated in the file, is skipped.',
  allowedFor: ['provider'],
  columns: COLUMNS,
  maxRows: 100_000,
  oneRowPerRecord: false,
  sheetName: 'Placements',
  countLabels: {
    change: (n) => `${n} ${n === 1 ? 'placement' : 'placements'} will be added`,
    skip: (n) => `${n} ${n === 1 ? 'row is a placement' : 'rows are placements'} already recorded or repeated`,
    error: (n) => `${n} ${n === 1 ? 'row' : 'rows'} cannot be added because of errors`,
  },

  templateFileName: (actor) => `${actor.organisation.name.toLowerCase().replace(/[^a-z0-9]+/g, '-')}-hesa-placements`,

  // The extract comes from the student record system: the template is its headings only.
  template: async () => [],
  templateRowCount: async () => 0,

  async prepare({ db, actor }, rows) {
    const husids = new Set<string>();
    const urns = new Set<string>();
    for await (const row of rows) {
      const husid = hesaDigits(row.cells.husid);
      if (HUSID.test(husid)) husids.add(husid);
      const urn = normaliseUrn(row.cells.urn);
      if (urn) urns.add(urn);
    }
    const [trainees, schools] = await Promise.all([
      husids.size
        ? db
            .selectFrom('trainees')
            .select(['id', 'trn', 'hesa_id', 'first_names', 'last_name', 'route'])
            .where('provider_id', '=', actor.organisation.id)
            .where(sql<boolean>`regexp_replace(hesa_id, '\\D', '', 'g') = any(${[...husids]}::text[])`)
            .execute()
        : Promise.resolve([]),
      lookUpSchools(db, urns),
    ]);
    const byHesaId = new Map<string, HesaTrainee>();
    const sharedHesaIds = new Map<string, string[]>();
    for (const trainee of trainees) {
      const key = hesaDigits(trainee.hesa_id ?? '');
      const other = byHesaId.get(key);
      if (other) {
        const names = sharedHesaIds.get(key) ?? [traineeName(other)];
        sharedHesaIds.set(key, [...names, traineeName(trainee)]);
      }
      byHesaId.set(key, trainee);
    }
    const recorded = await lookUpRecordedPlacements(
      db,
      actor,
      trainees.map((t) => t.id),
    );
    return { byHesaId, sharedHesaIds, schools, recorded, firstRow: new Map() };
  },

  check(row, lookup) {
    const errors: RowError[] = [];
    const husidText = row.cells.husid;
    const husid = hesaDigits(husidText);
    let trainee: HesaTrainee | undefined;
    if (!husidText) {
      errors.push({ column: 'husid', message: 'HUSID: empty. Enter the trainee’s 13-digit HESA student identifier' });
    } else if (inScientificNotation(husidText)) {
      // The HUSID is all that finds the trainee here, and a spreadsheet has rounded it away.
      errors.push({
        column: 'husid',
        message: roundedBySpreadsheet('HUSID', husidText, 'Copy the HUSIDs again from your HESA return'),
      });
    } else if (!HUSID.test(husid)) {
      errors.push({
        column: 'husid',
        message: `HUSID: "${husidText}" is not a HUSID. A HUSID is 13 digits, like 2401123456789`,
      });
    } else if (lookup.sharedHesaIds.has(husid)) {
      // Which record the placement belongs to cannot be told from the HUSID alone.
      errors.push({
        column: 'husid',
        message: `HUSID: ${husid} is the HESA ID of more than one of your trainees (${lookup.sharedHesaIds.get(husid)?.join(', ')}). Add this placement on the right trainee’s page instead`,
      });
    } else {
      trainee = lookup.byHesaId.get(husid);
      if (!trainee) {
        errors.push({
          column: 'husid',
          message: `HUSID: no trainee of yours has HESA ID ${husid}. Check the HUSID, or add the HESA ID to the trainee’s record`,
        });
      }
    }
    const urnText = row.cells.urn;
    let school: { urn: string; school: RegisterSchool } | undefined;
    if (!urnText) {
      errors.push({ column: 'urn', message: 'PLMNTSCH: empty. Enter the URN of the placement school' });
    } else {
      const found = findPlacementSchool(urnText, lookup.schools, 'Check the URN');
      if ('problem' in found) errors.push({ column: 'urn', message: `PLMNTSCH: ${found.problem}` });
      else school = found;
    }
    let start: string | null = null;
    if (row.cells.startDate) {
      const date = parseDate(row.cells.startDate);
      if (date.ok) start = date.value;
      else errors.push({ column: 'startDate', message: `PLMNTSTDATE: ${date.message}` });
    }
    if (errors.length || !trainee || !school) {
      return { outcome: 'error', errors, ...(trainee ? { recordKey: trainee.id } : {}) };
    }

    const { urn } = school;
    const placement = { urn, schoolName: null, postcode: null, startDate: start, endDate: null };
    const key = `${trainee.id}|${placementKey(placement)}`;
    if (lookup.recorded.get(trainee.id)?.has(placementKey(placement))) {
      return { outcome: 'skip', reason: 'Already recorded: nothing to add', recordKey: trainee.id };
    }
    const first = lookup.firstRow.get(key);
    if (first !== undefined && first !== row.rowNumber) {
      return { outcome: 'skip', reason: `The same placement as in row ${first}: added once`, recordKey: trainee.id };
    }
    lookup.firstRow.set(key, row.rowNumber);
    return {
      outcome: 'change',
      recordKey: trainee.id,
      change: placementsChange(trainee, [stagePlacement(placement, placementLabel({ urn, ...school.school }))]),
    };
  },

  recheck: recheckStagedPlacements,

  writes: ['placements', 'events'],
  apply: addStagedPlacements,

  undo: removeStagedPlacements,
  undoPreview: previewRemovedPlacements,

  describe: (change) => {
    const line = describePlacements(change);
    return { ...line, details: line.details.map((d) => d.replace(/^Placement at /, 'At ')) };
  },
  pages: {
    templateCount: () => 'The sheet has the column headings only: your HESA placement file can be uploaded as it is.',
    reviewTitle: 'Check the placements you’ll add',
    submitButton: (n) => `Add ${plural(n, 'placement', 'placements')}`,
    doneTitle: (n) => `${plural(n, 'placement', 'placements')} added`,
    countHeadings: {
      change: 'Placements to add',
      changed: 'Placements added',
      skip: 'Already recorded',
      error: 'Errors',
    },
    recordsLink: { href: '/trainees', text: 'See your trainees' },
    partials: 'kinds/hesa-placements/views',
  },
  card: {
    title: 'Import placements from HESA',
    description: 'Add the placements you sent in the HESA student collection to your trainees’ records.',
    order: 30,
  },
});
