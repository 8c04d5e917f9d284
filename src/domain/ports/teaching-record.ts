// The Teaching Record System (TRS), as the rules need it: where QTS and EYTS are awarded, and
// where early-career teachers are found and their induction status is kept. A port:
// the domain and the upload kinds depend on this interface only; its implementations (the local
// default, an HTTP client for the TRS API) live in src/integrations/teaching-record/.

export interface AwardRequest {
  trn: string;
  award: 'QTS' | 'EYTS';
  standardsMetDate: string;
  firstNames: string;
  lastName: string;
  dateOfBirth: string;
}

export type AwardResult = { outcome: 'awarded'; awardedDate: string } | { outcome: 'rejected'; reason: string };

/** A newly registered trainee, who needs a teacher reference number (TRN). */
export interface TrnRequest {
  firstNames: string;
  lastName: string;
  dateOfBirth: string;
  email: string | null;
}

export type TrnResult = { outcome: 'issued'; trn: string } | { outcome: 'rejected'; reason: string };

export interface TeachingRecord extends TeachingRecordInduction {
  /** One result per request, in the same order. */
  requestAwards(requests: AwardRequest[]): Promise<AwardResult[]>;
  /** A TRN for each trainee (7 digits, unique), or why none was given; one result per request, in order. */
  requestTrns(requests: TrnRequest[]): Promise<TrnResult[]>;
}

/** Induction statuses as the Teaching Record System names them. */
export type RecordInductionStatus =
  | 'None'
  | 'RequiredToComplete'
  | 'InProgress'
  | 'Passed'
  | 'Failed'
  | 'FailedInWales'
  | 'Exempt';

/** A teacher as the teaching record holds them, found by TRN and date of birth. */
export interface RecordTeacher {
  trn: string;
  dateOfBirth: string;
  firstName: string;
  lastName: string;
  /** When QTS was awarded; null without QTS. */
  qtsDate: string | null;
  inductionStatus: RecordInductionStatus;
  inductionStartDate: string | null;
  inductionCompletedDate: string | null;
  prohibited: boolean;
}

export interface TeacherLookup {
  trn: string;
  dateOfBirth: string;
}

/** A change of a teacher's induction status, at the moments the record wants to know. */
export interface InductionStatusChange {
  trn: string;
  status: 'RequiredToComplete' | 'InProgress' | 'Passed' | 'Failed';
  startDate: string | null;
  completedDate: string | null;
}

/** The teaching record did not answer (a timeout, a refused connection, a 5xx): try again later. */
export class TeachingRecordUnavailable extends Error {
  constructor(message: string, cause?: unknown) {
    super(message);
    this.name = 'TeachingRecordUnavailable';
    this.cause = cause;
  }
}

/** The teaching record's induction side: finding ECTs and telling it of their induction. */
export interface TeachingRecordInduction {
  /**
   * One answer per lookup, in the same order: the teacher, or undefined when no teacher has this
   * TRN and date of birth. Throws TeachingRecordUnavailable when the record does not answer.
   */
  findTeachers(lookups: TeacherLookup[]): Promise<(RecordTeacher | undefined)[]>;
  /** Throws TeachingRecordUnavailable when the record does not answer (the change is sent again). */
  setInductionStatus(change: InductionStatusChange): Promise<void>;
}
