// Schools' early-career teachers: register an ECT once (TRN and date of birth, checked against the
// teaching record; start date; programme; the appropriate body, from those valid for the school),
// see where each stands, and say when one is leaving. A school sees only its own ECTs.
import type { FastifyInstance, FastifyReply } from 'fastify';
import type { Database } from '../../db/database.ts';
import type { TrainingProgramme } from '../../db/schema.ts';
import { formatIsoDate, today } from '../../domain/dates.ts';
import { DomainError, NotFoundError } from '../../domain/errors.ts';
import {
  bodiesForSchool,
  listSchoolEcts,
  markEctLeaving,
  registerEct,
  schoolEctStatus,
} from '../../domain/induction/registrations.ts';
import { dateOfBirthProblem, PROGRAMME_NAMES, teacherName } from '../../domain/induction/rules.ts';
import type { TeachingRecord } from '../../domain/ports/teaching-record.ts';
import { TeachingRecordUnavailable } from '../../domain/ports/teaching-record.ts';
import { errorsFrom, type FormErrors, field, formErrors } from '../forms.ts';
import { actorOf, requireActor } from '../guards.ts';
import { dateInputItems, dateInputValues, parseDateInput } from '../placements/date-input.ts';

const VIEW = 'induction/views';
const VIA = 'school ECT pages';

const isProgramme = (value: string): value is TrainingProgramme => value === 'provider_led' || value === 'school_led';

export async function schoolEctRoutes(
  app: FastifyInstance,
  { database, teachingRecord }: { database: Database; teachingRecord: TeachingRecord },
) {
  const db = database.db;
  app.addHook('preHandler', requireActor);
  app.addHook('preHandler', async (request) => {
    if (actorOf(request).organisation.type !== 'school') throw new NotFoundError('Page');
  });

  app.get('/school/ects', async (request, reply) => {
    const ects = await listSchoolEcts(db, actorOf(request));
    return reply.view(`${VIEW}/school-list.njk`, {
      title: 'Early-career teachers',
      ects: ects.map((e) => ({
        ...e,
        name: teacherName(e),
        startedOn: formatIsoDate(e.started_on),
        programme: PROGRAMME_NAMES[e.training_programme],
        leavingOn: e.leaving_on ? formatIsoDate(e.leaving_on) : '',
        status: schoolEctStatus(e),
      })),
    });
  });

  type Values = {
    trn: string;
    dob: ReturnType<typeof dateInputValues>;
    startedOn: ReturnType<typeof dateInputValues>;
    programme: string;
    appropriateBodyId: string;
  };
  const registerForm = async (reply: FastifyReply, schoolId: string, values: Values, errors?: FormErrors) => {
    const bodies = await bodiesForSchool(db, schoolId);
    return reply.code(errors ? 400 : 200).view(`${VIEW}/school-register.njk`, {
      title: 'Register an early-career teacher',
      backLink: '/school/ects',
      values,
      dobItems: dateInputItems(values.dob, Boolean(errors?.fields.dob)),
      startItems: dateInputItems(values.startedOn, Boolean(errors?.fields.startedOn)),
      programmeItems: (Object.entries(PROGRAMME_NAMES) as [TrainingProgramme, string][]).map(([value, text]) => ({
        value,
        text,
        checked: value === values.programme,
      })),
      bodyItems: [
        { value: '', text: 'Choose an appropriate body' },
        ...bodies.map((b) => ({ value: b.id, text: b.name, selected: b.id === values.appropriateBodyId })),
      ],
      errors,
    });
  };

  app.get('/school/ects/register', async (request, reply) => {
    const empty = { day: '', month: '', year: '' };
    return registerForm(reply, actorOf(request).organisation.id, {
      trn: '',
      dob: empty,
      startedOn: empty,
      programme: '',
      appropriateBodyId: '',
    });
  });

  app.post('/school/ects/register', async (request, reply) => {
    const actor = actorOf(request);
    const body = request.body;
    const values: Values = {
      trn: field(body, 'trn'),
      dob: dateInputValues(body, 'dob'),
      startedOn: dateInputValues(body, 'startedOn'),
      programme: field(body, 'programme'),
      appropriateBodyId: field(body, 'appropriateBodyId'),
    };
    const fieldId = (f: string) => (f === 'dob' || f === 'startedOn' ? `${f}-day` : f);
    const problems: DomainError[] = [];
    const trn = values.trn.replace(/\s+/g, '');
    if (!trn) problems.push(new DomainError('Enter the teacher reference number (TRN)', 'trn'));
    else if (!/^\d{7}$/.test(trn)) problems.push(new DomainError('Enter a TRN of 7 digits, like 1234567', 'trn'));
    const dob = parseDateInput(values.dob, 'dob', 'Date of birth');
    if (dob instanceof DomainError) problems.push(dob);
    else if (dob === null) problems.push(new DomainError('Enter the teacher’s date of birth', 'dob'));
    else {
      const ageProblem = dateOfBirthProblem(dob, today());
      if (ageProblem) problems.push(new DomainError(ageProblem, 'dob'));
    }
    const startedOn = parseDateInput(values.startedOn, 'startedOn', 'The induction start date');
    if (startedOn instanceof DomainError) problems.push(startedOn);
    else if (startedOn === null)
      problems.push(new DomainError('Enter the date their induction starts or started', 'startedOn'));
    if (!isProgramme(values.programme)) {
      problems.push(new DomainError('Select the training programme they will follow', 'programme'));
    }
    if (!values.appropriateBodyId) {
      problems.push(new DomainError('Select the appropriate body you have agreed with', 'appropriateBodyId'));
    }
    if (problems.length || typeof dob !== 'string' || typeof startedOn !== 'string' || !isProgramme(values.programme)) {
      return registerForm(reply, actor.organisation.id, values, formErrors(problems, fieldId));
    }
    let record: Awaited<ReturnType<TeachingRecord['findTeachers']>>[number];
    try {
      [record] = await teachingRecord.findTeachers([{ trn, dateOfBirth: dob }]);
    } catch (error) {
      if (!(error instanceof TeachingRecordUnavailable)) throw error;
      return registerForm(
        reply,
        actor.organisation.id,
        values,
        formErrors([
          new DomainError(
            'The Teaching Record System is not answering at the moment. Try again in a few minutes',
            'trn',
          ),
        ]),
      );
    }
    if (!record) {
      return registerForm(
        reply,
        actor.organisation.id,
        values,
        formErrors([
          new DomainError(
            'No teacher with this TRN and date of birth was found. Check both against the teacher’s records and try again',
            'trn',
          ),
        ]),
      );
    }
    try {
      await registerEct(
        db,
        actor,
        { record, startedOn, programme: values.programme, appropriateBodyId: values.appropriateBodyId },
        { via: VIA },
      );
    } catch (error) {
      const errors = errorsFrom(error, fieldId);
      if (!errors) throw error;
      return registerForm(reply, actor.organisation.id, values, errors);
    }
    await reply.setFlash({
      success: `${record.firstName} ${record.lastName} registered: their appropriate body will check and claim them`,
    });
    return reply.redirect('/school/ects', 303);
  });

  const leavingForm = (
    reply: FastifyReply,
    ect: { registration_id: string; first_name: string; last_name: string },
    values: ReturnType<typeof dateInputValues>,
    errors?: FormErrors,
  ) =>
    reply.code(errors ? 400 : 200).view(`${VIEW}/school-leaving.njk`, {
      title: `When is ${teacherName(ect)} leaving your school?`,
      backLink: '/school/ects',
      registrationId: ect.registration_id,
      items: dateInputItems(values, Boolean(errors?.fields.leavingOn)),
      errors,
    });

  const ectOf = async (schoolActor: ReturnType<typeof actorOf>, id: string) => {
    const ect = (await listSchoolEcts(db, schoolActor)).find((e) => e.registration_id === id);
    if (!ect) throw new NotFoundError('ECT');
    return ect;
  };

  app.get('/school/ects/:id/leaving', async (request, reply) => {
    const ect = await ectOf(actorOf(request), (request.params as { id: string }).id);
    return leavingForm(reply, ect, { day: '', month: '', year: '' });
  });

  app.post('/school/ects/:id/leaving', async (request, reply) => {
    const actor = actorOf(request);
    const ect = await ectOf(actor, (request.params as { id: string }).id);
    const values = dateInputValues(request.body, 'leavingOn');
    const leavingOn = parseDateInput(values, 'leavingOn', 'The leaving date');
    const fieldId = () => 'leavingOn-day';
    if (leavingOn instanceof DomainError) return leavingForm(reply, ect, values, formErrors([leavingOn], fieldId));
    if (leavingOn === null) {
      return leavingForm(
        reply,
        ect,
        values,
        formErrors([new DomainError('Enter the date they are leaving, or left, your school', 'leavingOn')], fieldId),
      );
    }
    await markEctLeaving(db, actor, ect.registration_id, leavingOn, { via: VIA });
    await reply.setFlash({
      success: `${teacherName(ect)} is leaving on ${formatIsoDate(leavingOn)}: their appropriate body has been told`,
    });
    return reply.redirect('/school/ects', 303);
  });
}
