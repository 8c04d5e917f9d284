// What placement pages show: names for codes, and the academic year a list is showing.
import type { OfferedPlacement } from '../../db/schema.ts';
import { academicYearName } from '../../domain/dates.ts';
import { termsText } from '../../domain/placements/offered-placements.ts';
import { PHASE_NAMES, placementTitle, subjectName, yearGroupName } from '../../domain/placements/subjects.ts';
import { field } from '../forms.ts';

/** A year from ?year= when it is one the list can show, else the year the list opens on. */
export function chosenYear(query: unknown, years: readonly number[], opening: number): number {
  const year = Number(field(query, 'year'));
  return years.includes(year) ? year : opening;
}

export function yearOptions(years: readonly number[], selected: number) {
  return years.map((y) => ({ value: String(y), text: academicYearName(y), selected: y === selected }));
}

/** What a page shows of a placement: names for codes. */
export function describePlacement<P extends OfferedPlacement>(placement: P) {
  return {
    ...placement,
    title: placementTitle(placement),
    phaseName: PHASE_NAMES[placement.phase],
    subjectName: subjectName(placement.subject),
    yearGroupName: yearGroupName(placement.year_group),
    academicYearName: academicYearName(placement.academic_year),
    termsText: termsText(placement.terms),
  };
}
