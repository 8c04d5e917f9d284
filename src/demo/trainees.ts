// Invented trainees for demo data and benchmarks: the same every time for the same inputs.
import type { Kysely } from 'kysely';
import type { DB } from '../db/schema.ts';
import { addMonths, today as todayInEngland } from '../domain/dates.ts';
import { recommendationWindow } from '../domain/trainees/eligibility.ts';
import { insertTrainees, type NewTrainee } from '../domain/trainees/trainees.ts';
import { trainingRoute } from '../domain/trainees/training-routes.ts';
import type { DemoContext } from './area.ts';

const FIRST_NAMES = [
  'Siân',
  'Zoë',
  'Aoife',
  'Oliver',
  'Amelia',
  'Mohammed',
  'Isla',
  'Jack',
  'Priya',
  'Chloé',
  'Noah',
  'Ffion',
  'Tomás',
  'Grace',
  'Kwame',
  'Ellie',
  'Rhys',
  'Aisha',
  'Seren',
  'Lucas',
  'Mei',
  'Darius',
  'Niamh',
  'Oskar',
  'Hannah',
  'Yusuf',
  'Bethan',
  'Ravi',
  'Maya',
  'Eoin',
];
const LAST_NAMES = [
  "O'Brien",
  'D’Souza',
  'Evans',
  'Smith',
  'Okafor',
  'Nowak',
  'Patel',
  'Jones',
  'MacLeod',
  'Williams',
  'Brown',
  'Ahmed',
  'Taylor',
  'Nguyen',
  'Davies',
  'Kowalski',
  'Hughes',
  'Murphy',
  'Khan',
  'Thomas',
  'Roberts',
  'Mensah',
  'Wright',
  'Lloyd',
  'García',
  'Müller',
  'Clarke',
  'Ó Súilleabháin',
  'Hall',
  'Walsh',
];
const SECONDARY_SUBJECTS = [
  'Mathematics',
  'English',
  'Biology',
  'Chemistry',
  'Physics',
  'History',
  'Geography',
  'Computing',
  'Modern languages',
  'Art and design',
  'Music',
  'Physical education',
];

export interface DemoTraineeOptions {
  providerId: string;
  count: number;
  eligible: number;
  /** First TRN to hand out; TRNs run on from it (7 digits). */
  firstTrn: number;
  /** Prefix of provider trainee IDs, e.g. "DS" gives DS-000123. */
  idPrefix: string;
  routes: string[];
  withHesaIds: boolean;
  today?: string;
  seed?: number;
}

/** A small deterministic random number generator (mulberry32), so demo data is stable. */
function random(seed: number) {
  let state = seed >>> 0;
  return () => {
    state = (state + 0x6d2b79f5) >>> 0;
    let t = state;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

export function demoTrainees(options: DemoTraineeOptions): NewTrainee[] {
  const today = options.today ?? todayInEngland();
  const next = random(options.seed ?? options.firstTrn);
  const pick = <T>(items: T[]) => items[Math.floor(next() * items.length)];
  const window = recommendationWindow(today);
  const daysBetween = (from: string, to: string) => Math.round((Date.parse(to) - Date.parse(from)) / 86_400_000);
  const plusDays = (date: string, days: number) =>
    new Date(Date.parse(date) + days * 86_400_000).toISOString().slice(0, 10);
  const windowDays = daysBetween(window.from, window.to);
  const trainees: NewTrainee[] = [];

  for (let i = 0; i < options.count; i++) {
    const route = trainingRoute(options.routes[i % options.routes.length]);
    const earlyYears = route.award === 'EYTS';
    const secondary = !earlyYears && next() < 0.55;
    // The first `eligible` trainees can be recommended; the rest are spread over other states.
    const kind =
      i < options.eligible
        ? 'eligible'
        : pick(['deferred', 'withdrawn', 'recommended', 'awarded', 'pending', 'later'] as const);
    const expectedEnd =
      kind === 'later'
        ? addMonths(window.to, 2 + Math.floor(next() * 9))
        : kind === 'recommended' || kind === 'awarded'
          ? plusDays(window.from, Math.floor(next() * windowDays * 0.6))
          : plusDays(window.from, Math.floor(next() * windowDays));
    const ittStart = addMonths(expectedEnd, -(route.code.includes('undergrad') ? 34 : 10));
    const standardsMet =
      kind === 'recommended' || kind === 'awarded' ? plusDays(expectedEnd, -(10 + Math.floor(next() * 30))) : null;
    const birthYear = 1975 + Math.floor(next() * 28);
    trainees.push({
      provider_id: options.providerId,
      first_names: pick(FIRST_NAMES),
      last_name: pick(LAST_NAMES),
      date_of_birth: `${birthYear}-${String(1 + Math.floor(next() * 12)).padStart(2, '0')}-${String(1 + Math.floor(next() * 28)).padStart(2, '0')}`,
      trn: kind === 'pending' ? null : String(options.firstTrn + i).padStart(7, '0'),
      hesa_id: options.withHesaIds ? `${String(options.firstTrn).slice(0, 4)}${String(100000000 + i)}` : null,
      provider_trainee_id: `${options.idPrefix}-${String(i + 1).padStart(6, '0')}`,
      route: route.code,
      subject: earlyYears ? 'Early years teaching' : secondary ? pick(SECONDARY_SUBJECTS) : 'Primary',
      age_range: earlyYears
        ? '0 to 5'
        : secondary
          ? pick(['11 to 16', '11 to 18', '14 to 19'])
          : pick(['3 to 11', '5 to 11', '7 to 11']),
      study_mode: next() < 0.85 ? 'full_time' : 'part_time',
      itt_start_date: ittStart,
      expected_end_date: expectedEnd,
      state: kind === 'eligible' || kind === 'later' ? 'trn_received' : kind === 'pending' ? 'submitted_for_trn' : kind,
      withdrawal_reason:
        kind === 'withdrawn' ? pick(['Personal reasons', 'Health reasons', 'Moved to another provider']) : null,
      withdrawal_date: kind === 'withdrawn' ? plusDays(ittStart, 60 + Math.floor(next() * 120)) : null,
      standards_met_date: standardsMet,
      recommended_at: standardsMet ? new Date(`${standardsMet}T12:00:00Z`) : null,
      awarded_date: kind === 'awarded' && standardsMet ? plusDays(standardsMet, 3) : null,
    });
  }
  return trainees;
}

/** The demo providers' trainees: 640 at the SCITT (540 can be recommended), 220 at the university (160). */
export async function loadDemoTrainees(db: Kysely<DB>, { organisations, today }: DemoContext): Promise<void> {
  await insertTrainees(db, [
    ...demoTrainees({
      providerId: organisations.scitt,
      count: 640,
      eligible: 540,
      firstTrn: 2000001,
      idPrefix: 'DS',
      routes: [
        'provider_led_postgrad',
        'school_direct_salaried',
        'school_direct_fee_funded',
        'pg_teaching_apprenticeship',
        'assessment_only',
        'early_years_postgrad',
        'early_years_assessment_only',
      ],
      withHesaIds: false,
      today,
    }),
    ...demoTrainees({
      providerId: organisations.university,
      count: 220,
      eligible: 160,
      firstTrn: 3000001,
      idPrefix: 'U',
      routes: [
        'provider_led_postgrad',
        'provider_led_undergrad',
        'opt_in_undergrad',
        'teacher_degree_apprenticeship',
        'early_years_undergrad',
      ],
      withHesaIds: true,
      today,
    }),
  ]);
}
