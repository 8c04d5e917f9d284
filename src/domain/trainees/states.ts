// Trainee states and how they are named on pages.
import type { TraineeState } from '../../db/schema.ts';
import type { AwardType } from './training-routes.ts';

export const TRAINEE_STATES: TraineeState[] = [
  'draft',
  'submitted_for_trn',
  'trn_received',
  'recommended',
  'awarded',
  'deferred',
  'withdrawn',
];

export function stateName(state: TraineeState, award: AwardType): string {
  switch (state) {
    case 'draft':
      return 'Draft';
    case 'submitted_for_trn':
      return 'Pending TRN';
    case 'trn_received':
      return 'TRN received';
    case 'recommended':
      return `Recommended for ${award}`;
    case 'awarded':
      return `Holds ${award}`;
    case 'deferred':
      return 'Deferred';
    case 'withdrawn':
      return 'Withdrawn';
  }
}

/** Names for a filter, where the award is not known: "Recommended for QTS or EYTS". */
export function stateFilterName(state: TraineeState): string {
  if (state === 'recommended') return 'Recommended for QTS or EYTS';
  if (state === 'awarded') return 'Holds QTS or EYTS';
  return stateName(state, 'QTS');
}

export function isTraineeState(value: string): value is TraineeState {
  return (TRAINEE_STATES as string[]).includes(value);
}
