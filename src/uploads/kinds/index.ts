// The registry: every upload kind, one line each. A kind is its folder (kinds/<id>/kind.ts, with
// its views and tests); pages, home cards, the API's list of kinds and job follow-ups all come
// from here, so nothing else names a kind.
import { hesaPlacements } from './hesa-placements/kind.ts';
import type { UploadKind } from './kind.ts';
import { placements } from './placements/kind.ts';
import { qtsRecommendations } from './qts-recommendations/kind.ts';

const KINDS: readonly UploadKind[] = [qtsRecommendations, placements, hesaPlacements];

const BY_ID = new Map(KINDS.map((kind) => [kind.id, kind]));

export function findKind(id: string): UploadKind | undefined {
  return BY_ID.get(id);
}

export function allKinds(): readonly UploadKind[] {
  return KINDS;
}
