// The registry: every upload kind, one line each. A kind is its folder (kinds/<id>/kind.ts, with
// its views and tests); pages, home cards, the API's list of kinds and job follow-ups all come
// from here, so nothing else names a kind.
import { hesaPlacements } from './hesa-placements/kind.ts';
import type { UploadKind } from './kind.ts';
import { placements } from './placements/kind.ts';
import { qtsRecommendations } from './qts-recommendations/kind.ts';

const KINDS = new Map<string, UploadKind>(
  [qtsRecommendations, placements, hesaPlacements].map((kind) => [kind.id, kind]),
);

export function findKind(id: string): UploadKind | undefined {
  return KINDS.get(id);
}

export function allKinds(): UploadKind[] {
  return [...KINDS.values()];
}

/**
 * For tests of the pipeline itself: a kind defined in a test joins the registry until the
 * returned function is called. The app never calls it.
 */
export function registerKindForTest(kind: UploadKind): () => void {
  if (KINDS.has(kind.id)) throw new Error(`There is already an upload kind ${kind.id}`);
  KINDS.set(kind.id, kind);
  return () => KINDS.delete(kind.id);
}
