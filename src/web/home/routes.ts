// The home page: a card for each task the organisation can do, by organisation type.
import type { FastifyInstance } from 'fastify';
import type { OrganisationType } from '../../db/schema.ts';
import { allKinds } from '../../uploads/kinds/index.ts';
import { actorOf, requireActor } from '../guards.ts';

interface Card {
  href: string;
  title: string;
  description: string;
}

// Only tasks that exist are listed: a later feature adds its card here (an upload kind declares its
// own card).
const YOUR_ORGANISATION: Card = {
  href: '/organisation',
  title: 'Your organisation',
  description: 'See your organisation’s details and who can use Rollbook for it.',
};

const CARDS: Record<OrganisationType, Card[]> = {
  provider: [
    {
      href: '/trainees',
      title: 'Trainees',
      description: 'Find a trainee and see their course, status and award.',
    },
    {
      href: '/placements',
      title: 'Placements offered by schools',
      description:
        'See the placements schools have offered you, with each school’s placement contact, and put your trainees on them.',
    },
    {
      href: '/sign-off',
      title: 'Performance profile sign-off',
      description: 'Check last year’s trainees have their placements, export the data and sign it off.',
    },
    YOUR_ORGANISATION,
  ],
  school: [
    {
      href: '/school/placements',
      title: 'Placements',
      description: 'Offer placements to teacher training providers and assign them.',
    },
    {
      href: '/learners',
      title: 'Find a learner',
      description: 'See a learner’s school data exactly as they see it, if your school has given you permission.',
    },
    {
      href: '/school/ects',
      title: 'Early-career teachers',
      description:
        'Register your ECTs with their appropriate body, see where each stands, and say when one is leaving.',
    },
    YOUR_ORGANISATION,
  ],
  appropriate_body: [
    {
      href: '/induction',
      title: 'Early-career teachers',
      description: 'Your current and past ECTs: claim, release, pass or fail them, and add extensions.',
    },
    {
      href: '/induction/tasks',
      title: 'Tasks from schools',
      description: 'ECTs schools have registered with you to check and claim, and those leaving to check and release.',
    },
    {
      href: '/induction/find',
      title: 'Find and claim an ECT',
      description: 'Look up an early-career teacher by TRN and date of birth, and claim their induction.',
    },
    YOUR_ORGANISATION,
  ],
  support: [
    {
      href: '/support/organisations',
      title: 'Organisations',
      description: 'Find any organisation, manage its users, read its audit log, or add a new organisation.',
    },
    {
      href: '/support/sign-offs',
      title: 'Performance profile sign-off',
      description: 'See which providers have signed off last year’s data, and remind those that have not.',
    },
    {
      href: '/support/audit-log',
      title: 'Audit log',
      description: 'Read every organisation’s changes as sentences, and filter them by who, what, record and date.',
    },
    { href: '/support/outbox', title: 'Emails sent', description: 'Read the emails Rollbook has sent.' },
    YOUR_ORGANISATION,
  ],
};

const DESCRIPTIONS: Record<OrganisationType, string> = {
  provider: 'Keep your trainees’ records and send them to the department.',
  school: 'Keep your school’s records for placements, early-career teachers and learners.',
  appropriate_body: 'Record the induction of the early-career teachers you are appropriate body for.',
  support: 'Support for every organisation that uses Rollbook.',
};

/**
 * The organisation's tasks: the fixed ones, with the upload kinds for it after its first task
 * (its records), in the kinds' own order.
 */
function cardsFor(type: OrganisationType): Card[] {
  const [first, ...rest] = CARDS[type];
  const kinds = allKinds()
    .filter((kind) => kind.card && kind.allowedFor.includes(type))
    .sort((a, b) => (a.card?.order ?? 0) - (b.card?.order ?? 0))
    .map((kind) => ({
      href: `/bulk/${kind.id}`,
      title: kind.card?.title ?? kind.title,
      description: kind.card?.description ?? '',
    }));
  return first === YOUR_ORGANISATION ? [...kinds, first, ...rest] : [first, ...kinds, ...rest];
}

export async function homeRoutes(app: FastifyInstance) {
  app.get('/', { preHandler: requireActor }, async (request, reply) => {
    const actor = actorOf(request);
    return reply.viewAsync('home/views/home.njk', {
      title: actor.organisation.name,
      description: DESCRIPTIONS[actor.organisation.type],
      cards: cardsFor(actor.organisation.type),
    });
  });
}
