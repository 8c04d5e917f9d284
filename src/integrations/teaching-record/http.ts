// A client for the Teaching Record System API's induction side: a teacher by TRN and date of birth
// (GET /v3/persons/{trn}), and induction status changes (PUT /v3/persons/{trn}/cpd-induction).
// A 5xx answer, a timeout or a refused connection is tried again with a growing wait; if the
// record still does not answer, TeachingRecordUnavailable (an upload then waits and retries, a
// status change is sent again by the next job). 404, 410 (deactivated) and 308 (merged into
// another record) mean no teacher with this TRN and date of birth.
import {
  type InductionStatusChange,
  type RecordInductionStatus,
  type RecordTeacher,
  type TeacherLookup,
  type TeachingRecordInduction,
  TeachingRecordUnavailable,
} from '../../domain/ports/teaching-record.ts';

export interface HttpTeachingRecordOptions {
  baseUrl: string;
  apiKey: string;
  /** How long one request may take. */
  timeoutMs?: number;
  /** Tries after the first, for 5xx answers and requests that time out or cannot connect. */
  retries?: number;
  /** The wait before the first retry; doubled for each one after. */
  backoffMs?: number;
  /** Lookups sent at once when a whole file is looked up. */
  concurrency?: number;
  apiVersion?: string;
}

/** The alert category of a prohibition from teaching. */
const PROHIBITED_CATEGORY = 'b2b19019-b165-47a3-8745-3297ff152581';

const STATUSES: RecordInductionStatus[] = [
  'None',
  'RequiredToComplete',
  'InProgress',
  'Passed',
  'Failed',
  'FailedInWales',
  'Exempt',
];

interface PersonAnswer {
  trn?: string;
  firstName?: string;
  lastName?: string;
  dateOfBirth?: string;
  qts?: { holdsFrom?: string | null } | null;
  induction?: { status?: string; startDate?: string | null; completedDate?: string | null } | null;
  alerts?: { alertType?: { alertCategory?: { alertCategoryId?: string } }; endDate?: string | null }[];
}

class Retryable extends Error {}

const wait = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));

export function httpTeachingRecordInduction({
  baseUrl,
  apiKey,
  timeoutMs = 10_000,
  retries = 3,
  backoffMs = 250,
  concurrency = 8,
  apiVersion = '20250627',
}: HttpTeachingRecordOptions): TeachingRecordInduction {
  const base = baseUrl.replace(/\/$/, '');

  /** One request, tried again on a passing failure; returns the answer for any other status. */
  async function request(path: string, init: RequestInit = {}): Promise<Response> {
    let lastError: unknown;
    for (let attempt = 0; attempt <= retries; attempt++) {
      if (attempt > 0) await wait(backoffMs * 2 ** (attempt - 1));
      try {
        const response = await fetch(`${base}${path}`, {
          ...init,
          redirect: 'manual',
          signal: AbortSignal.timeout(timeoutMs),
          headers: {
            Authorization: `Bearer ${apiKey}`,
            'X-Api-Version': apiVersion,
            Accept: 'application/json',
            ...(init.body ? { 'Content-Type': 'application/json' } : {}),
          },
        });
        if (response.status >= 500) {
          await response.body?.cancel();
          throw new Retryable(`the Teaching Record System answered ${response.status}`);
        }
        return response;
      } catch (error) {
        lastError = error;
        // A timeout, a refused or dropped connection, or a 5xx: try again.
        if (error instanceof Retryable || error instanceof TypeError || (error as Error).name === 'TimeoutError') {
          continue;
        }
        throw error;
      }
    }
    throw new TeachingRecordUnavailable(
      `The Teaching Record System did not answer after ${retries + 1} tries: ${(lastError as Error)?.message}`,
      lastError,
    );
  }

  async function findTeacher({ trn, dateOfBirth }: TeacherLookup): Promise<RecordTeacher | undefined> {
    const query = new URLSearchParams({ dateOfBirth, include: 'Alerts,Induction,RoutesToProfessionalStatuses' });
    const response = await request(`/v3/persons/${encodeURIComponent(trn)}?${query}`);
    if ([404, 410, 308].includes(response.status)) {
      await response.body?.cancel();
      return undefined;
    }
    if (!response.ok) {
      await response.body?.cancel();
      throw new Error(`The Teaching Record System refused the lookup: ${response.status}`);
    }
    const person = (await response.json()) as PersonAnswer;
    if (person.dateOfBirth && person.dateOfBirth !== dateOfBirth) return undefined;
    const status = person.induction?.status as RecordInductionStatus | undefined;
    const today = new Date().toISOString().slice(0, 10);
    return {
      trn: person.trn ?? trn,
      dateOfBirth: person.dateOfBirth ?? dateOfBirth,
      firstName: person.firstName ?? '',
      lastName: person.lastName ?? '',
      qtsDate: person.qts?.holdsFrom ?? null,
      inductionStatus: status && STATUSES.includes(status) ? status : 'None',
      inductionStartDate: person.induction?.startDate ?? null,
      inductionCompletedDate: person.induction?.completedDate ?? null,
      prohibited: (person.alerts ?? []).some(
        (alert) =>
          alert.alertType?.alertCategory?.alertCategoryId === PROHIBITED_CATEGORY &&
          (!alert.endDate || alert.endDate > today),
      ),
    };
  }

  return {
    async findTeachers(lookups) {
      const answers: (RecordTeacher | undefined)[] = new Array(lookups.length);
      let next = 0;
      const worker = async () => {
        while (next < lookups.length) {
          const i = next++;
          answers[i] = await findTeacher(lookups[i]);
        }
      };
      await Promise.all(Array.from({ length: Math.min(concurrency, lookups.length) }, worker));
      return answers;
    },

    async setInductionStatus({ trn, status, startDate, completedDate }: InductionStatusChange) {
      const response = await request(`/v3/persons/${encodeURIComponent(trn)}/cpd-induction`, {
        method: 'PUT',
        body: JSON.stringify({ status, startDate, completedDate, modifiedOn: new Date().toISOString() }),
      });
      await response.body?.cancel();
      if (!response.ok) throw new Error(`The Teaching Record System refused the induction status: ${response.status}`);
    },
  };
}
