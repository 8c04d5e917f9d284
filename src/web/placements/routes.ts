// A trainee's placements: add, change and remove, from the trainee's page. Adding (or changing the
// school) starts by finding the school in the register; a school without a URN is typed in.
import type { FastifyInstance, FastifyReply, FastifyRequest } from 'fastify';
import type { Kysely } from 'kysely';
import type { DB } from '../../db/schema.ts';
import { formatIsoDate } from '../../domain/dates.ts';
import { DomainError, NotFoundError } from '../../domain/errors.ts';
import { normaliseUrn } from '../../domain/identifiers.ts';
import { ValidationErrors } from '../../domain/organisations/users.ts';
import {
  addPlacement,
  changePlacement,
  checkPlacementDetails,
  findPlacement,
  type PlacementInput,
  type PlacementView,
  placementSchoolText,
  removePlacement,
} from '../../domain/placements/placements.ts';
import { findSchool, type SchoolMatch, schoolSearchProblem, searchSchools } from '../../domain/schools/search.ts';
import { findTrainee } from '../../domain/trainees/trainees.ts';
import type { Services } from '../../services.ts';
import { errorsFrom, type FormErrors, field, formErrors } from '../forms.ts';
import { actorOf, requireActor } from '../guards.ts';
import { schoolHint } from '../schools/school-text.ts';
import { dateInputFromIso, dateInputItems, dateInputValues, parseDateInput } from './date-input.ts';

const VIEW = 'placements/views';
const NO_URN = 'no-urn';

type Params = { id: string; placementId?: string };

/** Which journey a request is in: adding a placement, or changing one. */
interface Journey {
  traineeId: string;
  traineeName: string;
  traineePath: string;
  /** The details page; the school search is at `${base}/school`. */
  base: string;
  placement: PlacementView | undefined;
}

const firstFieldId = (name: string) =>
  name === 'startDate' || name === 'endDate' ? `${name}-day` : name === 'form' ? 'main-content' : name;

export async function traineePlacementRoutes(
  app: FastifyInstance,
  { database }: Pick<Services, 'database' | 'notify'>,
) {
  const db: Kysely<DB> = database.db;
  app.addHook('preHandler', requireActor);
  app.addHook('preHandler', async (request) => {
    if (actorOf(request).organisation.type !== 'provider') throw new NotFoundError('Page');
  });

  async function journey(request: FastifyRequest<{ Params: Params }>): Promise<Journey> {
    const actor = actorOf(request);
    const trainee = await findTrainee(db, actor, request.params.id);
    const traineePath = `/trainees/${trainee.id}`;
    const placementId = request.params.placementId;
    const placement = placementId ? await findPlacement(db, actor, trainee.id, placementId) : undefined;
    return {
      traineeId: trainee.id,
      traineeName: `${trainee.first_names} ${trainee.last_name}`,
      traineePath,
      base: placement ? `${traineePath}/placements/${placement.id}/change` : `${traineePath}/placements/new`,
      placement,
    };
  }

  // Finding the school: a search box, then matching schools to choose from. With JavaScript the
  // box suggests schools as you type and fills in `urn`, which skips the list.
  async function schoolStep(request: FastifyRequest<{ Params: Params }>, reply: FastifyReply) {
    const j = await journey(request);
    const query = field(request.query, 'q').trim().slice(0, 100);
    const chosen = normaliseUrn(field(request.query, 'urn'));
    if (chosen && (await findSchool(db, chosen))) return reply.redirect(`${j.base}?urn=${chosen}`, 303);
    return renderSchoolStep(reply, j, query, field(request.query, 'chose') === 'none');
  }

  async function renderSchoolStep(reply: FastifyReply, j: Journey, query: string, choseNone = false) {
    const problem = query ? schoolSearchProblem(query) : undefined;
    const schools = query && !problem ? await searchSchools(db, query) : [];
    const errors = problem
      ? formErrors([new DomainError(problem, 'q')])
      : choseNone && schools.length
        ? formErrors([new DomainError('Select the school, or search again', 'urn')])
        : undefined;
    return reply.code(errors ? 400 : 200).viewAsync(`${VIEW}/school.njk`, {
      title: `${j.placement ? 'Change the school' : 'Find the school'} for ${j.traineeName}’s placement`,
      journey: j,
      query,
      searched: Boolean(query && !problem),
      results: schools.map((school: SchoolMatch) => ({
        value: school.urn,
        text: school.name,
        hint: { text: schoolHint(school) },
      })),
      backLink: j.placement ? j.base : j.traineePath,
      ...(errors ? { errors } : {}),
    });
  }

  app.get<{ Params: Params }>('/trainees/:id/placements/new/school', schoolStep);
  app.get<{ Params: Params }>('/trainees/:id/placements/:placementId/change/school', schoolStep);

  /** The school the details page is for: chosen in the register, typed in, or (changing) as it is. */
  interface DetailsValues {
    urn: string | null;
    school: SchoolMatch | undefined;
    withoutUrn: boolean;
    schoolName: string;
    postcode: string;
    start: ReturnType<typeof dateInputFromIso>;
    end: ReturnType<typeof dateInputFromIso>;
  }

  async function renderDetails(reply: FastifyReply, j: Journey, values: DetailsValues, errors?: FormErrors) {
    return reply.code(errors ? 400 : 200).viewAsync(`${VIEW}/details.njk`, {
      title: `${j.placement ? 'Change' : 'Add'} a placement for ${j.traineeName}`,
      journey: j,
      values,
      schoolRows: values.school
        ? [
            { key: { text: 'School' }, value: { text: values.school.name } },
            { key: { text: 'URN' }, value: { text: values.school.urn } },
            { key: { text: 'Postcode' }, value: { text: values.school.postcode ?? 'Not known' } },
            ...(values.school.closed ? [{ key: { text: 'Status' }, value: { text: 'Closed' } }] : []),
          ].map((row, index) => ({
            ...row,
            actions:
              index === 0
                ? { items: [{ href: `${j.base}/school`, text: 'Change', visuallyHiddenText: 'school' }] }
                : undefined,
          }))
        : [],
      startItems: dateInputItems(values.start, Boolean(errors?.fields.startDate)),
      endItems: dateInputItems(values.end, Boolean(errors?.fields.endDate)),
      backLink: j.placement ? j.traineePath : `${j.base}/school`,
      ...(errors ? { errors } : {}),
    });
  }

  async function detailsPage(request: FastifyRequest<{ Params: Params }>, reply: FastifyReply) {
    const j = await journey(request);
    const query = request.query;
    const urnText = field(query, 'urn');
    const withoutUrn = field(query, 'school') === NO_URN;
    const current = j.placement;
    let urn: string | null = null;
    if (urnText) {
      urn = normaliseUrn(urnText) ?? null;
      // A URN not in the register (an edited address): back to searching for it.
      if (!urn || !(await findSchool(db, urn)))
        return reply.redirect(`${j.base}/school?q=${encodeURIComponent(urnText)}`, 303);
    } else if (!withoutUrn) {
      if (!current) {
        // "Continue" on the list of schools with none chosen.
        if (field(query, 'q')) return renderSchoolStep(reply, j, field(query, 'q').trim().slice(0, 100), true);
        return reply.redirect(`${j.base}/school`, 303);
      }
      urn = current.urn;
    }
    const typedIn = !urn;
    return renderDetails(reply, j, {
      urn,
      school: urn ? await findSchool(db, urn) : undefined,
      withoutUrn: typedIn,
      schoolName: typedIn ? (current?.schoolName ?? '') : '',
      postcode: typedIn ? (current?.postcode ?? '') : '',
      start: dateInputFromIso(current?.startDate ?? null),
      end: dateInputFromIso(current?.endDate ?? null),
    });
  }

  async function saveDetails(request: FastifyRequest<{ Params: Params }>, reply: FastifyReply) {
    const j = await journey(request);
    const body = request.body;
    const withoutUrn = field(body, 'school') === NO_URN;
    const urnText = withoutUrn ? '' : field(body, 'urn');
    // A details form always carries the school: without either, it did not come from our page.
    if (!withoutUrn && !urnText) return reply.redirect(`${j.base}/school`, 303);
    const values: DetailsValues = {
      urn: urnText ? (normaliseUrn(urnText) ?? urnText) : null,
      school: undefined,
      withoutUrn,
      schoolName: field(body, 'schoolName'),
      postcode: field(body, 'postcode'),
      start: dateInputValues(body, 'startDate'),
      end: dateInputValues(body, 'endDate'),
    };
    const startDate = parseDateInput(values.start, 'startDate', 'The start date');
    const endDate = parseDateInput(values.end, 'endDate', 'The end date');
    const dateErrors = [startDate, endDate].filter((d): d is DomainError => d instanceof DomainError);
    const input: PlacementInput = {
      urn: values.urn,
      schoolName: values.schoolName,
      postcode: values.postcode,
      startDate: typeof startDate === 'string' ? startDate : null,
      endDate: typeof endDate === 'string' ? endDate : null,
    };
    const actor = actorOf(request);
    let changed = true;
    try {
      if (dateErrors.length) {
        // Every problem at once: the school's as well as the dates'.
        const schoolErrors = await checkPlacementDetails(db, input).then(
          () => [],
          (error: unknown) => {
            if (error instanceof ValidationErrors) return error.errors;
            throw error;
          },
        );
        values.school = values.urn ? await findSchool(db, values.urn) : undefined;
        return renderDetails(reply, j, values, formErrors([...schoolErrors, ...dateErrors], firstFieldId));
      }
      if (j.placement) {
        changed = (await changePlacement(db, actor, j.traineeId, j.placement.id, input)).changed;
      } else {
        await addPlacement(db, actor, j.traineeId, input);
      }
    } catch (error) {
      const errors = errorsFrom(error, firstFieldId);
      if (!errors) throw error;
      values.school = values.urn ? await findSchool(db, values.urn) : undefined;
      return renderDetails(reply, j, values, errors);
    }
    const school = values.urn
      ? ((await findSchool(db, values.urn))?.name ?? `URN ${values.urn}`)
      : values.schoolName.trim().replace(/\s+/g, ' ');
    const message = j.placement
      ? changed
        ? `The placement at ${school} has been changed`
        : 'Nothing was changed: the placement already had these details'
      : `A placement at ${school} has been added`;
    await reply.setFlash({ success: message });
    return reply.redirect(`${j.traineePath}#placements`, 303);
  }

  app.get<{ Params: Params }>('/trainees/:id/placements/new', detailsPage);
  app.post<{ Params: Params }>('/trainees/:id/placements/new', saveDetails);
  app.get<{ Params: Params }>('/trainees/:id/placements/:placementId/change', detailsPage);
  app.post<{ Params: Params }>('/trainees/:id/placements/:placementId/change', saveDetails);

  app.get<{ Params: Params }>('/trainees/:id/placements/:placementId/remove', async (request, reply) => {
    const j = await journey(request);
    return reply.viewAsync(`${VIEW}/remove.njk`, removePage(j));
  });

  app.post<{ Params: Params }>('/trainees/:id/placements/:placementId/remove', async (request, reply) => {
    const j = await journey(request);
    const removed = await removePlacement(db, actorOf(request), j.traineeId, j.placement?.id ?? '');
    await reply.setFlash({ success: `The placement at ${removed.displayName} has been removed` });
    return reply.redirect(`${j.traineePath}#placements`, 303);
  });

  function removePage(j: Journey) {
    const placement = j.placement as PlacementView;
    return {
      title: `Remove the placement at ${placement.displayName}?`,
      journey: j,
      rows: [
        { key: { text: 'School' }, value: { text: placementSchoolText(placement) } },
        { key: { text: 'Start date' }, value: { text: formatIsoDate(placement.startDate) || 'Not given' } },
        { key: { text: 'End date' }, value: { text: formatIsoDate(placement.endDate) || 'Not given' } },
      ],
      backLink: j.traineePath,
    };
  }
}
