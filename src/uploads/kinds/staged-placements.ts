// What the two placement kinds share about an upload: the change a row stages, its review line,
// and the submission and undo of the staged rows, each through the domain's one operation
// (src/domain/placements/placement-changes.ts), with what a refusal means for the upload.
import type { Kysely, Transaction } from 'kysely';
import type { DB } from '../../db/schema.ts';
import { formatIsoDate } from '../../domain/dates.ts';
import {
  addPlacements,
  countUploadedPlacements,
  IdenticalPlacementRecorded,
  recheckPlacements,
  removeUploadedPlacements,
  type StagedPlacement,
  type StagedPlacements,
} from '../../domain/placements/placement-changes.ts';
import { trainingRoute } from '../../domain/trainees/training-routes.ts';
import { UploadConflict } from '../upload-conflict.ts';
import type { ReviewLine, SubmitContext } from './kind.ts';

/** The staged change of a row: the domain's (trainee and placements) with the TRN and route code, for the review page. */
export interface PlacementsChange extends StagedPlacements {
  trn?: string;
  /** The trainee's training route (its code), which groups the review page. */
  route: string;
}

/** The change a row stages: the placements it adds to this trainee. */
export function placementsChange(
  trainee: { id: string; first_names: string; last_name: string; trn: string | null; route: string },
  placements: StagedPlacement[],
): PlacementsChange {
  return {
    traineeId: trainee.id,
    traineeName: `${trainee.first_names} ${trainee.last_name}`,
    ...(trainee.trn ? { trn: trainee.trn } : {}),
    route: trainee.route,
    placements,
  };
}

/** A staged placement's dates, as the review page gives them after the school. */
function placementDates({ startDate: start, endDate: end }: StagedPlacement): string {
  if (start && end) return `, ${formatIsoDate(start)} to ${formatIsoDate(end)}`;
  if (start) return `, starting ${formatIsoDate(start)}`;
  if (end) return `, ending ${formatIsoDate(end)}`;
  return '';
}

export function describePlacements(change: PlacementsChange): ReviewLine {
  return {
    group: trainingRoute(change.route).name,
    title: change.traineeName,
    details: [
      ...(change.trn ? [`TRN ${change.trn}`] : []),
      ...change.placements.map((placement) => `Placement at ${placement.label}${placementDates(placement)}`),
    ],
  };
}

/**
 * In the submission transaction: the rows whose trainee has gone (or is no longer the provider's), or
 * which would add a placement identical to one recorded since the file was checked (the check
 * left out those already recorded, so only a newer one can match).
 */
export async function recheckStagedPlacements(
  tx: Transaction<DB>,
  { actor, uploadId }: SubmitContext,
): Promise<Map<number, string>> {
  const stale = new Map<number, string>();
  for (const refusal of await recheckPlacements(tx, actor, { uploadId })) {
    stale.set(
      refusal.row,
      refusal.traineeNotFound
        ? `${refusal.traineeName}’s record has gone since the file was checked`
        : `${refusal.traineeName} has had the placement at ${refusal.label} recorded since the file was checked. Upload the file again to check it against the record`,
    );
  }
  return stale;
}

/**
 * In the submission transaction, after the re-check: adds every staged placement, with one event per
 * trainee. A placement recorded between the re-check and the insert adds nothing: a conflict the
 * page and the API report, not a server error.
 */
export async function addStagedPlacements(tx: Transaction<DB>, { actor, uploadId }: SubmitContext): Promise<void> {
  try {
    await addPlacements(tx, actor, { uploadId }, { via: `upload ${uploadId}` });
  } catch (error) {
    if (!(error instanceof IdenticalPlacementRecorded)) throw error;
    throw new UploadConflict(
      'A placement in this upload was recorded while it was being submitted, so nothing was added. Submit it again',
    );
  }
}

/** Undo: removes exactly the placements the upload added, unless one has changed since (then says which). */
export function removeStagedPlacements(tx: Transaction<DB>, { actor, uploadId }: SubmitContext): Promise<string[]> {
  return removeUploadedPlacements(tx, actor, uploadId, { via: `undo of upload ${uploadId}` });
}

const plural = (n: number, one: string, many: string) => `${n.toLocaleString('en-GB')} ${n === 1 ? one : many}`;

/** What undoing the upload would remove now, for its confirmation page: "7 placements of 4 trainees". */
export async function previewRemovedPlacements(db: Kysely<DB>, { actor, uploadId }: SubmitContext): Promise<string> {
  const { placements, trainees } = await countUploadedPlacements(db, actor, uploadId);
  return `${plural(placements, 'placement', 'placements')} of ${plural(trainees, 'trainee', 'trainees')}`;
}
