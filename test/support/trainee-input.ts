// A complete, valid set of trainee details for tests, in the API's field names; override any.
import { addMonths, today } from '../../src/domain/dates.ts';
import type { TraineeInput } from '../../src/domain/trainees/trainee-details.ts';

let made = 0;

/** Valid details of a new trainee on a postgraduate route who started this academic year. */
export function traineeInput(overrides: TraineeInput = {}): TraineeInput {
  made += 1;
  const start = `${Number(today().slice(0, 4)) - (Number(today().slice(5, 7)) >= 8 ? 0 : 1)}-09-01`;
  return {
    firstNames: 'Ada',
    lastName: `Lovelace${made}`,
    dateOfBirth: '1995-12-10',
    sex: 'female',
    email: `ada${made}@example.com`,
    providerTraineeId: `P-${process.pid}-${made}`,
    hesaId: null,
    trainingRoute: 'provider_led_postgrad',
    courseSubjects: ['Mathematics'],
    ageRange: '11 to 16',
    studyMode: 'full_time',
    ittStartDate: start,
    ittEndDate: addMonths(start, 10),
    courseYear: 1,
    degreeType: 'uk',
    degreeSubject: 'Mathematics',
    degreeGrade: 'upper_second',
    degreeGraduationYear: 2017,
    degreeInstitution: 'University of Leeds',
    ...overrides,
  };
}
