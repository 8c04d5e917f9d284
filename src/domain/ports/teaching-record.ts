// The Teaching Record System (TRS), as the rules need it: where QTS and EYTS are awarded. A port:
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

export interface TeachingRecord {
  /** One result per request, in the same order. */
  requestAwards(requests: AwardRequest[]): Promise<AwardResult[]>;
}
