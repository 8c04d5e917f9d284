// The Teaching Record System (TRS): where QTS and EYTS are awarded. The local default awards
// every request at once, as the real service does once it accepts one; an HTTP client for the
// TRS API can implement the same interface.

export interface AwardRequest {
  trn: string;
  award: 'QTS' | 'EYTS';
  standardsMetDate: string;
  firstNames: string;
  lastName: string;
  dateOfBirth: string;
}

export type AwardResult = { outcome: 'awarded'; awardedDate: string } | { outcome: 'rejected'; reason: string };

export interface TeachingRecord {
  /** One result per request, in the same order. */
  requestAwards(requests: AwardRequest[]): Promise<AwardResult[]>;
}

export function localTeachingRecord(today: () => string): TeachingRecord {
  return {
    async requestAwards(requests) {
      const awardedDate = today();
      return requests.map(() => ({ outcome: 'awarded', awardedDate }));
    },
  };
}
