// Year groups of a school's learners, in order, with the other spellings schools' systems give
// them ("Y9", "Year 9", "9"; "R", "Rec"; "N", "Nur").
export const YEAR_GROUPS: { value: string; also: string[] }[] = [
  { value: 'Nursery', also: ['N', 'Nur', 'YN', 'N1', 'N2'] },
  { value: 'Reception', also: ['R', 'Rec', 'YR', 'Year R', '0'] },
  ...Array.from({ length: 13 }, (_, i) => {
    const n = i + 1;
    return { value: `Year ${n}`, also: [`Y${n}`, `${n}`, `Yr ${n}`, `Yr${n}`, `Year${n}`] };
  }),
];

/** The year group's place in order (Nursery first), for sorting; -1 when unknown. */
export function yearGroupOrder(yearGroup: string): number {
  return YEAR_GROUPS.findIndex((group) => group.value === yearGroup);
}
