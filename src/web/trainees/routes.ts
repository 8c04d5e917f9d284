// Provider pages: the list of trainees (filtered, searched, sorted, paged) and one trainee.
import type { FastifyInstance } from 'fastify';
import type { Kysely } from 'kysely';
import type { DB, Trainee } from '../../db/schema.ts';
import { academicYearName, formatIsoDate } from '../../domain/dates.ts';
import { NotFoundError } from '../../domain/errors.ts';
import { listPlacements } from '../../domain/placements/placements.ts';
import { contactName, findSchoolContactsByUrn } from '../../domain/placements/school-contacts.ts';
import { SUBJECTS } from '../../domain/trainees/reference-lists.ts';
import { isTraineeState, stateFilterName, stateName, TRAINEE_STATES } from '../../domain/trainees/states.ts';
import { detailsOf, inputOf, SECTIONS, sectionApplies } from '../../domain/trainees/trainee-details.ts';
import { LOCKED_STATES } from '../../domain/trainees/trainee-records.ts';
import {
  ASSESSMENT_ONLY_ROUTES,
  findTrainee,
  isMissingPlacements,
  listTrainees,
  PLACEMENTS_NEEDED,
  TRAINEES_PAGE_SIZE,
  type TraineeFilters,
  traineeAcademicYears,
} from '../../domain/trainees/trainees.ts';
import { isTrainingRoute, TRAINING_ROUTES, trainingRoute } from '../../domain/trainees/training-routes.ts';
import { field, pageNumber, pagination } from '../forms.ts';
import { actorOf, requireActor } from '../guards.ts';
import { sectionRows } from '../trainee-records/sections.ts';

const VIEW = 'trainees/views';
/** The list's query parameters a trainee's page carries in ?back=, so its Back link keeps them. */
const LIST_PARAMETERS = ['q', 'state', 'route', 'year', 'subject', 'sort', 'placements', 'page'];

/**
 * The list a trainee's page goes back to: the filters it was opened from (?back=, the list's own
 * query string), keeping only the list's parameters, so the link always stays on the list.
 */
export function backToList(query: unknown): string {
  const back = new URLSearchParams(field(query, 'back').slice(0, 1000));
  const kept = new URLSearchParams();
  for (const name of LIST_PARAMETERS) {
    const value = back.get(name);
    if (value) kept.set(name, value.slice(0, 100));
  }
  const search = kept.toString();
  return search ? `/trainees?${search}` : '/trainees';
}
/** ?placements=fewer-than-2: the trainees who still need placements before QTS or EYTS. */
const FEWER_THAN_TWO = 'fewer-than-2';

const STATE_TAG_COLOURS: Record<Trainee['state'], string> = {
  draft: 'govuk-tag--grey',
  submitted_for_trn: 'govuk-tag--light-blue',
  trn_received: 'govuk-tag--turquoise',
  recommended: 'govuk-tag--purple',
  awarded: 'govuk-tag--green',
  deferred: 'govuk-tag--yellow',
  withdrawn: 'govuk-tag--red',
};

/** What a page shows of a trainee: names for codes and dates written out. */
export function describeTrainee(trainee: Trainee) {
  const route = trainingRoute(trainee.route);
  return {
    ...trainee,
    name: `${trainee.first_names} ${trainee.last_name}`,
    routeName: route.name,
    award: route.award,
    stateName: stateName(trainee.state, route.award),
    stateTag: STATE_TAG_COLOURS[trainee.state],
  };
}

/** What a trainee's Placements section says above the list: the same rule the list filter uses. */
function placementsNote(trainee: ReturnType<typeof describeTrainee>, count: number): string | undefined {
  if (ASSESSMENT_ONLY_ROUTES.includes(trainee.route)) {
    return `Trainees on the ${trainee.routeName.toLowerCase()} route are assessed in their own school, so ${trainee.name} does not need placements.`;
  }
  if (count >= PLACEMENTS_NEEDED) return undefined;
  if (!isMissingPlacements(trainee, count)) return `${trainee.name} has withdrawn, so needs no more placements.`;
  const has = count === 0 ? 'no placements' : `${count} ${count === 1 ? 'placement' : 'placements'}`;
  return `${trainee.name} has ${has}. Trainees need at least ${PLACEMENTS_NEEDED}, at contrasting schools, before ${trainee.award}.`;
}

export async function traineeRoutes(app: FastifyInstance, { db }: { db: Kysely<DB> }) {
  app.addHook('preHandler', requireActor);
  app.addHook('preHandler', async (request) => {
    if (actorOf(request).organisation.type !== 'provider') throw new NotFoundError('Page');
  });

  app.get('/', async (request, reply) => {
    const actor = actorOf(request);
    const query = request.query;
    const state = field(query, 'state');
    const route = field(query, 'route');
    const year = Number(field(query, 'year'));
    const subject = SUBJECTS.find((s) => s.name === field(query, 'subject'))?.name;
    const filters: TraineeFilters = {
      state: isTraineeState(state) ? state : undefined,
      route: isTrainingRoute(route) ? route : undefined,
      academicYear: Number.isInteger(year) && year > 1990 && year < 2100 ? year : undefined,
      subject,
      search: field(query, 'q').slice(0, 100),
      sort: field(query, 'sort') === 'end-date' ? 'end-date' : 'name',
      fewerThanTwoPlacements: field(query, 'placements') === FEWER_THAN_TWO,
      page: pageNumber(query),
    };
    const [{ trainees, total }, years] = await Promise.all([
      listTrainees(db, actor, filters),
      traineeAcademicYears(db, actor),
    ]);
    const params = (overrides: Record<string, string | number | undefined>) => {
      const values = {
        q: filters.search || undefined,
        state: filters.state,
        route: filters.route,
        year: filters.academicYear,
        subject: filters.subject,
        sort: filters.sort === 'end-date' ? 'end-date' : undefined,
        placements: filters.fewerThanTwoPlacements ? FEWER_THAN_TWO : undefined,
        ...overrides,
      };
      const search = new URLSearchParams(
        Object.entries(values).filter((entry): entry is [string, string] => entry[1] !== undefined && entry[1] !== ''),
      ).toString();
      return search ? `/trainees?${search}` : '/trainees';
    };
    const option = (value: string, text: string, selected: string | undefined) => ({
      value,
      text,
      selected: value === selected,
    });
    // Each trainee's link carries this page's filters, for the Back link on the trainee's page.
    const listQuery = params({ page: filters.page > 1 ? filters.page : undefined }).split('?')[1];
    const back = listQuery ? `?back=${encodeURIComponent(listQuery)}` : '';
    return reply.viewAsync(`${VIEW}/list.njk`, {
      trainees: trainees.map((t) => ({
        ...describeTrainee(t),
        href: `/trainees/${t.id}${back}`,
        expectedEnd: formatIsoDate(t.expected_end_date),
        placementsNotNeeded: ASSESSMENT_ONLY_ROUTES.includes(t.route),
      })),
      total,
      filters,
      filtered: Boolean(
        filters.state ||
          filters.route ||
          filters.academicYear ||
          filters.subject ||
          filters.search ||
          filters.fewerThanTwoPlacements,
      ),
      placementsNeeded: PLACEMENTS_NEEDED,
      stateOptions: [
        { value: '', text: 'Any status' },
        ...TRAINEE_STATES.map((s) => option(s, stateFilterName(s), filters.state)),
      ],
      routeOptions: [
        { value: '', text: 'Any route' },
        ...TRAINING_ROUTES.map((r) => option(r.code, r.name, filters.route)),
      ],
      subjectOptions: [
        { value: '', text: 'Any subject' },
        ...SUBJECTS.map((s) => option(s.name, s.name, filters.subject)),
      ],
      yearOptions: [
        { value: '', text: 'Any year' },
        ...years.map((y) => option(String(y), academicYearName(y), String(filters.academicYear ?? ''))),
      ],
      sortByName: params({ sort: undefined, page: undefined }),
      sortByEndDate: params({ sort: 'end-date', page: undefined }),
      pagination: pagination(filters.page, total, TRAINEES_PAGE_SIZE, (p) => params({ page: p === 1 ? undefined : p })),
    });
  });

  app.get<{ Params: { id: string } }>('/:id', async (request, reply) => {
    const actor = actorOf(request);
    const trainee = describeTrainee(await findTrainee(db, actor, request.params.id));
    const placements = await listPlacements(db, actor, trainee.id);
    // A school that uses Rollbook shows its placement contact on the placement.
    const contacts = await findSchoolContactsByUrn(
      db,
      placements.map((p) => p.urn),
    );
    const row = (key: string, value: string | null | undefined) => ({
      key: { text: key },
      value: { text: value || 'Not provided' },
    });
    return reply.viewAsync(`${VIEW}/trainee.njk`, {
      trainee,
      backLink: backToList(request.query),
      placements: placements.map((placement) => {
        const contact = placement.urn ? contacts.get(placement.urn) : undefined;
        return {
          ...placement,
          start: formatIsoDate(placement.startDate),
          end: formatIsoDate(placement.endDate),
          contact: contact && { name: contactName(contact), email: contact.email },
        };
      }),
      placementsNeeded: PLACEMENTS_NEEDED,
      placementsNote: placementsNote(trainee, placements.length),
      // Admins read the organisation's audit log: here, only this trainee's changes.
      auditLogHref: actor.role === 'admin' ? `/organisation/audit-log?record=trainee:${trainee.id}` : undefined,
      locked: LOCKED_STATES.includes(trainee.state),
      sections: SECTIONS.filter((section) => sectionApplies(section.id, trainee.route)).map((section) => ({
        id: section.id,
        title: section.title,
        rows: [
          ...(section.id === 'personal' ? [row('TRN', trainee.trn ?? 'Not received yet')] : []),
          ...sectionRows(
            section.id,
            inputOf(detailsOf(trainee)),
            LOCKED_STATES.includes(trainee.state) ? undefined : `/trainees/${trainee.id}/change/${section.id}`,
          ),
          ...(section.id === 'course' ? [row('Award', trainee.award)] : []),
        ],
      })),
      actions: [
        ...(['submitted_for_trn', 'trn_received'].includes(trainee.state)
          ? [{ href: `/trainees/${trainee.id}/defer`, text: 'Defer trainee' }]
          : []),
        ...(trainee.state === 'deferred'
          ? [{ href: `/trainees/${trainee.id}/reinstate`, text: 'Reinstate trainee' }]
          : []),
        ...(['submitted_for_trn', 'trn_received', 'deferred'].includes(trainee.state)
          ? [{ href: `/trainees/${trainee.id}/withdraw`, text: 'Withdraw trainee' }]
          : []),
      ],
      recommendHref: trainee.state === 'trn_received' ? `/trainees/${trainee.id}/recommend` : undefined,
      outcome: [
        row('Status', trainee.stateName),
        ...(trainee.standards_met_date
          ? [row(`Date ${trainee.award} standards met`, formatIsoDate(trainee.standards_met_date))]
          : []),
        ...(trainee.awarded_date ? [row(`${trainee.award} awarded`, formatIsoDate(trainee.awarded_date))] : []),
        ...(trainee.state === 'withdrawn'
          ? [row('Withdrawal date', formatIsoDate(trainee.withdrawal_date)), row('Reason', trainee.withdrawal_reason)]
          : []),
        ...(trainee.deferral_date ? [row('Date of deferral', formatIsoDate(trainee.deferral_date))] : []),
        ...(trainee.reinstatement_date ? [row('Date reinstated', formatIsoDate(trainee.reinstatement_date))] : []),
        ...(trainee.state === 'submitted_for_trn'
          ? [row('TRN', 'Waiting for the Teaching Record System: refresh this page to see it')]
          : []),
      ],
    });
  });
}
