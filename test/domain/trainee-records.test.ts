// Trainee records: the rules of registering, changing, deferring, reinstating and withdrawing,
// and TRN requests, on the database the tests run on (PGlite, or PostgreSQL with TEST_DATABASE_URL).
import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import type { Database } from '../../src/db/database.ts';
import { inTransaction } from '../../src/db/transaction.ts';
import { addMonths, today } from '../../src/domain/dates.ts';
import { DomainError, NotFoundError } from '../../src/domain/errors.ts';
import type { Actor } from '../../src/domain/organisations/actor.ts';
import { ValidationErrors } from '../../src/domain/organisations/users.ts';
import { sendAllAwardRequests } from '../../src/domain/trainees/awards.ts';
import { recommendTrainee } from '../../src/domain/trainees/recommendations.ts';
import { checkTraineeInput } from '../../src/domain/trainees/trainee-details.ts';
import {
  changeTraineeDetails,
  DuplicateTraineeError,
  deferTrainee,
  registerTrainee,
  reinstateTrainee,
  TraineeLockedError,
  withdrawTrainee,
} from '../../src/domain/trainees/trainee-records.ts';
import { sendAllTrnRequests } from '../../src/domain/trainees/trn-requests.ts';
import { localTeachingRecord } from '../../src/integrations/teaching-record/teaching-record.ts';
import { testDatabase } from '../support/database.ts';
import { createProvider } from '../support/factories.ts';
import { traineeInput } from '../support/trainee-input.ts';

const TODAY = today();
const options = { via: 'page', today: TODAY, source: 'manual' as const };

/** The messages of the errors a check gives, by field. */
function messages(input: Parameters<typeof checkTraineeInput>[0]): Record<string, string> {
  const { errors } = checkTraineeInput(input, TODAY);
  return Object.fromEntries(errors.map((e) => [e.field ?? '', e.message]));
}

async function rejection(promise: Promise<unknown>): Promise<unknown> {
  try {
    await promise;
  } catch (error) {
    return error;
  }
  assert.fail('expected the operation to be refused');
}

describe('trainee details: the rules', () => {
  it('accepts complete details, and reads codes and HESA codes as the same values', () => {
    const { details, errors } = checkTraineeInput(
      traineeInput({ sex: '10', trainingRoute: '12', courseSubjects: ['100403'], studyMode: '01' }),
      TODAY,
    );
    assert.deepEqual(errors, []);
    assert.equal(details?.sex, 'female');
    assert.equal(details?.trainingRoute, 'provider_led_postgrad');
    assert.deepEqual(details?.courseSubjects, ['Mathematics']);
    assert.equal(details?.studyMode, 'full_time');
  });

  it('names the field of every missing detail', () => {
    const found = messages({});
    for (const field of [
      'firstNames',
      'lastName',
      'dateOfBirth',
      'sex',
      'email',
      'trainingRoute',
      'courseSubjects',
      'ageRange',
      'studyMode',
      'ittStartDate',
      'ittEndDate',
    ]) {
      assert.ok(found[field], `${field} is missing`);
    }
    assert.equal(found.lastName, 'Enter the trainee’s last name');
  });

  it('refuses dates of birth in the future, under 16 or over 100', () => {
    assert.equal(
      messages(traineeInput({ dateOfBirth: addMonths(TODAY, 1) })).dateOfBirth,
      'Date of birth must be in the past',
    );
    assert.match(messages(traineeInput({ dateOfBirth: addMonths(TODAY, -12 * 15) })).dateOfBirth, /at least 16/);
    assert.match(messages(traineeInput({ dateOfBirth: addMonths(TODAY, -12 * 101) })).dateOfBirth, /under 100/);
    assert.match(messages(traineeInput({ dateOfBirth: '1995-02-30' })).dateOfBirth, /real date/);
  });

  it('checks the identifiers, the email address and the codes, saying what would be valid', () => {
    assert.match(messages(traineeInput({ hesaId: '12345' })).hesaId, /13 or 17 digits/);
    assert.equal(messages(traineeInput({ hesaId: '1234567890123' })).hesaId, undefined);
    assert.match(messages(traineeInput({ email: 'not-an-email' })).email, /like name@example.com/);
    assert.match(
      messages(traineeInput({ sex: 'x' })).sex,
      /Use Female, Male, Other, Prefer not to say or Not provided/,
    );
    assert.match(messages(traineeInput({ trainingRoute: 'flying' })).trainingRoute, /"flying" is not one/);
    assert.match(messages(traineeInput({ providerTraineeId: 'x'.repeat(51) })).providerTraineeId, /50 characters/);
  });

  it('gives early-years routes their subject and age range, and keeps 0 to 5 for them', () => {
    const { details } = checkTraineeInput(
      traineeInput({ trainingRoute: 'early_years_postgrad', courseSubjects: [], ageRange: '' }),
      TODAY,
    );
    assert.deepEqual(details?.courseSubjects, ['Early years teaching']);
    assert.equal(details?.ageRange, '0 to 5');
    assert.match(messages(traineeInput({ ageRange: '0 to 5' })).ageRange, /only for early years routes/);
    assert.match(
      messages(
        traineeInput({ trainingRoute: 'early_years_postgrad', courseSubjects: ['Mathematics'], ageRange: '0 to 5' }),
      ).courseSubjects,
      /must be Early years teaching/,
    );
  });

  it('needs Primary first for a primary age range, different subjects and at most 3', () => {
    assert.match(messages(traineeInput({ ageRange: '5 to 11' })).courseSubjects, /must be Primary/);
    assert.match(messages(traineeInput({ courseSubjects: ['Physics', 'Physics'] })).courseSubjects, /different/);
    assert.match(
      messages(traineeInput({ courseSubjects: ['Physics', 'Chemistry', 'Biology', 'History'] })).courseSubjects,
      /at most 3/,
    );
  });

  it('needs the end date after the start, and a start at most a year ahead', () => {
    const start = traineeInput().ittStartDate ?? '';
    assert.match(messages(traineeInput({ ittEndDate: start })).ittEndDate, /after the ITT start date/);
    assert.match(
      messages(
        traineeInput({
          ittStartDate: `${Number(TODAY.slice(0, 4)) + 2}-09-01`,
          ittEndDate: `${Number(TODAY.slice(0, 4)) + 3}-07-01`,
        }),
      ).ittStartDate,
      /more than a year in the future/,
    );
  });

  it('needs lead and employing schools on the routes that have them, and none elsewhere', () => {
    const salaried = messages(traineeInput({ trainingRoute: 'school_direct_salaried' }));
    assert.match(salaried.leadSchoolUrn, /lead school/);
    assert.match(salaried.employingSchoolUrn, /employing school/);
    assert.match(messages(traineeInput({ leadSchoolUrn: '100001' })).leadSchoolUrn, /Leave the lead school blank/);
    assert.match(
      messages(traineeInput({ trainingRoute: 'school_direct_fee_funded', leadSchoolUrn: '12' })).leadSchoolUrn,
      /6 digits/,
    );
  });

  it('needs a degree on postgraduate routes and none on undergraduate ones', () => {
    assert.match(
      messages(
        traineeInput({
          degreeType: '',
          degreeSubject: '',
          degreeGrade: '',
          degreeGraduationYear: '',
          degreeInstitution: '',
        }),
      ).degreeType,
      /UK or another country/,
    );
    assert.match(
      messages(traineeInput({ degreeGraduationYear: Number(TODAY.slice(0, 4)) + 1 })).degreeGraduationYear,
      /in the past/,
    );
    assert.match(messages(traineeInput({ degreeType: 'non_uk', degreeInstitution: '' })).degreeCountry, /country/);
    assert.match(
      messages(traineeInput({ trainingRoute: 'provider_led_undergrad', courseSubjects: ['Mathematics'] })).degreeType,
      /Leave the degree blank/,
    );
  });
});

describe('trainee records', () => {
  let database: Database;
  let provider: Actor;
  let other: Actor;

  before(async () => {
    database = await testDatabase();
    provider = await createProvider(database.db);
    other = await createProvider(database.db);
  });
  after(() => database.close());

  const register = (input = traineeInput(), actor = provider) =>
    inTransaction(database.db, (tx) => registerTrainee(tx, actor, input, options));

  it('registers a trainee as submitted for TRN, audited, and a TRN comes back from the teaching record', async () => {
    const trainee = await register();
    assert.equal(trainee.state, 'submitted_for_trn');
    assert.equal(trainee.trn, null);
    assert.equal(trainee.record_source, 'manual');
    const trs = localTeachingRecord(() => TODAY, database.db);
    assert.ok((await sendAllTrnRequests(database.db, trs)) >= 1);
    const after = await database.db
      .selectFrom('trainees')
      .selectAll()
      .where('id', '=', trainee.id)
      .executeTakeFirstOrThrow();
    assert.equal(after.state, 'trn_received');
    assert.match(after.trn ?? '', /^\d{7}$/);
    const events = await database.db
      .selectFrom('events')
      .select(['action', 'via'])
      .where('subject_id', '=', trainee.id)
      .orderBy('id')
      .execute();
    assert.deepEqual(
      events.map((e) => e.action),
      ['registered', 'trn received'],
    );
    // Each TRN the local teaching record gives is new.
    const second = await register();
    await sendAllTrnRequests(database.db, trs);
    const trns = await database.db
      .selectFrom('trainees')
      .select('trn')
      .where('id', 'in', [trainee.id, second.id])
      .execute();
    assert.equal(new Set(trns.map((t) => t.trn)).size, 2);
  });

  it('keeps a TRN request waiting, its attempt and error counted, while the teaching record cannot be reached', async () => {
    const trainee = await register(traineeInput({ lastName: 'Unreachable' }));
    const trs = localTeachingRecord(() => TODAY, database.db);
    const down = {
      ...trs,
      requestTrns: async () => {
        throw new Error('connect ECONNREFUSED');
      },
    };
    await assert.rejects(sendAllTrnRequests(database.db, down), /ECONNREFUSED/);
    const waiting = await database.db
      .selectFrom('trn_requests')
      .select(['state', 'attempts', 'last_error'])
      .where('trainee_id', '=', trainee.id)
      .executeTakeFirstOrThrow();
    assert.deepEqual(waiting, { state: 'pending', attempts: 1, last_error: 'Error: connect ECONNREFUSED' });
    await sendAllTrnRequests(database.db, trs);
    const settled = await database.db
      .selectFrom('trainees')
      .innerJoin('trn_requests', 'trn_requests.trainee_id', 'trainees.id')
      .select(['trainees.state', 'trn_requests.attempts'])
      .where('trainees.id', '=', trainee.id)
      .executeTakeFirstOrThrow();
    assert.deepEqual(settled, { state: 'trn_received', attempts: 2 });
  });

  it('refuses a duplicate, by first word of the first names or by email, case ignored, naming the existing record', async () => {
    const first = await register(
      traineeInput({ firstNames: 'Mary Jane', lastName: 'Seacole', email: 'mj@example.com' }),
    );
    const byName = await rejection(
      register(traineeInput({ firstNames: 'MARY Ann', lastName: 'seacole', email: 'other@example.com' })),
    );
    assert.ok(byName instanceof DuplicateTraineeError);
    assert.equal(byName.existing.id, first.id);
    assert.match(byName.message, /already registered: Mary Jane Seacole/);
    const byEmail = await rejection(
      register(traineeInput({ firstNames: 'Polly', lastName: 'Seacole', email: 'MJ@example.com' })),
    );
    assert.ok(byEmail instanceof DuplicateTraineeError);
    // Another route, another provider or another start year: not a duplicate.
    await register(
      traineeInput({
        firstNames: 'Mary',
        lastName: 'Seacole',
        email: 'mj@example.com',
        trainingRoute: 'assessment_only',
      }),
    );
    await register(traineeInput({ firstNames: 'Mary', lastName: 'Seacole', email: 'mj@example.com' }), other);
  });

  it('refuses a provider trainee ID or HESA ID another trainee of the provider has', async () => {
    await register(traineeInput({ providerTraineeId: 'SAME-1', hesaId: '2512345678901' }));
    const error = await rejection(register(traineeInput({ providerTraineeId: 'same-1', hesaId: '2512345678901' })));
    assert.ok(error instanceof ValidationErrors);
    assert.deepEqual(error.errors.map((e) => e.field).sort(), ['hesaId', 'providerTraineeId']);
    // Another provider may use the same ones.
    await register(traineeInput({ providerTraineeId: 'SAME-1', hesaId: '2512345678901' }), other);
  });

  it('changes only the details given, audited with before and after, and refuses a broken rule', async () => {
    const trainee = await register();
    const { changed } = await inTransaction(database.db, (tx) =>
      changeTraineeDetails(tx, provider, trainee.id, { lastName: 'Byron', email: 'ada.byron@example.com' }, options),
    );
    assert.deepEqual(changed.lastName, { from: trainee.last_name, to: 'Byron' });
    const row = await database.db
      .selectFrom('trainees')
      .selectAll()
      .where('id', '=', trainee.id)
      .executeTakeFirstOrThrow();
    assert.equal(row.last_name, 'Byron');
    assert.equal(row.first_names, trainee.first_names);
    assert.equal(row.version, trainee.version + 1);
    const event = await database.db
      .selectFrom('events')
      .select('changes')
      .where('subject_id', '=', trainee.id)
      .where('action', '=', 'details changed')
      .executeTakeFirstOrThrow();
    assert.deepEqual((event.changes as Record<string, unknown>).email, {
      from: trainee.email,
      to: 'ada.byron@example.com',
    });
    const error = await rejection(
      inTransaction(database.db, (tx) => changeTraineeDetails(tx, provider, trainee.id, { email: 'nope' }, options)),
    );
    assert.ok(error instanceof ValidationErrors);
    assert.equal(error.errors[0].field, 'email');
  });

  it('defers, reinstates and withdraws, each with its date rules, and then refuses changes', async () => {
    const trainee = await register();
    const start = trainee.itt_start_date;
    const tooEarly = await rejection(
      inTransaction(database.db, (tx) =>
        deferTrainee(tx, provider, trainee.id, { date: addMonths(start, -1) }, options),
      ),
    );
    assert.ok(tooEarly instanceof ValidationErrors);
    assert.match(tooEarly.errors[0].message, /on or after the ITT start date/);
    const future = await rejection(
      inTransaction(database.db, (tx) =>
        deferTrainee(tx, provider, trainee.id, { date: addMonths(TODAY, 1) }, options),
      ),
    );
    assert.ok(future instanceof ValidationErrors);
    const deferred = await inTransaction(database.db, (tx) =>
      deferTrainee(tx, provider, trainee.id, { date: start }, options),
    );
    assert.equal(deferred.state, 'deferred');
    assert.ok(
      (await rejection(
        inTransaction(database.db, (tx) => deferTrainee(tx, provider, trainee.id, { date: start }, options)),
      )) instanceof TraineeLockedError,
    );
    const reinstated = await inTransaction(database.db, (tx) =>
      reinstateTrainee(tx, provider, trainee.id, { date: start }, options),
    );
    // No TRN yet: back to waiting for one.
    assert.equal(reinstated.state, 'submitted_for_trn');

    const noReason = await rejection(
      inTransaction(database.db, (tx) =>
        withdrawTrainee(tx, provider, trainee.id, { date: start, reasons: [] }, options),
      ),
    );
    assert.ok(noReason instanceof ValidationErrors);
    assert.equal(noReason.errors[0].field, 'reasons');
    const noOther = await rejection(
      inTransaction(database.db, (tx) =>
        withdrawTrainee(tx, provider, trainee.id, { date: start, reasons: ['another_reason'] }, options),
      ),
    );
    assert.ok(noOther instanceof ValidationErrors);
    assert.equal(noOther.errors[0].field, 'otherReason');
    const withdrawn = await inTransaction(database.db, (tx) =>
      withdrawTrainee(
        tx,
        provider,
        trainee.id,
        { date: start, reasons: ['health_reasons', 'another_reason'], otherReason: 'Moved abroad' },
        options,
      ),
    );
    assert.equal(withdrawn.state, 'withdrawn');
    assert.equal(withdrawn.withdrawal_reason, 'Health reasons; Moved abroad');
    assert.deepEqual(withdrawn.withdrawal_reasons, ['health_reasons', 'another_reason']);

    const locked = await rejection(
      inTransaction(database.db, (tx) => changeTraineeDetails(tx, provider, trainee.id, { lastName: 'X' }, options)),
    );
    assert.ok(locked instanceof TraineeLockedError);
    assert.match(locked.message, /has withdrawn/);
  });

  it('refuses changes, deferral and withdrawal once recommended, and changes once awarded', async () => {
    // Ends within the recommendation window.
    const trainee = await register(traineeInput({ ittEndDate: addMonths(TODAY, 1) }));
    const trs = localTeachingRecord(() => TODAY, database.db);
    await sendAllTrnRequests(database.db, trs);
    const withTrn = await database.db
      .selectFrom('trainees')
      .selectAll()
      .where('id', '=', trainee.id)
      .executeTakeFirstOrThrow();
    await inTransaction(database.db, (tx) => recommendTrainee(tx, provider, withTrn, TODAY, options));
    const attempts = {
      change: () =>
        inTransaction(database.db, (tx) => changeTraineeDetails(tx, provider, trainee.id, { lastName: 'X' }, options)),
      defer: () => inTransaction(database.db, (tx) => deferTrainee(tx, provider, trainee.id, { date: TODAY }, options)),
      withdraw: () =>
        inTransaction(database.db, (tx) =>
          withdrawTrainee(tx, provider, trainee.id, { date: TODAY, reasons: ['health_reasons'] }, options),
        ),
    };
    for (const [what, attempt] of Object.entries(attempts)) {
      const refused = await rejection(attempt());
      assert.ok(refused instanceof DomainError, what);
      if (what === 'change') {
        assert.ok(refused instanceof TraineeLockedError);
        assert.match(refused.message, /has been recommended for QTS or EYTS/);
      }
    }
    await sendAllAwardRequests(database.db, trs);
    const awarded = await rejection(attempts.change());
    assert.ok(awarded instanceof TraineeLockedError);
    assert.match(awarded.message, /has been awarded QTS or EYTS/);
    const kept = await database.db
      .selectFrom('trainees')
      .select(['last_name', 'state'])
      .where('id', '=', trainee.id)
      .executeTakeFirstOrThrow();
    assert.deepEqual(kept, { last_name: trainee.last_name, state: 'awarded' });
  });

  it('finds no trainee of another provider to change, defer or withdraw', async () => {
    const trainee = await register();
    const attempts: ((tx: Parameters<typeof deferTrainee>[0]) => Promise<unknown>)[] = [
      (tx: Parameters<typeof deferTrainee>[0]) =>
        changeTraineeDetails(tx, other, trainee.id, { lastName: 'X' }, options),
      (tx: Parameters<typeof deferTrainee>[0]) => deferTrainee(tx, other, trainee.id, { date: TODAY }, options),
      (tx: Parameters<typeof deferTrainee>[0]) =>
        withdrawTrainee(tx, other, trainee.id, { date: TODAY, reasons: ['health_reasons'] }, options),
    ];
    for (const attempt of attempts) {
      assert.ok((await rejection(inTransaction(database.db, attempt))) instanceof NotFoundError);
    }
  });
});
