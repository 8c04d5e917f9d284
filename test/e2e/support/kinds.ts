// The upload pages of each kind the journeys go through, as the user sees them: where the start
// page is, its heading, the review's heading and the summary's three sentences (written here by
// hand, not taken from the kinds, so that a change of wording shows). Used with UploadPages.
import type { UploadKindPages } from './upload.ts';

const plural = (n: number, one: string, many: string) => `${n} ${n === 1 ? one : many}`;

export const QTS_RECOMMENDATIONS: UploadKindPages = {
  start: '/bulk/qts-recommendations',
  title: 'Recommend trainees for QTS or EYTS',
  reviewHeading: 'Check who you’ll recommend',
  counts: {
    change: (n) => `${plural(n, 'trainee', 'trainees')} will be recommended`,
    skip: (n) => `${plural(n, 'trainee', 'trainees')} will not be recommended because no date was given`,
    error: (n) => `${plural(n, 'row', 'rows')} cannot be recommended because of errors`,
  },
};

export const PLACEMENTS: UploadKindPages = {
  start: '/bulk/placements',
  title: 'Add placements for your trainees',
  reviewHeading: 'Check the placements you’ll add',
  counts: {
    change: (n) => `${plural(n, 'trainee', 'trainees')} will get new placements`,
    skip: (n) => `${plural(n, 'row has', 'rows have')} nothing to add`,
    error: (n) => `${plural(n, 'row', 'rows')} cannot be added because of errors`,
  },
};

export const TRAINEES: UploadKindPages = {
  start: '/bulk/trainees',
  title: 'Add or update trainees',
  reviewHeading: 'Check the trainees you’ll add and update',
  counts: {
    change: (n) => `${plural(n, 'trainee', 'trainees')} will be added or updated`,
    skip: (n) => `${plural(n, 'row is', 'rows are')} unchanged`,
    error: (n) => `${plural(n, 'row has', 'rows have')} errors`,
  },
};
