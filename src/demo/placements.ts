// Demo placements for the demo trainees: most trainees who have been recommended or awarded have 2,
// a few awarded ones have 0 or 1 (the sign-off page shows them), one trainee has two placements at
// schools sharing a URN (split sites), and one has a placement at a school without a URN.
import type { Kysely } from 'kysely';
import type { DB } from '../db/schema.ts';
import { inTransaction } from '../db/transaction.ts';
import { addMonths } from '../domain/dates.ts';
import { SYSTEM } from '../domain/organisations/actor.ts';
import { addPlacements, type NewPlacement } from '../domain/placements/placement-changes.ts';
import type { DemoContext } from './area.ts';

/** Open demo schools (data/demo-schools.csv has URNs 100001 to 100060; every 15th is closed). */
const SCHOOL_URNS = Array.from({ length: 59 }, (_, i) => String(100002 + i)).filter((urn) => Number(urn) % 15 !== 0);

export async function loadDemoPlacements(db: Kysely<DB>, { via }: DemoContext): Promise<void> {
  const trainees = await db
    .selectFrom('trainees')
    .select(['id', 'provider_id', 'state', 'itt_start_date'])
    .where('state', 'in', ['recommended', 'awarded'])
    .orderBy('provider_trainee_id')
    .execute();
  const placements: NewPlacement[] = [];
  let awarded = 0;
  trainees.forEach((trainee, i) => {
    const first = SCHOOL_URNS[(i * 7) % SCHOOL_URNS.length];
    const second = SCHOOL_URNS[(i * 7 + 23) % SCHOOL_URNS.length];
    const at = (urn: string, fromMonths: number): NewPlacement => ({
      traineeId: trainee.id,
      providerId: trainee.provider_id,
      urn,
      schoolName: null,
      postcode: null,
      startDate: addMonths(trainee.itt_start_date, fromMonths),
      endDate: addMonths(trainee.itt_start_date, fromMonths + 2),
    });
    // Every sixth awarded trainee is short of placements: alternately none and one.
    const short = trainee.state === 'awarded' && awarded++ % 6 === 5;
    if (short) {
      if (awarded % 12 === 0) placements.push(at(first, 1));
      return;
    }
    if (i === 0) {
      // Split sites: two placements at schools sharing one URN, at different times.
      placements.push(at(first, 1), at(first, 5));
    } else if (i === 1) {
      placements.push(at(first, 1), {
        ...at(first, 5),
        urn: null,
        schoolName: 'Little Acorns Day Nursery',
        postcode: 'LS6 2QT',
      });
    } else {
      placements.push(at(first, 1), at(second, 5));
    }
  });
  await inTransaction(db, (tx) => addPlacements(tx, SYSTEM, { items: placements }, { via }));
}
