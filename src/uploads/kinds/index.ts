// Every upload kind, by id. A new kind is one module and one line here.

import { hesaPlacements } from './hesa-placements.ts';
import type { UploadKind } from './kind.ts';
import { placements } from './placements.ts';
import { qtsRecommendations } from './qts-recommendations.ts';

const KINDS: Record<string, UploadKind> = {
  [qtsRecommendations.id]: qtsRecommendations as unknown as UploadKind,
  [placements.id]: placements as unknown as UploadKind,
  [hesaPlacements.id]: hesaPlacements as unknown as UploadKind,
};

export function findKind(id: string): UploadKind | undefined {
  return Object.hasOwn(KINDS, id) ? KINDS[id] : undefined;
}

export function allKinds(): UploadKind[] {
  return Object.values(KINDS);
}
