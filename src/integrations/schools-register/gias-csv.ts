// Reads the schools register extract from Get Information about Schools ("edubasealldata"
// CSV layout): only the columns Rollbook keeps, by their GIAS headers.
import Papa from 'papaparse';
import { DomainError } from '../../domain/errors.ts';
import { normalisePostcode, normaliseUkprn, normaliseUrn } from '../../domain/identifiers.ts';
import type { SchoolRecord } from '../../domain/schools/schools.ts';
import { decodeText } from '../../uploads/sheets/encoding.ts';

const COLUMNS = {
  urn: 'URN',
  name: 'EstablishmentName',
  postcode: 'Postcode',
  phase: 'PhaseOfEducation (name)',
  establishmentType: 'TypeOfEstablishment (name)',
  status: 'EstablishmentStatus (name)',
  localAuthority: 'LA (name)',
  ukprn: 'UKPRN',
} as const;
const REQUIRED = [COLUMNS.urn, COLUMNS.name];

export interface GiasParseResult {
  schools: SchoolRecord[];
  /** Row-level problems, by line number in the file; those rows are left out. */
  problems: string[];
}

export function parseGiasCsv(bytes: Uint8Array): GiasParseResult {
  const { text } = decodeText(bytes);
  const parsed = Papa.parse<string[]>(text, { skipEmptyLines: 'greedy' });
  const [header, ...rows] = parsed.data;
  if (!header) throw new DomainError('The file is empty');
  const index = Object.fromEntries(Object.entries(COLUMNS).map(([key, name]) => [key, header.indexOf(name)])) as Record<
    keyof typeof COLUMNS,
    number
  >;
  const missing = REQUIRED.filter((name) => !header.includes(name));
  if (missing.length) {
    throw new DomainError(`The file has no ${missing.join(' or ')} column: is it a GIAS "edubasealldata" CSV?`);
  }
  const cell = (row: string[], key: keyof typeof COLUMNS) => (index[key] >= 0 ? (row[index[key]] ?? '').trim() : '');
  const schools: SchoolRecord[] = [];
  const problems: string[] = [];
  const seen = new Set<string>();
  for (const [i, row] of rows.entries()) {
    const line = i + 2;
    const urn = normaliseUrn(cell(row, 'urn'));
    if (!urn) {
      problems.push(`Line ${line}: URN "${cell(row, 'urn')}" is not 6 digits`);
      continue;
    }
    if (seen.has(urn)) {
      problems.push(`Line ${line}: URN ${urn} appears more than once`);
      continue;
    }
    const name = cell(row, 'name');
    if (!name) {
      problems.push(`Line ${line}: URN ${urn} has no EstablishmentName`);
      continue;
    }
    seen.add(urn);
    const postcode = cell(row, 'postcode');
    schools.push({
      urn,
      name,
      postcode: postcode ? (normalisePostcode(postcode) ?? postcode) : null,
      phase: cell(row, 'phase') || null,
      establishmentType: cell(row, 'establishmentType') || null,
      status: cell(row, 'status') || null,
      localAuthority: cell(row, 'localAuthority') || null,
      ukprn: normaliseUkprn(cell(row, 'ukprn')) ?? null,
    });
  }
  return { schools, problems };
}
