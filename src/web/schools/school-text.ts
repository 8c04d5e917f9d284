// How pages describe a school of the register in one line, under its name.
import type { SchoolMatch } from '../../domain/schools/search.ts';

/** "URN 100002, NR21 1DX, Primary, closed": what tells two schools of the same name apart. */
export function schoolHint(school: SchoolMatch): string {
  return [
    `URN ${school.urn}`,
    school.postcode,
    school.phase && school.phase !== 'Not applicable' ? school.phase : null,
    school.closed ? 'closed' : null,
  ]
    .filter(Boolean)
    .join(', ');
}
