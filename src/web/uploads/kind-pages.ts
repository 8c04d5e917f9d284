// What the generic upload pages say for each kind, beyond what the kind itself knows (its title,
// columns, count labels and review lines). A kind without an entry here gets plain wording.
// Longer passages are Nunjucks partials in views/kinds/<kind id>/.
import type { UploadKind } from '../../uploads/kinds/kind.ts';

export interface KindPages {
  /** The start page's count of the records the prefilled sheet lists. */
  templateCount(n: number): string;
  /** Heading of the review page. */
  reviewTitle: string;
  /** The review page's confirm button. */
  commitButton(n: number): string;
  /** The confirmation panel's heading. */
  doneTitle(n: number): string;
  /** Short names for the counts on the list of uploads: changes to make, made, skipped rows, rows in error. */
  countHeadings: { change: string; changed: string; skip: string; error: string };
  /** Where the user goes to see the records once committed. */
  recordsLink?: { href: string; text: string };
  /** A folder of partials (start.njk, done.njk), or none. */
  partials?: string;
}

const plural = (n: number, one: string, many: string) => `${n.toLocaleString('en-GB')} ${n === 1 ? one : many}`;

const PAGES: Record<string, KindPages> = {
  'qts-recommendations': {
    templateCount: (n) =>
      n === 0
        ? 'None of your trainees can be recommended now.'
        : `${plural(n, 'trainee', 'trainees')} can be recommended now. The sheet lists ${n === 1 ? 'them' : 'them all'}.`,
    reviewTitle: 'Check who you’ll recommend',
    commitButton: (n) => `Recommend ${plural(n, 'trainee', 'trainees')}`,
    doneTitle: (n) => `${plural(n, 'trainee', 'trainees')} recommended for QTS or EYTS`,
    countHeadings: { change: 'To recommend', changed: 'Recommended', skip: 'No date', error: 'Errors' },
    recordsLink: { href: '/trainees', text: 'See your trainees' },
    partials: 'uploads/views/kinds/qts-recommendations',
  },
  placements: {
    templateCount: (n) =>
      n === 0
        ? 'None of your trainees has fewer than 2 placements.'
        : `${plural(n, 'trainee has', 'trainees have')} fewer than 2 placements.`,
    reviewTitle: 'Check the placements you’ll add',
    commitButton: (n) => `Add placements for ${plural(n, 'trainee', 'trainees')}`,
    doneTitle: (n) => `Placements added for ${plural(n, 'trainee', 'trainees')}`,
    countHeadings: {
      change: 'Trainees to update',
      changed: 'Trainees updated',
      skip: 'Nothing to add',
      error: 'Errors',
    },
    recordsLink: { href: '/trainees', text: 'See your trainees' },
    partials: 'uploads/views/kinds/placements',
  },
  'hesa-placements': {
    templateCount: () => 'The sheet has the column headings only: your HESA placement file can be uploaded as it is.',
    reviewTitle: 'Check the placements you’ll add',
    commitButton: (n) => `Add ${plural(n, 'placement', 'placements')}`,
    doneTitle: (n) => `${plural(n, 'placement', 'placements')} added`,
    countHeadings: {
      change: 'Placements to add',
      changed: 'Placements added',
      skip: 'Already recorded',
      error: 'Errors',
    },
    recordsLink: { href: '/trainees', text: 'See your trainees' },
    partials: 'uploads/views/kinds/hesa-placements',
  },
};

export function pagesFor(kind: UploadKind): KindPages {
  return (
    PAGES[kind.id] ?? {
      templateCount: (n) => `The sheet has ${plural(n, 'row', 'rows')}.`,
      reviewTitle: 'Check the changes',
      commitButton: (n) => `Make ${plural(n, 'change', 'changes')}`,
      doneTitle: (n) => `${plural(n, 'change', 'changes')} made`,
      countHeadings: { change: 'To change', changed: 'Changed', skip: 'Skipped', error: 'Errors' },
    }
  );
}
