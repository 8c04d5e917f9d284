// Schools' placement contact and offered placements (providers' pages are in provider-routes.ts).
import type { FastifyInstance, FastifyReply, FastifyRequest } from 'fastify';
import type { OfferedPlacement, Phase } from '../../db/schema.ts';
import { academicYearName } from '../../domain/dates.ts';
import { DomainError } from '../../domain/errors.ts';
import { findOrganisationDetails } from '../../domain/organisations/organisations.ts';
import {
  ANY_TIME,
  assignProvider,
  createOfferedPlacement,
  deleteOfferedPlacement,
  findSchoolPlacement,
  listSchoolPlacements,
  type OfferedPlacementInput,
  offeredAcademicYears,
  openingPlacementYear,
  PlacementContactRequired,
  PROVIDER_SEARCH_LIMIT,
  placementYears,
  removeProvider,
  searchProviders,
  TERMS,
  updateOfferedPlacement,
} from '../../domain/placements/offered-placements.ts';
import { findSchoolContact, saveSchoolContact, schoolOf } from '../../domain/placements/school-contacts.ts';
import { PHASE_NAMES, SECONDARY_SUBJECTS, schoolPhases, YEAR_GROUPS } from '../../domain/placements/subjects.ts';
import type { Services } from '../../services.ts';
import { errorsFrom, field, formErrors } from '../forms.ts';
import { actorOf, requireActor } from '../guards.ts';
import { tellProviderUsers } from './emails.ts';
import { chosenYear, describePlacement, yearOptions } from './placement-pages.ts';
import { providerPlacementRoutes } from './provider-routes.ts';

const VIEW = 'school-placements/views';
const LIST = '/school/placements';
const CONTACT = '/organisation/placement-contact';
/** ?from=placements on the contact page: it was opened from Placements, so it returns there. */
const FROM_PLACEMENTS = 'placements';

/** Every value of a repeated form field (checkboxes), whatever the body held. */
function fields(body: unknown, name: string): string[] {
  const value = body && typeof body === 'object' ? (body as Record<string, unknown>)[name] : undefined;
  if (Array.isArray(value)) return value.filter((v): v is string => typeof v === 'string');
  return typeof value === 'string' ? [value] : [];
}

export async function schoolPlacementRoutes(
  app: FastifyInstance,
  { database, notify }: Pick<Services, 'database' | 'notify'>,
) {
  const db = database.db;

  await app.register(async (school) => {
    school.addHook('preHandler', requireActor);
    // Only a school's own people reach these pages; for anyone else they do not exist.
    school.addHook('preHandler', async (request) => {
      schoolOf(actorOf(request));
    });

    /** The explanation, with a way to add the contact, instead of a placement form. */
    const contactRequired = (reply: FastifyReply) =>
      reply.code(403).viewAsync(`${VIEW}/contact-required.njk`, { backLink: LIST });

    // Placement contact: one page adds it or changes it. There is deliberately no way to remove it.
    // Reached from Placements (?from=placements), it goes back there; otherwise to Your organisation.
    const contactReturn = (from: string) => (from === FROM_PLACEMENTS ? LIST : '/organisation');
    const contactForm = async (
      request: FastifyRequest,
      reply: FastifyReply,
      from: string,
      extra: Record<string, unknown> = {},
    ) => {
      const contact = await findSchoolContact(db, schoolOf(actorOf(request)));
      return reply.viewAsync(`${VIEW}/contact-form.njk`, {
        adding: !contact,
        values: { firstName: contact?.first_name, lastName: contact?.last_name, email: contact?.email },
        from: from === FROM_PLACEMENTS ? FROM_PLACEMENTS : '',
        backLink: contactReturn(from),
        ...extra,
      });
    };

    school.get(CONTACT, async (request, reply) => contactForm(request, reply, field(request.query, 'from')));

    school.post(CONTACT, async (request, reply) => {
      // A form that asks for anything but a save (such as a method override to delete) is refused.
      if (field(request.body, '_method')) {
        throw Object.assign(new Error('Placement contacts cannot be removed'), { statusCode: 400 });
      }
      const values = {
        firstName: field(request.body, 'firstName'),
        lastName: field(request.body, 'lastName'),
        email: field(request.body, 'email'),
      };
      const from = field(request.body, 'from');
      try {
        const { added } = await saveSchoolContact(db, actorOf(request), values);
        await reply.setFlash({ success: added ? 'Placement contact added' : 'Placement contact updated' });
      } catch (error) {
        const errors = errorsFrom(error);
        if (!errors) throw error;
        reply.code(400);
        return contactForm(request, reply, from, { values, errors });
      }
      return reply.redirect(contactReturn(from), 303);
    });

    // Offered placements.
    school.get(LIST, async (request, reply) => {
      const actor = actorOf(request);
      const [years, opening] = await Promise.all([placementYears(db, actor), openingPlacementYear(db, actor)]);
      const year = chosenYear(request.query, years, opening);
      const [placements, contact] = await Promise.all([
        listSchoolPlacements(db, actor, year),
        findSchoolContact(db, schoolOf(actor)),
      ]);
      return reply.viewAsync(`${VIEW}/list.njk`, {
        placements: placements.map(describePlacement),
        year,
        yearName: academicYearName(year),
        yearOptions: yearOptions(years, year),
        contact,
      });
    });

    /** The phases the acting school offers placements in (see schoolPhases), plus one a placement has. */
    const phasesOf = async (request: FastifyRequest, placement?: OfferedPlacement): Promise<Phase[]> => {
      const details = await findOrganisationDetails(db, schoolOf(actorOf(request)));
      const phases = schoolPhases(details?.school?.phase);
      return placement && !phases.includes(placement.phase) ? [...phases, placement.phase].sort() : phases;
    };
    const asPhase = (value: string, phases: Phase[]): Phase | undefined => phases.find((phase) => phase === value);

    /**
     * The first question for a school with both phases: which one. A page of its own (a GET form that
     * comes back with ?phase=), so the form after it asks only the year group or only the subject.
     */
    const phaseQuestion = (
      reply: FastifyReply,
      page: { action: string; phase?: string; placement?: OfferedPlacement; backLink: string; missing?: boolean },
    ) =>
      reply.code(page.missing ? 400 : 200).viewAsync(`${VIEW}/placement-phase.njk`, {
        adding: !page.placement,
        action: page.action,
        placement: page.placement && describePlacement(page.placement),
        phaseItems: (['primary', 'secondary'] as const).map((phase) => ({
          value: phase,
          text: PHASE_NAMES[phase],
          hint: { text: phase === 'primary' ? 'You will choose the year group' : 'You will choose the subject' },
          checked: phase === page.phase,
        })),
        errors: page.missing
          ? formErrors([new DomainError('Select whether the placement is in a primary or secondary phase', 'phase')])
          : undefined,
        backLink: page.backLink,
      });

    const placementForm = (reply: FastifyReply, page: Record<string, unknown>) => {
      const values = page.values as Record<string, unknown>;
      const terms = (values.terms as string[] | undefined) ?? [];
      const years = page.years as number[];
      return reply.viewAsync(`${VIEW}/placement-form.njk`, {
        ...page,
        phaseName: PHASE_NAMES[values.phase as Phase],
        subjectOptions: [
          { value: '', text: 'Choose a subject' },
          ...SECONDARY_SUBJECTS.map((s) => ({ value: s.code, text: s.name, selected: s.code === values.subject })),
        ],
        yearGroupItems: YEAR_GROUPS.map((y) => ({
          value: y.code,
          text: y.name,
          hint: y.hint ? { text: y.hint } : undefined,
          checked: y.code === values.yearGroup,
        })),
        yearItems: years.map((y) => ({
          value: String(y),
          text: academicYearName(y),
          checked: String(y) === String(values.academicYear),
        })),
        termItems: [
          ...TERMS.map((t) => ({ value: t.code, text: t.name, checked: terms.includes(t.code) })),
          { divider: 'or' },
          { value: 'any', text: ANY_TIME, behaviour: 'exclusive', checked: terms.includes('any') },
        ],
      });
    };

    /** What the form sent; a school of one phase asks no phase, so it is that one. */
    const inputFrom = (body: unknown, phases: Phase[]): OfferedPlacementInput & { terms: string[] } => {
      const terms = fields(body, 'terms');
      return {
        phase: field(body, 'phase') || (phases.length === 1 ? phases[0] : ''),
        subject: field(body, 'subject'),
        yearGroup: field(body, 'yearGroup'),
        academicYear: field(body, 'academicYear'),
        terms,
        anyTime: terms.includes('any'),
      };
    };

    /** The form's values for a stored placement: "any time" is a checkbox of its own. */
    const valuesOf = (p: OfferedPlacement) => ({
      phase: p.phase,
      subject: p.subject,
      yearGroup: p.year_group,
      academicYear: p.academic_year,
      terms: p.terms.length ? p.terms : ['any'],
    });

    school.get(`${LIST}/new`, async (request, reply) => {
      if (!(await findSchoolContact(db, schoolOf(actorOf(request))))) return contactRequired(reply);
      const phases = await phasesOf(request);
      const asked = field(request.query, 'phase');
      const chosen = phases.length === 1 ? phases[0] : asPhase(asked, phases);
      if (!chosen || (phases.length > 1 && field(request.query, 'change') === 'phase')) {
        return phaseQuestion(reply, {
          action: `${LIST}/new`,
          phase: asked,
          backLink: LIST,
          // The phase question sent back with nothing chosen.
          missing: !chosen && field(request.query, 'step') === 'phase',
        });
      }
      const years = offeredAcademicYears();
      return placementForm(reply, {
        adding: true,
        years,
        values: { phase: chosen, academicYear: years[1] },
        changePhase: phases.length > 1 ? `${LIST}/new?phase=${chosen}&change=phase` : undefined,
        backLink: phases.length > 1 ? `${LIST}/new?phase=${chosen}&change=phase` : LIST,
        cancelLink: LIST,
      });
    });

    school.post(`${LIST}/new`, async (request, reply) => {
      const phases = await phasesOf(request);
      const values = inputFrom(request.body, phases);
      const chosen = asPhase(values.phase ?? '', ['primary', 'secondary']);
      try {
        // No phase (a school of both phases that skipped the question): ask it.
        if (!chosen) {
          if (!(await findSchoolContact(db, schoolOf(actorOf(request))))) throw new PlacementContactRequired();
          return phaseQuestion(reply, { action: `${LIST}/new`, backLink: LIST, missing: true });
        }
        const placement = await createOfferedPlacement(db, actorOf(request), values);
        await reply.setFlash({ success: 'Placement added' });
        return reply.redirect(`${LIST}/${placement.id}`, 303);
      } catch (error) {
        if (error instanceof PlacementContactRequired) return contactRequired(reply);
        const errors = errorsFrom(error);
        if (!errors) throw error;
        reply.code(400);
        return placementForm(reply, {
          adding: true,
          years: offeredAcademicYears(),
          values,
          errors,
          changePhase: phases.length > 1 ? `${LIST}/new?phase=${chosen}&change=phase` : undefined,
          backLink: LIST,
          cancelLink: LIST,
        });
      }
    });

    school.get<{ Params: { id: string } }>(`${LIST}/:id`, async (request, reply) => {
      const placement = await findSchoolPlacement(db, actorOf(request), request.params.id);
      return reply.viewAsync(`${VIEW}/placement.njk`, {
        placement: describePlacement(placement),
        phaseChangeable: (await phasesOf(request, placement)).length > 1,
        providerName: placement.provider_name,
        backLink: `${LIST}?year=${placement.academic_year}`,
      });
    });

    const editYears = (placement: OfferedPlacement) =>
      [...new Set([...offeredAcademicYears(), placement.academic_year])].sort((a, b) => a - b);

    school.get<{ Params: { id: string } }>(`${LIST}/:id/edit`, async (request, reply) => {
      const actor = actorOf(request);
      const placement = await findSchoolPlacement(db, actor, request.params.id);
      if (!(await findSchoolContact(db, schoolOf(actor)))) return contactRequired(reply);
      const phases = await phasesOf(request, placement);
      const edit = `${LIST}/${placement.id}/edit`;
      const asked = field(request.query, 'phase');
      if (phases.length > 1 && field(request.query, 'change') === 'phase') {
        return phaseQuestion(reply, { action: edit, phase: asked || placement.phase, placement, backLink: edit });
      }
      if (phases.length > 1 && field(request.query, 'step') === 'phase' && !asPhase(asked, phases)) {
        return phaseQuestion(reply, { action: edit, placement, backLink: edit, missing: true });
      }
      const phase = asPhase(asked, phases) ?? placement.phase;
      return placementForm(reply, {
        adding: false,
        placement: describePlacement(placement),
        years: editYears(placement),
        values: { ...valuesOf(placement), phase },
        changePhase: phases.length > 1 ? `${edit}?phase=${phase}&change=phase` : undefined,
        backLink: `${LIST}/${placement.id}`,
        cancelLink: `${LIST}/${placement.id}`,
      });
    });

    school.post<{ Params: { id: string } }>(`${LIST}/:id/edit`, async (request, reply) => {
      const actor = actorOf(request);
      const placement = await findSchoolPlacement(db, actor, request.params.id);
      const phases = await phasesOf(request, placement);
      const values = inputFrom(request.body, phases);
      const edit = `${LIST}/${placement.id}/edit`;
      try {
        if (!asPhase(values.phase ?? '', ['primary', 'secondary'])) {
          if (!(await findSchoolContact(db, schoolOf(actor)))) throw new PlacementContactRequired();
          return phaseQuestion(reply, { action: edit, placement, backLink: edit, missing: true });
        }
        await updateOfferedPlacement(db, actor, placement.id, values);
      } catch (error) {
        if (error instanceof PlacementContactRequired) return contactRequired(reply);
        const errors = errorsFrom(error);
        if (!errors) throw error;
        reply.code(400);
        return placementForm(reply, {
          adding: false,
          placement: describePlacement(placement),
          years: editYears(placement),
          values,
          errors,
          changePhase: phases.length > 1 ? `${edit}?phase=${values.phase}&change=phase` : undefined,
          backLink: `${LIST}/${placement.id}`,
          cancelLink: `${LIST}/${placement.id}`,
        });
      }
      await reply.setFlash({ success: 'Placement updated' });
      return reply.redirect(`${LIST}/${placement.id}`, 303);
    });

    school.get<{ Params: { id: string } }>(`${LIST}/:id/delete`, async (request, reply) => {
      const placement = await findSchoolPlacement(db, actorOf(request), request.params.id);
      return reply.viewAsync(`${VIEW}/delete.njk`, {
        placement: describePlacement(placement),
        providerName: placement.provider_name,
        backLink: `${LIST}/${placement.id}`,
      });
    });

    school.post<{ Params: { id: string } }>(`${LIST}/:id/delete`, async (request, reply) => {
      const actor = actorOf(request);
      const placement = await findSchoolPlacement(db, actor, request.params.id);
      try {
        await deleteOfferedPlacement(db, actor, placement.id);
      } catch (error) {
        const errors = errorsFrom(error);
        if (!errors) throw error;
        return reply.code(409).viewAsync(`${VIEW}/delete.njk`, {
          placement: describePlacement(placement),
          providerName: placement.provider_name,
          backLink: `${LIST}/${placement.id}`,
        });
      }
      await reply.setFlash({ success: 'Placement deleted' });
      return reply.redirect(`${LIST}?year=${placement.academic_year}`, 303);
    });

    // Assigning a provider: search, pick one from the results, confirm; or remove it.
    const providerPage = async (
      request: FastifyRequest<{ Params: { id: string } }>,
      reply: FastifyReply,
      query: string,
      extra: Record<string, unknown> = {},
    ) => {
      const actor = actorOf(request);
      const placement = await findSchoolPlacement(db, actor, request.params.id);
      if (!(await findSchoolContact(db, schoolOf(actor)))) return contactRequired(reply);
      const page: Record<string, unknown> = {
        placement: describePlacement(placement),
        providerName: placement.provider_name,
        query,
        backLink: `${LIST}/${placement.id}`,
        ...extra,
      };
      if (query.trim() || 'q' in ((request.query as object) ?? {})) {
        try {
          const found = await searchProviders(db, query);
          if (!found.length) {
            throw new DomainError(
              `No providers match “${query.trim()}”. Check the spelling, or search by UKPRN or postcode instead`,
              'q',
            );
          }
          page.results = found.slice(0, PROVIDER_SEARCH_LIMIT).map((p) => ({
            value: p.id,
            text: p.name,
            hint: { text: [p.ukprn && `UKPRN ${p.ukprn}`, p.postcode].filter(Boolean).join(', ') },
            checked: p.id === placement.provider_id,
          }));
          page.more = found.length > PROVIDER_SEARCH_LIMIT;
        } catch (error) {
          const errors = errorsFrom(error);
          if (!errors) throw error;
          page.errors = errors;
          reply.code(400);
        }
      }
      return reply.viewAsync(`${VIEW}/provider.njk`, page);
    };

    school.get<{ Params: { id: string } }>(`${LIST}/:id/provider`, async (request, reply) =>
      providerPage(request, reply, field(request.query, 'q')),
    );

    school.post<{ Params: { id: string } }>(`${LIST}/:id/provider`, async (request, reply) => {
      const actor = actorOf(request);
      const query = field(request.body, 'q');
      const providerId = field(request.body, 'providerId');
      if (!providerId) {
        reply.code(400);
        return providerPage(request, reply, query, {
          errors: formErrors([new DomainError('Select the provider to assign', 'providerId')]),
        });
      }
      let assigned: Awaited<ReturnType<typeof assignProvider>>;
      try {
        assigned = await db.transaction().execute(async (tx) => {
          const change = await assignProvider(tx, actor, request.params.id, providerId);
          if (change.previous) {
            await tellProviderUsers(tx, notify, { ...change, change: 'removed', provider: change.previous });
          }
          if (change.changed && change.provider) {
            await tellProviderUsers(tx, notify, { ...change, change: 'assigned', provider: change.provider });
          }
          return change;
        });
      } catch (error) {
        if (error instanceof PlacementContactRequired) return contactRequired(reply);
        const errors = errorsFrom(error);
        if (!errors) throw error;
        reply.code(400);
        return providerPage(request, reply, query, { errors });
      }
      await reply.setFlash({ success: `Provider assigned: ${assigned.provider?.name}` });
      return reply.redirect(`${LIST}/${request.params.id}`, 303);
    });

    school.get<{ Params: { id: string } }>(`${LIST}/:id/provider/remove`, async (request, reply) => {
      const placement = await findSchoolPlacement(db, actorOf(request), request.params.id);
      if (!placement.provider_id) return reply.redirect(`${LIST}/${placement.id}`, 303);
      return reply.viewAsync(`${VIEW}/remove-provider.njk`, {
        placement: describePlacement(placement),
        providerName: placement.provider_name,
        backLink: `${LIST}/${placement.id}`,
      });
    });

    school.post<{ Params: { id: string } }>(`${LIST}/:id/provider/remove`, async (request, reply) => {
      const actor = actorOf(request);
      const placement = await findSchoolPlacement(db, actor, request.params.id);
      if (!placement.provider_id) return reply.redirect(`${LIST}/${placement.id}`, 303);
      try {
        await db.transaction().execute(async (tx) => {
          const change = await removeProvider(tx, actor, placement.id);
          if (change.previous) {
            await tellProviderUsers(tx, notify, { ...change, change: 'removed', provider: change.previous });
          }
        });
      } catch (error) {
        if (error instanceof PlacementContactRequired) return contactRequired(reply);
        throw error;
      }
      await reply.setFlash({ success: `Provider removed: ${placement.provider_name}` });
      return reply.redirect(`${LIST}/${placement.id}`, 303);
    });
  });

  await app.register(providerPlacementRoutes, { database });
}
