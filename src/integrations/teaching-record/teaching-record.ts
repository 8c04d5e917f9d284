// The Teaching Record System (TRS): where QTS and EYTS are awarded. The local default awards
// every request at once, as the real service does once it accepts one; an HTTP client for the
// TRS API can implement the same interface (src/domain/ports/teaching-record.ts).
import type { TeachingRecord } from '../../domain/ports/teaching-record.ts';

export function localTeachingRecord(today: () => string): TeachingRecord {
  return {
    async requestAwards(requests) {
      const awardedDate = today();
      return requests.map(() => ({ outcome: 'awarded', awardedDate }));
    },
  };
}
