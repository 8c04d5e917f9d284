// GET /api/v1/learners/{upn}/school-data: a learner's school data as "Your school data" shows it,
// for a school's token that is allowed to read learners' data. Any other token, and a learner of
// another school, get 404 (never a sign that the learner exists). Each read is audited as a view.
// Registered inside apiRoutes, so it shares the token check, rate limit, JSON errors and OpenAPI document.
import type { FastifyInstance } from 'fastify';
import type { ApiActor } from '../domain/organisations/api-tokens.ts';
import { findLearnerByUpn } from '../domain/school-data/learners.ts';
import { learnerDataPage, recordLearnerView } from '../domain/school-data/school-data.ts';
import type { Services } from '../services.ts';
import { ApiProblem } from './errors.ts';
import { COMMON_ANSWERS, json, problem } from './schemas.ts';

const NOT_FOUND = 'There is no learner with this UPN at your school that this token may read';

export async function apiLearnerRoutes(app: FastifyInstance, { database }: Pick<Services, 'database'>) {
  app.get<{ Params: { upn: string } }>(
    '/learners/:upn/school-data',
    {
      schema: {
        operationId: 'getLearnerSchoolData',
        tags: ['Learners'],
        summary: 'Read a learner’s school data',
        description:
          'The school data a learner of your school sees now in “Your school data”: the introduction text of the upload that last set it, then their fields in the sheet’s column order, blank ones left out, and when it was published. Only for a school’s token made with permission to read learners’ data (an admin chooses that when making it; operators use `create-token --allow learner-data`). A learner of another school, an unknown UPN and a token without that permission all get 404. Each read is recorded in the school’s list of views.',
        params: {
          type: 'object',
          required: ['upn'],
          properties: { upn: { type: 'string', description: 'The learner’s UPN, 13 characters' } },
        },
        response: {
          200: json(
            'The learner’s school data now.',
            {
              type: 'object',
              required: ['upn', 'firstName', 'surname', 'yearGroup', 'publishedAt', 'introduction', 'fields'],
              properties: {
                upn: { type: 'string' },
                firstName: { type: 'string' },
                surname: { type: 'string' },
                yearGroup: { type: 'string', description: 'Nursery, Reception, or Year 1 to Year 13' },
                publishedAt: {
                  type: ['string', 'null'],
                  format: 'date-time',
                  description: 'When the data shown was published; null when the learner has none published yet',
                },
                introduction: { type: 'array', items: { type: 'string' }, description: 'Up to 3 paragraphs' },
                fields: {
                  type: 'array',
                  items: {
                    type: 'object',
                    required: ['name', 'value'],
                    properties: { name: { type: 'string' }, value: { type: 'string' } },
                  },
                },
              },
            },
            {
              example: {
                upn: 'B801200005001',
                firstName: 'Ada',
                surname: 'Lovelace',
                yearGroup: 'Year 9',
                publishedAt: '2026-12-07T09:00:00.000Z',
                introduction: ['These are your predicted grades for your GCSE subjects.'],
                fields: [
                  { name: 'Maths predicted grade', value: '7' },
                  { name: 'English predicted grade', value: '6' },
                ],
              },
            },
          ),
          401: COMMON_ANSWERS[401],
          404: problem('No such learner at your school, or the token may not read learners’ data.', NOT_FOUND),
          429: COMMON_ANSWERS[429],
          default: COMMON_ANSWERS.default,
        },
      },
    },
    async (request) => {
      // apiRoutes' hook has refused a request without a valid token (importing its actorOf here made a cycle).
      const actor = request.apiActor as ApiActor | undefined;
      if (!actor) throw new ApiProblem(401, 'Send a valid API token');
      if (!actor.allowLearnerData || actor.organisation.type !== 'school') throw new ApiProblem(404, NOT_FOUND);
      const learner = await findLearnerByUpn(database.db, actor.organisation.id, request.params.upn.slice(0, 20));
      if (!learner) throw new ApiProblem(404, NOT_FOUND);
      const page = await learnerDataPage(database.db, learner);
      await recordLearnerView(database.db, actor, learner, `api token ${actor.tokenName}`);
      return {
        upn: learner.upn,
        firstName: learner.first_name,
        surname: learner.surname,
        yearGroup: learner.year_group,
        publishedAt: page.data ? page.data.publishedAt.toISOString() : null,
        introduction: page.data?.introduction ?? [],
        fields: page.data?.fields ?? [],
      };
    },
  );
}
