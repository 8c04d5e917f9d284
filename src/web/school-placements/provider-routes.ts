// Providers: "Placements offered by schools" (those assigned to the provider) and one such placement,
// with the school's placement contact first; and putting one of the provider's trainees on it. A
// placement assigned to anyone else is not found.
import type { FastifyInstance, FastifyReply, FastifyRequest } from 'fastify';
import { academicYearName } from '../../domain/dates.ts';
import { DomainError, NotFoundError } from '../../domain/errors.ts';
import {
  assigningSchools,
  findAssignedPlacement,
  isTerm,
  listAssignedPlacements,
  openingPlacementYear,
  placementYears,
  placeTraineeOnOfferedPlacement,
  TERMS,
} from '../../domain/placements/offered-placements.ts';
import { isSecondarySubject, SECONDARY_SUBJECTS } from '../../domain/placements/subjects.ts';
import { stateName } from '../../domain/trainees/states.ts';
import { listTrainees } from '../../domain/trainees/trainees.ts';
import { trainingRoute } from '../../domain/trainees/training-routes.ts';
import type { Services } from '../../services.ts';
import { errorsFrom, type FormErrors, field, formErrors } from '../forms.ts';
import { actorOf, requireActor } from '../guards.ts';
import { chosenYear, describePlacement, yearOptions } from './placement-pages.ts';

const VIEW = 'school-placements/views';

export async function providerPlacementRoutes(app: FastifyInstance, { database }: Pick<Services, 'database'>) {
  const db = database.db;
  app.addHook('preHandler', requireActor);
  app.addHook('preHandler', async (request) => {
    if (actorOf(request).organisation.type !== 'provider') throw new NotFoundError('Page');
  });

  app.get('/placements', async (request, reply) => {
    const actor = actorOf(request);
    const query = request.query;
    const [years, schools, opening] = await Promise.all([
      placementYears(db, actor),
      assigningSchools(db, actor),
      openingPlacementYear(db, actor),
    ]);
    const year = chosenYear(query, years, opening);
    const schoolId = schools.find((s) => s.id === field(query, 'school'))?.id;
    const subjectValue = field(query, 'subject');
    const subject = subjectValue === 'primary' || isSecondarySubject(subjectValue) ? subjectValue : undefined;
    const termValue = field(query, 'term');
    const term = isTerm(termValue) ? termValue : undefined;
    const placements = await listAssignedPlacements(db, actor, { academicYear: year, schoolId, subject, term });
    const option = (value: string, text: string, selected: string | undefined) => ({
      value,
      text,
      selected: value === selected,
    });
    return reply.viewAsync(`${VIEW}/assigned-list.njk`, {
      placements: placements.map(describePlacement),
      year,
      yearName: academicYearName(year),
      filtered: Boolean(schoolId || subject || term),
      yearOptions: yearOptions(years, year),
      schoolOptions: [{ value: '', text: 'Any school' }, ...schools.map((s) => option(s.id, s.name, schoolId))],
      subjectOptions: [
        { value: '', text: 'Any subject' },
        option('primary', 'Primary (any year group)', subject),
        ...SECONDARY_SUBJECTS.map((s) => option(s.code, s.name, subject)),
      ],
      termOptions: [{ value: '', text: 'Any term' }, ...TERMS.map((t) => option(t.code, t.name, term))],
    });
  });

  app.get<{ Params: { id: string } }>('/placements/:id', async (request, reply) => {
    const placement = await findAssignedPlacement(db, actorOf(request), request.params.id);
    return reply.viewAsync(`${VIEW}/assigned-placement.njk`, {
      placement: describePlacement(placement),
      backLink: `/placements?year=${placement.academic_year}`,
    });
  });

  // Putting a trainee on the placement: the trainees who still need placements, or those a search
  // finds, to choose from; choosing one records their placement at the school.
  async function chooseTrainee(
    request: FastifyRequest<{ Params: { id: string } }>,
    reply: FastifyReply,
    query: string,
    errors?: FormErrors,
  ) {
    const actor = actorOf(request);
    const placement = await findAssignedPlacement(db, actor, request.params.id);
    const search = query.trim().slice(0, 100);
    const { trainees, total } = await listTrainees(db, actor, {
      search: search || undefined,
      fewerThanTwoPlacements: !search,
      page: 1,
    });
    return reply.code(errors ? 400 : 200).viewAsync(`${VIEW}/choose-trainee.njk`, {
      placement: describePlacement(placement),
      query: search,
      total,
      trainees: trainees.map((t) => {
        const route = trainingRoute(t.route);
        return {
          value: t.id,
          text: `${t.first_names} ${t.last_name}`,
          hint: {
            text: [
              t.trn ? `TRN ${t.trn}` : 'No TRN yet',
              route.name,
              stateName(t.state, route.award),
              `${t.placement_count} ${t.placement_count === 1 ? 'placement' : 'placements'}`,
            ].join(', '),
          },
        };
      }),
      errors,
      backLink: `/placements/${placement.id}`,
    });
  }

  app.get<{ Params: { id: string } }>('/placements/:id/trainee', async (request, reply) =>
    chooseTrainee(request, reply, field(request.query, 'q')),
  );

  app.post<{ Params: { id: string } }>('/placements/:id/trainee', async (request, reply) => {
    const traineeId = field(request.body, 'traineeId');
    const query = field(request.body, 'q');
    if (!traineeId) {
      return chooseTrainee(
        request,
        reply,
        query,
        formErrors([new DomainError('Select the trainee to put on this placement', 'traineeId')]),
      );
    }
    try {
      const { placement } = await placeTraineeOnOfferedPlacement(db, actorOf(request), request.params.id, traineeId);
      await reply.setFlash({ success: `A placement at ${placement.school_name} has been added` });
    } catch (error) {
      const errors = errorsFrom(error, () => 'traineeId');
      if (!errors) throw error;
      return chooseTrainee(request, reply, query, errors);
    }
    return reply.redirect(`/trainees/${traineeId}#placements`, 303);
  });
}
