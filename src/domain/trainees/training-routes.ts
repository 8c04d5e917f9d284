// Training routes and the award each leads to: EYTS for early-years routes, QTS for the rest.
// The award follows from the route; nobody chooses it.

export type AwardType = 'QTS' | 'EYTS';

export interface TrainingRoute {
  code: string;
  name: string;
  award: AwardType;
}

export const TRAINING_ROUTES: TrainingRoute[] = [
  { code: 'assessment_only', name: 'Assessment only', award: 'QTS' },
  { code: 'provider_led_postgrad', name: 'Primary and secondary (postgraduate)', award: 'QTS' },
  { code: 'provider_led_undergrad', name: 'Primary and secondary (undergraduate)', award: 'QTS' },
  { code: 'school_direct_fee_funded', name: 'School direct (fee funded)', award: 'QTS' },
  { code: 'school_direct_salaried', name: 'School direct (salaried)', award: 'QTS' },
  { code: 'pg_teaching_apprenticeship', name: 'Teaching apprenticeship (postgraduate)', award: 'QTS' },
  { code: 'teacher_degree_apprenticeship', name: 'Teacher degree apprenticeship (salaried)', award: 'QTS' },
  { code: 'opt_in_undergrad', name: 'Opt-in (undergraduate)', award: 'QTS' },
  { code: 'iqts', name: 'International qualified teacher status (iQTS)', award: 'QTS' },
  { code: 'early_years_undergrad', name: 'Early years undergraduate', award: 'EYTS' },
  { code: 'early_years_postgrad', name: 'Early years graduate entry', award: 'EYTS' },
  { code: 'early_years_salaried', name: 'Early years graduate employment based', award: 'EYTS' },
  { code: 'early_years_assessment_only', name: 'Early years assessment only', award: 'EYTS' },
];

const BY_CODE = new Map(TRAINING_ROUTES.map((route) => [route.code, route]));

export function trainingRoute(code: string): TrainingRoute {
  const route = BY_CODE.get(code);
  if (!route) throw new Error(`Unknown training route ${code}`);
  return route;
}

export function isTrainingRoute(code: string): boolean {
  return BY_CODE.has(code);
}
