// Providers: "Placements assigned to you" and one such placement, with the school's placement
// contact first. A placement assigned to anyone else is not found.
import type { FastifyInstance } from 'fastify';
import type { Services } from '../../app.ts';
import { academicYearName } from '../../domain/dates.ts';
import { NotFoundError } from '../../domain/errors.ts';
import {
  assigningSchools,
  findAssignedPlacement,
  isTerm,
  listAssignedPlacements,
  placementYears,
  TERMS,
} from '../../domain/placements/offered-placements.ts';
import { isSecondarySubject, SECONDARY_SUBJECTS } from '../../domain/placements/subjects.ts';
import { field } from '../forms.ts';
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
    const [years, schools] = await Promise.all([placementYears(db, actor), assigningSchools(db, actor)]);
    const year = chosenYear(query, years);
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
}
