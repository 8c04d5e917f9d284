// The registry: every upload kind, one line each. A kind is its folder (kinds/<id>/kind.ts, with
// its views and tests); pages, home cards, the API's list of kinds and job follow-ups all come
// from here, so nothing else names a kind.
import type { DB, OrganisationType } from '../../db/schema.ts';
import { hesaPlacements } from './hesa-placements/kind.ts';
import { inductionClaims } from './induction-claims/kind.ts';
import { inductionOutcomes } from './induction-outcomes/kind.ts';
import { maxFileBytesOf, type UploadKind } from './kind.ts';
import { placements } from './placements/kind.ts';
import { qtsRecommendations } from './qts-recommendations/kind.ts';
import { schoolData } from './school-data/kind.ts';
import { trainees } from './trainees/kind.ts';

const KINDS = new Map<string, UploadKind>(
  [qtsRecommendations, placements, hesaPlacements, schoolData, inductionClaims, inductionOutcomes, trainees].map(
    (kind) => [kind.id, kind],
  ),
);

export function findKind(id: string): UploadKind | undefined {
  return KINDS.get(id);
}

export function allKinds(): UploadKind[] {
  return [...KINDS.values()];
}

/** The largest file any kind takes: how much of a request's body is read before the kind judges it. */
export function largestFileBytes(): number {
  return Math.max(...allKinds().map(maxFileBytesOf));
}

/**
 * The kinds with a home card that an organisation of this type can use to add or change these
 * records (a table they write), in their cards' order: for a page that offers them by name.
 */
export function kindsWriting(table: keyof DB & string, organisationType: OrganisationType): UploadKind[] {
  return allKinds()
    .filter((kind) => kind.card && kind.allowedFor.includes(organisationType) && kind.writes.includes(table))
    .sort((a, b) => (a.card?.order ?? 0) - (b.card?.order ?? 0));
}

/** Other kinds that write the same records as this one (the audit log aside, which every kind writes). */
export function kindsLike(kind: UploadKind, organisationType: OrganisationType): UploadKind[] {
  const tables = kind.writes.filter((table) => table !== 'events');
  const like = new Set(tables.flatMap((table) => kindsWriting(table, organisationType)));
  like.delete(kind);
  return [...like];
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
