// A link to an upload kind's start page, worded to sit inside a sentence: made from the registry
// (the kind's card), so that no page names a kind.
import type { UploadKind } from '../../uploads/kinds/kind.ts';

export interface KindLink {
  href: string;
  /** The card's title, starting in lower case ("add placements in bulk"). */
  text: string;
  /** The card's description, starting in lower case. */
  description: string;
}

const lowerFirst = (text: string) => text.charAt(0).toLowerCase() + text.slice(1);

export function kindLink(kind: UploadKind): KindLink {
  return {
    href: `/bulk/${kind.id}`,
    text: lowerFirst(kind.card?.title ?? kind.title),
    description: lowerFirst(kind.card?.description ?? ''),
  };
}
